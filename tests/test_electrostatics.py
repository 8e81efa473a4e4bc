"""Fixed-charge Coulomb between molecules: energy, forces, neutrality, the fit of q."""

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from mlip_course.committee import Design
from mlip_course.models.electrostatics import (COULOMB_K, LocalPlusCoulomb, coulomb, fit_charge,
                                                molecules)
from mlip_course.train import build


def _two_dimers(r=4.0):
    # two rigid "HO" dipoles (bond 1 A) r A apart, in a box
    return Atoms("OHOH", positions=[[0, 0, 0], [1, 0, 0], [r, 0.3, 0], [r + 1, 0.5, 0.2]],
                 cell=[20] * 3, pbc=True)


def test_energy_and_forces():
    atoms = _two_dimers()
    assert list(molecules(atoms)) == [0, 0, 1, 1]
    e, f = coulomb(atoms, {"O": -0.5, "H": 0.5})
    q = np.array([-0.5, 0.5, -0.5, 0.5])
    expected = sum(COULOMB_K * q[i] * q[j] / atoms.get_distance(i, j)
                   for i in (0, 1) for j in (2, 3))
    assert e == pytest.approx(expected)
    assert np.allclose(f.sum(axis=0), 0, atol=1e-12)                 # Newton's third law
    h = 1e-5
    for i, k in [(0, 0), (3, 1), (2, 2)]:
        plus, minus = atoms.copy(), atoms.copy()
        plus.positions[i, k] += h
        minus.positions[i, k] -= h
        fd = -(coulomb(plus, {"O": -0.5, "H": 0.5})[0] - coulomb(minus, {"O": -0.5, "H": 0.5})[0]) / (2 * h)
        assert f[i, k] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_clear_errors():
    with pytest.raises(ValueError, match="No charge for"):
        coulomb(_two_dimers(), {"O": -0.5})
    with pytest.raises(ValueError, match="neutral"):
        coulomb(_two_dimers(), {"O": -0.5, "H": 0.4})


def test_local_plus_coulomb_adds_the_terms():
    class Zero:
        def predict(self, atoms):
            return 1.0, np.zeros((len(atoms), 3))

    atoms = _two_dimers(6.0)
    model = LocalPlusCoulomb(Zero(), {"O": -0.4, "H": 0.4})
    e, f = model.predict(atoms)
    e_c, f_c = coulomb(atoms, {"O": -0.4, "H": 0.4})
    assert e == pytest.approx(1.0 + e_c) and np.allclose(f, f_c)


def test_fit_charge_recovers_the_charge_of_synthetic_labels():
    rng = np.random.default_rng(0)
    frames = []
    for k in range(8):
        atoms = _two_dimers(rng.uniform(3.0, 7.0))
        e, f = coulomb(atoms, {"O": -0.5, "H": 0.5})
        atoms.calc = SinglePointCalculator(atoms, energy=e, forces=f)
        atoms.info["origin"] = f"o{k % 4}"
        frames.append(atoms)
    design = Design(build("mtp", ["H", "O"], r_cut=1.5, n_radial=2), frames)
    q, scores = fit_charge(design, range(8), [a.info["origin"] for a in frames],
                           lambda q: {"O": -q, "H": q}, [0.0, 0.25, 0.5, 0.75])
    assert q == 0.5 and scores[0.5] < 1e-3 < scores[0.0]


def test_interaction_frames_remove_what_each_molecule_does_alone():
    from ase.calculators.emt import EMT

    from mlip_course.models.electrostatics import interaction_frames

    pair = Atoms("Cu2Cu2", positions=[[0, 0, 0], [1.2, 0, 0], [6, 0, 0], [7.2, 0, 0]])
    pair.calc = EMT()
    (inter,) = interaction_frames([pair], EMT(), bond=1.3)
    alone = [pair[:2], pair[2:]]
    for a in alone:
        a.calc = EMT()
    expected = pair.get_potential_energy() - sum(a.get_potential_energy() for a in alone)
    assert abs(inter.get_potential_energy() - expected) < 1e-12
    assert np.allclose(inter.get_forces().sum(0), 0.0, atol=1e-9)   # internal forces cancel
