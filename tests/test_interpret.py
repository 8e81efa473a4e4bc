"""Per-atom energies add up; integrated gradients are complete (EMT toy labels)."""

import numpy as np
import pytest
import torch
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator

from mlip_course.interpret import atomic_energies, integrated_gradients, network_attributions
from mlip_course.train import build


def _frames(n=4):
    out = []
    for k in range(n):
        a = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((2, 2, 1))
        a[0].symbol = "Ni"
        a.rattle(0.05, seed=k)
        a.calc = EMT()
        e, f = a.get_potential_energy(), a.get_forces()
        a.calc = SinglePointCalculator(a, energy=e, forces=f)
        out.append(a)
    return out


def test_atomic_energies_sum_to_the_total():
    frames = _frames()
    linear = build("mtp", ["Ni", "Cu"], r_cut=4.0, n_radial=2).fit(frames)
    net = build("bpnn", ["Ni", "Cu"], r_cut=4.0, hidden=[4])
    for atoms in frames[:2]:
        assert atomic_energies(linear, atoms).sum() == pytest.approx(linear.predict(atoms)[0])
        total = float(net.energy(atoms, torch.as_tensor(atoms.positions)))
        assert atomic_energies(net, atoms).sum() == pytest.approx(total)
    with pytest.raises(TypeError, match="no per-atom energies"):
        atomic_energies(object(), frames[0])


def test_integrated_gradients_are_complete():
    f = lambda x: (x**3).sum(axis=1) + torch.sin(x[:, 0])
    x = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    x0 = torch.zeros(3, dtype=torch.float64)
    phi = integrated_gradients(f, x, x0, steps=200)
    assert phi.sum() == pytest.approx(float(f(x) - f(x0[None])), abs=1e-4)
    net = build("bpnn", ["Ni", "Cu"], r_cut=4.0, hidden=[4])
    atoms = _frames(1)[0]
    base = net.descriptor.create(atoms).mean(axis=0)
    phi, delta = network_attributions(net, atoms, "Cu", base, steps=100)
    assert phi.shape[0] == 15 and np.allclose(phi.sum(axis=1), delta, atol=1e-4)
    with pytest.raises(ValueError, match="no Zn atoms"):
        network_attributions(net, atoms, "Zn", base)
