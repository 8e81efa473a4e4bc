"""The ZBL core: zero where the data are, repulsive and consistent (F = -dE/dr) inside."""

import numpy as np
from ase import Atoms

from mlip_course.models.repulsion import WithCoreRepulsion, pair_scan


class Zero:
    def predict(self, atoms):
        return 0.0, np.zeros((len(atoms), 3))


def test_core_is_zero_beyond_r_outer_and_repulsive_inside():
    model = WithCoreRepulsion(Zero(), 1.2, 2.0)
    far = Atoms("GeTe", positions=[[0, 0, 0], [2.1, 0, 0]])
    assert model.predict(far)[0] == 0.0
    energies = [model.predict(Atoms("GeTe", positions=[[0, 0, 0], [r, 0, 0]]))[0]
                for r in (1.0, 1.4, 1.8)]
    assert energies[0] > energies[1] > energies[2] > 0


def test_core_forces_are_minus_the_energy_gradient():
    model = WithCoreRepulsion(Zero(), 1.2, 2.0)
    atoms = Atoms("GeTeGe", positions=[[0, 0, 0], [1.5, 0.2, 0], [0.3, 1.6, 0.1]])
    _, forces = model.predict(atoms)
    h = 1e-5
    for k in range(3):
        for c in range(3):
            plus, minus = atoms.copy(), atoms.copy()
            plus.positions[k, c] += h
            minus.positions[k, c] -= h
            numeric = -(model.predict(plus)[0] - model.predict(minus)[0]) / (2 * h)
            assert abs(numeric - forces[k, c]) < 1e-5 * max(1.0, abs(numeric))
    assert np.allclose(forces.sum(0), 0.0, atol=1e-9)


def test_pair_scan_moves_one_atom_along_the_minimum_image_line():
    class Spring:                                  # E = (r01 - 2.5)^2, minimum image
        def predict(self, atoms):
            return (atoms.get_distance(0, 1, mic=True) - 2.5) ** 2, np.zeros((len(atoms), 3))

    atoms = Atoms("GeTe", positions=[[0.5, 0, 0], [9.0, 0, 0]], cell=[10, 10, 10], pbc=True)
    # the periodic image of atom 1 is 1.5 A away (E = 1); energies relative to that
    out = pair_scan(Spring(), atoms, 0, 1, [1.5, 2.5, 3.5])
    np.testing.assert_allclose(out, [0.0, -1.0, 0.0], atol=1e-12)


def test_pair_windows_come_from_the_data_and_act_per_pair():
    from mlip_course.models.repulsion import shortest_pairs

    data = [Atoms("GeTeTe", positions=[[0, 0, 0], [2.5, 0, 0], [0, 2.9, 0]])]
    assert shortest_pairs(data) == {("Ge", "Te"): 2.5, ("Te", "Te"): np.hypot(2.5, 2.9)}
    model = WithCoreRepulsion.from_data(Zero(), data, width=0.8, margin=0.1)
    assert np.allclose(model.windows[("Ge", "Te")], (1.6, 2.4))
    gete, tete = (Atoms(s, positions=[[0, 0, 0], [2.3, 0, 0]]) for s in ("GeTe", "TeTe"))
    assert model.predict(gete)[0] > 0                      # inside the Ge-Te window
    assert model.predict(tete)[0] > model.predict(gete)[0]  # Te-Te window starts further out
    assert model.predict(Atoms("GeTe", positions=[[0, 0, 0], [2.45, 0, 0]]))[0] == 0.0
    geg = Atoms("GeGe", positions=[[0, 0, 0], [1.9, 0, 0]])
    assert model.predict(geg)[0] > 0                       # unseen pair: the default 1.2-2.0 A
    moved = Atoms("GeTeTe", positions=[[0, 0, 0], [2.0, 0.1, 0], [0.2, 2.9, 0.1]])
    _, forces = model.predict(moved)
    h = 1e-5
    for c in range(3):
        plus, minus = moved.copy(), moved.copy()
        plus.positions[1, c] += h
        minus.positions[1, c] -= h
        numeric = -(model.predict(plus)[0] - model.predict(minus)[0]) / (2 * h)
        assert abs(numeric - forces[1, c]) < 1e-5 * max(1.0, abs(numeric))
