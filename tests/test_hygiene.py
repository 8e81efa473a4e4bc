import numpy as np
import pytest
from ase import units
from ase.cluster import Icosahedron
from ase.optimize import BFGS

from mlip_course.descriptors import RadialBasis
from mlip_course.io import label
from mlip_course.reference import emt_toy
from mlip_course.sampling.hygiene import (Standardiser, deduplicate, find_outliers, random_split,
                                          reference_energies, residual_per_atom)
from mlip_course.sampling.normal_modes import normal_modes, sample_modes
from tests.helpers import rattled_cu


def test_deduplicate_sees_through_rotation_and_permutation():
    frames = rattled_cu(4, seed=2)
    twin = frames[1].copy()
    twin.rotate(30, "x", rotate_cell=True)
    twin = twin[np.random.default_rng(0).permutation(len(twin))]
    keep = deduplicate(frames + [twin], RadialBasis(["Cu"], cutoff=4.5, n_basis=6), tol=1e-6)
    assert keep == [0, 1, 2, 3]


def test_find_outliers_catches_unit_slips_and_overlaps():
    # give the toy energies a DFT-like total-energy offset
    frames = [label(a, a.get_potential_energy() - 100.0 * len(a), a.get_forces())
              for a in rattled_cu(8, seed=3)]
    hartree = label(frames[2], frames[2].get_potential_energy() / 27.2, frames[2].get_forces())
    bohr = label(frames[3], frames[3].get_potential_energy(), frames[3].get_forces() * 51.4 * 10)
    flags = find_outliers(frames + [hartree, bohr])
    assert set(flags) == {8, 9}
    assert "force" in flags[9] and "energy" in flags[8]


def test_reference_energies_recover_known_values():
    frames = rattled_cu(3, seed=4)
    mixed = []
    for k, atoms in enumerate(frames):
        a = atoms.copy()
        a.symbols[: 4 * k] = "Au"
        n_au = 4 * k
        mixed.append(label(a, -3.0 * (len(a) - n_au) - 5.0 * n_au + 0.01 * k, atoms.get_forces()))
    refs = reference_energies(mixed)
    assert refs["Cu"] == pytest.approx(-3.0, abs=0.01) and refs["Au"] == pytest.approx(-5.0, abs=0.01)
    assert np.abs(residual_per_atom(mixed, refs)).max() < 0.001
    with pytest.raises(ValueError, match="do not determine"):
        reference_energies([mixed[1], mixed[1]])


def test_split_and_standardiser():
    train, test = random_split(20, 0.25, seed=1)
    assert len(test) == 5 and not set(train) & set(test) and len(train) + len(test) == 20
    x = np.random.default_rng(0).normal([1.0, 50.0, 3.0], [0.1, 10.0, 0.0], size=(30, 3))
    z = Standardiser().fit_transform(x)
    assert np.allclose(z.mean(axis=0), 0) and np.allclose(z.std(axis=0), [1, 1, 0])
    with pytest.raises(RuntimeError, match="fit"):
        Standardiser().transform(x)


def test_normal_mode_samples_obey_equipartition():
    cluster = Icosahedron("Cu", 2)
    cluster.calc = emt_toy()
    BFGS(cluster, logfile=None).run(fmax=1e-4)
    modes = normal_modes(cluster, emt_toy())
    assert modes.n_modes == 3 * len(cluster) - 6
    frames = sample_modes(modes, 100.0, 300, seed=0)
    mean = np.mean([f.info["harmonic_energy"] for f in frames])
    assert mean == pytest.approx(0.5 * modes.n_modes * units.kB * 100.0, rel=0.05)
    saddle = cluster.copy()
    saddle.positions[0] += [0.4, 0.0, 0.0]
    with pytest.raises(ValueError, match="negative eigenvalue"):
        normal_modes(saddle, emt_toy())


def test_qm9_ships_offline():
    from mlip_course.data.databases import qm9, qm9_atoms

    table = qm9(["Index", "Elements", "XYZ_Ang", "InternalEnergy_0K_au"], max_heavy=2)
    assert len(table) == 8 and table["n_heavy"].max() == 2
    methane = qm9_atoms(table.iloc[0])
    assert methane.get_chemical_formula() == "CH4"
    assert methane.get_potential_energy() == pytest.approx(-40.47893 * units.Hartree)
    # some rows write floats as "0." (valid Python, not JSON): all must parse
    assert [len(qm9_atoms(row)) for _, row in table.iterrows()] == list(table["N_atoms"])
