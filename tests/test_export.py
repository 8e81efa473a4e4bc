"""Export to other codes' formats: every label survives the round trip (EMT toy labels)."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read

from mlip_course.export import datasheet, to_deepmd_npy, to_extxyz


def _frames():
    out = []
    for k, sym in enumerate(["Cu", "Cu", "Ni"]):
        a = bulk("Cu", "fcc", a=3.6, cubic=True)
        a[0].symbol = sym
        a.rattle(0.05, seed=k)
        a.calc = EMT()
        e, f, s = a.get_potential_energy(), a.get_forces(), a.get_stress()
        a.calc = SinglePointCalculator(a, energy=e, forces=f, stress=s)
        a.info["phase"] = "crystal"
        out.append(a)
    return out


def test_extxyz_keys_round_trip(tmp_path):
    frames = _frames()
    back = read(to_extxyz(frames, tmp_path / "x.xyz"), ":")
    for a, b in zip(frames, back):
        assert b.info["REF_energy"] == pytest.approx(a.get_potential_energy())
        assert np.allclose(b.arrays["REF_forces"], a.get_forces())
        assert np.allclose(b.info["REF_stress"].reshape(3, 3), a.get_stress(voigt=False))
        assert b.info["config_type"] == "crystal" and b.calc is None


def test_deepmd_layout(tmp_path):
    frames = _frames()
    systems = to_deepmd_npy(frames, tmp_path, ["Cu", "Ni"])
    assert len(systems) == 2                       # Cu4 and NiCu3 are separate systems
    n = sum(np.load(s / "set.000" / "energy.npy").shape[0] for s in systems)
    assert n == 3
    cu = next(s for s in systems if s.name.startswith("Cu4"))
    assert np.load(cu / "set.000" / "force.npy").shape == (2, 12)
    virial = np.load(cu / "set.000" / "virial.npy")[0].reshape(3, 3)
    assert np.allclose(virial, -frames[0].get_stress(voigt=False) * frames[0].get_volume())
    with pytest.raises(ValueError, match="not in type_map"):
        to_deepmd_npy(frames, tmp_path / "z", ["Cu"])


def test_datasheet_of_a_course_set():
    sheet = datasheet("gete_props")
    assert sheet["elements"] == "Ge, Te" and sheet["frames"] >= 1
    assert "CP2K" in sheet["reference"] and "CC BY" in sheet["licence"]
