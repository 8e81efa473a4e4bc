"""Low-lying cluster minima (basin hopping + GA), Tersoff Ge, clusters in a periodic box."""

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.emt import EMT

from mlip_course.sampling.clusters import InVacuum, lj_calculator, tersoff
from mlip_course.sampling.minima import connected, distinct, low_lying_minima


def test_tersoff_ge_dimer_and_diamond():
    calc = tersoff("Ge")
    from ase.build import bulk

    ge = bulk("Ge", "diamond", a=5.657)
    ge.calc = calc
    assert ge.get_potential_energy() / len(ge) == pytest.approx(-3.85, abs=0.02)  # Tersoff's fit
    lonely = Atoms("Ge2", positions=[[0, 0, 0], [2.4, 0, 0]])  # no third neighbour: zeta = 0
    lonely.calc = calc
    assert np.isfinite(lonely.get_forces()).all()
    with pytest.raises(KeyError, match="no Sb parameters"):
        tersoff("Sb")


def test_in_vacuum_matches_the_bare_cluster_and_checks_the_box():
    cluster = Atoms("Cu4", positions=[[0, 0, 0], [2.5, 0, 0], [0, 2.5, 0], [0, 0, 2.5]])
    bare = cluster.copy()
    bare.calc = EMT()
    boxed = cluster.copy()
    boxed.calc = InVacuum(EMT(), box=20.0)
    assert boxed.get_potential_energy() == pytest.approx(bare.get_potential_energy())
    assert np.allclose(boxed.get_forces(), bare.get_forces())
    small = cluster.copy()
    small.calc = InVacuum(EMT(), box=6.0)
    with pytest.raises(ValueError, match="larger box"):
        small.get_potential_energy()


def test_distinct_and_connected():
    a = Atoms("Ar3", positions=[[0, 0, 0], [1.1, 0, 0], [0, 1.1, 0]], info={"energy": -3.0})
    same = a.copy()
    same.rotate(30, "z")
    same.info["energy"] = -3.0005
    other = Atoms("Ar3", positions=[[0, 0, 0], [1.1, 0, 0], [2.2, 0, 0]], info={"energy": -2.0})
    assert len(distinct([other, a, same])) == 2 and distinct([other, a])[0] is a
    assert connected(a, 1.5) and not connected(Atoms("Ar2", positions=[[0, 0, 0], [5, 0, 0]]), 1.5)


def test_low_lying_minima_of_lj7():
    found = low_lying_minima("Ar7", lj_calculator(), 3, seed=0, bh_runs=1, bh_steps=5,
                             ga_relaxations=12, kT=0.8, dr=0.35, fmax=1e-3,
                             volume_per_atom=1.2, min_distance=0.8, bond=1.5)
    energies = [a.info["energy"] for a in found]
    assert energies == sorted(energies) and len(found) == 3
    assert energies[0] == pytest.approx(-16.505384, abs=1e-3)   # LJ7 pentagonal bipyramid
    assert {a.info["found_by"] for a in found} <= {"basin_hopping", "genetic"}
