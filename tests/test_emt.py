"""The vectorised toy EMT equals ASE's EMT."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, fcc111
from ase.calculators.emt import EMT
from ase.cluster import Icosahedron

from mlip_course.emt import FastEMT


def _structures():
    rng = np.random.default_rng(0)
    cu = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    cu.positions += rng.normal(0, 0.1, cu.positions.shape)
    alloy = bulk("Cu", "fcc", a=3.7, cubic=True).repeat((2, 2, 1))
    alloy.symbols[[0, 3, 5]] = "Au"
    del alloy[7]                                          # a vacancy
    alloy.positions += rng.normal(0, 0.05, alloy.positions.shape)
    small = bulk("Pt", "fcc", a=3.9)                      # one atom: its own images only
    small.set_cell(small.cell * [[1.0], [1.02], [0.98]], scale_atoms=True)
    cluster = Icosahedron("Ag", 2)
    cluster.rattle(0.05, seed=1)
    slab = fcc111("Al", (2, 2, 3), vacuum=5.0)            # periodic in x, y only
    slab.rattle(0.05, seed=2)
    pair = Atoms("NiNi", positions=[[0, 0, 0], [0, 0, 2.4]])
    lonely = Atoms("Cu2", positions=[[0, 0, 0], [0, 0, 12.0]])   # no neighbours
    return {"cu": cu, "alloy": alloy, "small": small, "cluster": cluster, "slab": slab,
            "pair": pair, "lonely": lonely}


@pytest.mark.parametrize("name", list(_structures()))
def test_fast_emt_equals_ase(name):
    atoms = _structures()[name]
    ref, fast = atoms.copy(), atoms.copy()
    ref.calc, fast.calc = EMT(), FastEMT()
    assert fast.get_potential_energy() == pytest.approx(ref.get_potential_energy(), abs=1e-10)
    assert np.allclose(fast.get_forces(), ref.get_forces(), atol=1e-10)
    assert np.allclose(fast.get_potential_energies(), ref.get_potential_energies(), atol=1e-10)
    if atoms.cell.rank == 3:
        assert np.allclose(fast.get_stress(), ref.get_stress(), atol=1e-12)
    # a move and a change of element are seen
    for a in (ref, fast):
        a.positions[0] += 0.03
    assert fast.get_potential_energy() == pytest.approx(ref.get_potential_energy(), abs=1e-10)
    if len(atoms) > 1:
        for a in (ref, fast):
            a.symbols[1] = "Pd"
        assert np.allclose(fast.get_forces(), ref.get_forces(), atol=1e-10)


def test_fast_emt_reuses_its_pair_list_only_while_valid():
    from mlip_course.sampling.md import sample_nvt

    cu = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    frames = sample_nvt(cu, FastEMT(), 1500.0, 200, 10, seed=0, equilibrate=0)
    fast, ref = FastEMT(), EMT()
    for atoms in frames:                                  # one calculator along the run
        assert fast.get_potential_energy(atoms) == pytest.approx(ref.get_potential_energy(atoms),
                                                                 abs=1e-10)
        assert np.allclose(fast.get_forces(atoms), ref.get_forces(atoms), atol=1e-10)
