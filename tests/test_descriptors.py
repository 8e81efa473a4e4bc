import numpy as np
import pytest
import torch
from ase.build import bulk

from mlip_course.descriptors import RadialBasis


def test_shape_and_invariance(cu_frames):
    desc = RadialBasis(["Cu"], cutoff=4.5, n_basis=6)
    atoms = cu_frames[0]
    g = desc.create(atoms)
    assert g.shape == (32, 6) and desc.n_features == 6
    moved = atoms.copy()
    moved.rotate(50, "y", rotate_cell=True)
    moved.translate([1.0, 2.0, -0.5])
    moved.wrap()
    order = np.random.default_rng(0).permutation(len(moved))
    np.testing.assert_allclose(desc.create(moved[order]), g[order], atol=1e-10)


def test_element_resolved_blocks():
    atoms = bulk("GeTe", "rocksalt", a=6.0, cubic=True).repeat(2)
    desc = RadialBasis(["Ge", "Te"], cutoff=4.0, n_basis=5)
    g = desc.create(atoms)
    ge = np.array(atoms.get_chemical_symbols()) == "Ge"
    # Nearest neighbours (3 A) of Ge are Te: the Te block carries the first-shell peak.
    assert g[ge, 5:].sum() > g[ge, :5].sum()


def test_smooth_at_cutoff():
    from ase import Atoms

    desc = RadialBasis(["Cu"], cutoff=4.0, n_basis=4)
    values = []
    for r in (3.999, 4.001):
        values.append(desc.create(Atoms("Cu2", positions=[[0, 0, 0], [r, 0, 0]])))
    assert np.abs(values[0] - values[1]).max() < 1e-5


def test_torch_features_are_differentiable(cu_frames):
    desc = RadialBasis(["Cu"], cutoff=4.5, n_basis=6)
    atoms = cu_frames[1]
    pos = torch.tensor(atoms.positions, requires_grad=True)
    desc.torch_features(atoms, pos).sum().backward()
    assert pos.grad is not None and torch.isfinite(pos.grad).all()


def test_helpful_errors():
    with pytest.raises(ValueError, match="Unknown element"):
        RadialBasis(["Qq"])
    with pytest.raises(ValueError, match="must exceed"):
        RadialBasis(["Cu"], cutoff=1.0)
    with pytest.raises(ValueError, match="also has \\['Te'\\]"):
        RadialBasis(["Ge"]).create(bulk("GeTe", "rocksalt", a=6.0))
