"""The CP2K reference: input rendering and output parsing (no CP2K needed), and one slow
re-labelling test of shipped frames (needs cp2k)."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from ase.io import read
from ase.units import GPa

from mlip_course import reference as ref

FIXTURES = Path(__file__).parent / "fixtures"


def test_input_holds_the_documented_settings():
    atoms = bulk("GeTe", "rocksalt", a=6.0, cubic=True)
    text = ref.cp2k_input(atoms)
    for needle in ("&XC_FUNCTIONAL PBE", "BASIS_SET DZVP-MOLOPT-SR-GTH", "POTENTIAL GTH-PBE-q4",
                   "POTENTIAL GTH-PBE-q6", "CUTOFF 300", "REL_CUTOFF 50", "NGRIDS 4",
                   "EPS_SCF 1.0E-06", "METHOD FERMI_DIRAC", "ELECTRONIC_TEMPERATURE [K] 1000",
                   "ALPHA 0.2", "ADDED_MOS 12", "STRESS_TENSOR ANALYTICAL", "RUN_TYPE ENERGY_FORCE",
                   "SCHEME MONKHORST-PACK 2 2 2"):
        assert needle in text, needle
    assert text.count("&KIND") == 2
    assert "KPOINTS" not in ref.cp2k_input(atoms, ref.CP2KSettings(kpoints=None))


def test_kpoint_density_gives_each_cell_its_mesh():
    from mlip_course.data import structures as st

    dense = ref.CP2KSettings(kpoint_density=3.0)
    assert dense.mesh(st.alpha_gete()) == (2, 2, 2)              # the 64-atom training cell
    assert dense.mesh(st.alpha_gete_primitive()) == (6, 6, 6)    # its 2-atom primitive cell
    assert "MONKHORST-PACK 6 6 6" in ref.cp2k_input(st.alpha_gete_primitive(), dense)
    assert ref.CP2KSettings().mesh() == (2, 2, 2) and ref.CP2KSettings(kpoints=None).mesh() is None
    with pytest.raises(ValueError, match="pass the structure"):
        dense.mesh()
    squeezed = st.diamond_ge(primitive=True)          # 6x6x6 at 3.0; 7x7x7 (odd) when squeezed
    squeezed.set_cell(squeezed.cell * 0.96, scale_atoms=True)
    assert dense.mesh(squeezed) == (8, 8, 8)          # even meshes only
    squeezed.info["scan_scale"] = 0.96                # a frame of an E-V scan: the unscaled mesh
    assert dense.mesh(squeezed) == (6, 6, 6)


def test_fixture_input_matches_current_settings():
    """The fixture was produced by this module (at the Gamma point, before the k-point mesh
    became the default); if the settings change, regenerate it."""
    atoms = read(FIXTURES / "cp2k_gete8.xyz")
    expected = ref.cp2k_input(atoms, ref.CP2KSettings(nproc=1, kpoints=None))
    stored = (FIXTURES / "cp2k_gete8.inp").read_text()
    strip = lambda t: [l for l in t.splitlines() if not l.strip().startswith(("Ge ", "Te "))]  # noqa: E731
    assert strip(stored) == strip(expected)


def test_parse_real_output():
    atoms = read(FIXTURES / "cp2k_gete8.xyz")
    res = ref.parse_cp2k_output((FIXTURES / "cp2k_gete8.out").read_text(), len(atoms))
    assert res["energy"] == pytest.approx(atoms.get_potential_energy(), abs=1e-6)
    np.testing.assert_allclose(res["forces"], atoms.get_forces(), atol=1e-6)
    np.testing.assert_allclose(res["stress"], atoms.get_stress(), atol=1e-8)
    assert res["scf_steps"] > 0
    # Sanity of units: ~ -166 eV per atom (GTH valence energies), forces of order 1 eV/A.
    assert -200 < res["energy"] / len(atoms) < -100
    assert 0.1 < np.abs(res["forces"]).max() < 10
    # compressed cell (0.98 a) -> positive pressure -> negative ASE stress on the diagonal
    assert np.all(res["stress"][:3] < 0) and abs(res["stress"][0] / GPa) < 10
    assert np.abs(res["forces"].sum(axis=0)).max() < 0.05


def test_parse_failures_are_explicit():
    text = (FIXTURES / "cp2k_gete8.out").read_text()
    with pytest.raises(ref.CP2KFailed, match="SCF did not converge"):
        ref.parse_cp2k_output(text + "\n *** SCF run NOT converged ***\n", 8)
    with pytest.raises(ref.CP2KFailed, match="ENERGY"):
        ref.parse_cp2k_output("nothing here", 8)
    with pytest.raises(ref.CP2KFailed, match="(?i)forces"):
        ref.parse_cp2k_output(text, 9)


def test_clear_errors_for_setup_problems(monkeypatch):
    with pytest.raises(ValueError, match="No GTH pseudopotential is configured for Au"):
        ref.cp2k_input(bulk("Au", cubic=True))
    molecule = bulk("Ge", cubic=True)
    molecule.pbc = False
    with pytest.raises(ValueError, match="periodic"):
        ref.cp2k_input(molecule)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ref.CP2KNotFound, match="apt-get install cp2k"):
        ref.cp2k_version()
    with pytest.raises(ref.CP2KNotFound):
        ref.mpi_command(2)


def test_emt_toy_labels(cu_frames):
    assert cu_frames[0].get_forces().shape == (32, 3)
    assert np.isfinite(cu_frames[0].get_potential_energy())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gete", "gst"])
def test_relabel_two_shipped_frames(tmp_path, name):
    """Re-labelling two seeded shipped frames of each training set with that set's settings
    (Gamma point or k-point mesh, whichever it was labelled with) reproduces energy
    (1 meV/atom) and forces (10 meV/A)."""
    if shutil.which(ref.CP2K_BINARY) is None:
        pytest.skip("cp2k is not installed (apt-get install cp2k cp2k-data)")
    from mlip_course import data
    from mlip_course.data.recipes import settings_for

    frames = data.frames(name)
    rng = np.random.default_rng(2024)
    for k in rng.choice(len(frames), size=2, replace=False):
        shipped = frames[int(k)]
        new = ref.run_cp2k(shipped, tmp_path / f"f{k}", settings_for(name))
        n = len(shipped)
        assert abs(new.get_potential_energy() - shipped.get_potential_energy()) / n < 1e-3
        assert np.abs(new.get_forces() - shipped.get_forces()).max() < 0.010


def test_isolated_molecule_input():
    from mlip_course.data import structures as st

    water = st.water_dimer()
    water.center(vacuum=4.0)                                      # orthorhombic, not cubic
    with pytest.raises(ValueError, match="cubic box"):
        ref.cp2k_input(water, ref.CP2KSettings(periodic=False))
    water.cell = [water.cell.lengths().max()] * 3
    water.center()
    text = ref.cp2k_input(water, ref.CP2KSettings(periodic=False, cutoff_ry=600))
    assert "PERIODIC NONE" in text and "POISSON_SOLVER WAVELET" in text and "FFTSG" in text
    assert "STRESS_TENSOR" not in text and "CUTOFF 600" in text
    water.pbc = True
    with pytest.raises(ValueError, match="isolated molecule"):
        ref.cp2k_input(water, ref.CP2KSettings(periodic=False))


def test_blas_warning_names_the_fix(monkeypatch):
    """CP2K on the reference BLAS gets a warning naming the package; OpenBLAS none."""
    import subprocess

    def fake_ldd(target):
        def run(cmd, **kwargs):
            return subprocess.CompletedProcess(cmd, 0, stdout=f"\tlibblas.so.3 => {target} (0x0)\n")
        return run

    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(ref.os.path, "realpath", lambda p: p)
    monkeypatch.setattr(ref.subprocess, "run", fake_ldd("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"))
    assert "apt-get install libopenblas0-openmp" in ref.blas_warning()
    monkeypatch.setattr(ref.subprocess, "run",
                        fake_ldd("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3"))
    assert ref.blas_warning() is None
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert ref.blas_library() is None
