"""Descriptors: from-scratch ACSF against dscribe, invariances, known failures, selection."""

import numpy as np
import pytest
from ase.build import bulk

from mlip_course.descriptors import checks
from mlip_course.descriptors.ace import ACE
from mlip_course.descriptors.acsf import ACSF, WeightedACSF
from mlip_course.descriptors.deeppot import DeepPotDescriptor
from mlip_course.descriptors.graph import GraphDescriptor
from mlip_course.descriptors.library import Bispectrum, soap
from mlip_course.descriptors.mtp import MomentTensors
from mlip_course.descriptors.selection import cur_select, farthest_point_sampling
from mlip_course.descriptors.wyckoff import WyckoffDescriptor

SPECIES = ["Ge", "Te", "Sb"]
G2 = [[0.5, 1.0], [1.0, 2.5], [0.2, 3.5]]
G4 = [[0.01, 1, 1], [0.02, 2, -1]]
G5 = [[0.01, 4, 1]]


def gete(seed: int = 1):
    atoms = bulk("GeTe", "rocksalt", a=6.0).repeat(2)
    atoms.rattle(0.1, seed=seed)
    return atoms


@pytest.mark.parametrize("periodic", [True, False])
def test_acsf_matches_dscribe(periodic):
    from dscribe.descriptors import ACSF as DscribeACSF

    atoms = gete()
    atoms[3].symbol = "Sb"
    if not periodic:
        atoms = atoms[:7]
        atoms.pbc = False
    ours = ACSF(SPECIES, 5.0, G2, G4, G5).create(atoms)
    ref = DscribeACSF(species=SPECIES, r_cut=5.0, g2_params=G2, g4_params=G4, g5_params=G5,
                      periodic=periodic).create(atoms)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() < 1e-8


@pytest.mark.parametrize("make", [
    lambda: ACSF(["Ge", "Te"], 5.0, G2, G4), lambda: WeightedACSF(["Ge", "Te"], 5.0, G2, G4),
    lambda: MomentTensors(["Ge", "Te"]), lambda: ACE(["Ge", "Te"]),
    lambda: DeepPotDescriptor(["Ge", "Te"]), lambda: GraphDescriptor(["Ge", "Te"])])
def test_from_scratch_descriptors_are_invariant(make):
    desc, atoms = make(), gete()
    assert desc.create(atoms).shape == (len(atoms), desc.n_features)
    for check in (checks.translation_error, checks.rotation_error, checks.permutation_error):
        assert check(desc, atoms) < 1e-9


def test_three_body_descriptors_cannot_tell_the_degenerate_pair_apart():
    a, b = checks.degenerate_environments()
    generic = checks.degenerate_environments()[0]
    generic.positions[2] = [0.0, 2.5, 0.0]          # a different, non-degenerate ring
    for desc in (ACSF(["Ge", "Te"], 5.0, G2, G4), ACE(["Ge", "Te"]),
                 soap(["Ge", "Te"], periodic=False)):
        assert checks.distance(desc, a, generic) > 1e-3          # it does see other changes
        assert checks.distance(desc, a, b) < 1e-10               # ... but not this one
    for desc in (Bispectrum(["Ge", "Te"]), MomentTensors(["Ge", "Te"])):  # 4-body terms
        assert checks.distance(desc, a, b) > 1e-3


def test_cutoff_continuity_smooth_and_cgcnn_jump():
    assert checks.cutoff_jump(ACSF(["Ge", "Te"], 5.0, G2, G4), 5.0) < 1.0
    assert checks.cutoff_jump(DeepPotDescriptor(["Ge", "Te"]), 5.0) < 1.0
    assert checks.cutoff_jump(GraphDescriptor(["Ge", "Te"]), 5.0) > 100.0


def test_wyckoff_sees_symmetry_only():
    from ase import Atoms

    from mlip_course.descriptors.wyckoff import symmetry

    ideal = bulk("GeTe", "rocksalt", a=6.0).repeat(2)
    small = ideal.copy()
    small.rattle(0.01, seed=0)
    assert symmetry(ideal)[0] == 225 and symmetry(small)[0] == 225     # within symprec 0.1
    strict = WyckoffDescriptor(["Ge", "Te"], symprec=1e-4)
    assert symmetry(gete(1), symprec=1e-4)[0] == 1                      # rattled: P1
    assert np.allclose(strict.create(gete(1)), strict.create(gete(2)))  # not unique
    assert not np.allclose(strict.create(ideal), strict.create(gete(1)))
    with pytest.raises(ValueError, match="periodic"):
        strict.create(Atoms("Ge", pbc=False))


def test_unknown_elements_fail_clearly():
    with pytest.raises(ValueError, match="Unknown element"):
        ACSF(["Ge", "Xx"])
    with pytest.raises(ValueError, match="add them|Add them"):
        ACE(["Ge"]).create(gete())


def test_selection():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(size=(50, 3)), [[10, 10, 10]]])
    assert 50 in farthest_point_sampling(x, 2)
    cols = rng.normal(size=(40, 3))
    x = np.c_[cols, cols @ rng.normal(size=(3, 5))]     # 8 columns, rank 3
    chosen = cur_select(x, 3)
    assert len(set(chosen)) == 3
    assert np.linalg.matrix_rank(x[:, chosen]) == 3


@pytest.mark.parametrize("make", [lambda: ACSF(["Ge", "Te"], 5.0, G2, G4, G5),
                                  lambda: WeightedACSF(["Ge", "Te"], 5.0, G2, G4),
                                  lambda: MomentTensors(["Ge", "Te"], 5.0, n_radial=3)])
def test_torch_features_equal_numpy_and_give_gradients(make):
    import torch

    desc, atoms = make(), gete()
    pos = torch.tensor(atoms.positions, requires_grad=True)
    x = desc.torch_features(atoms, pos)
    assert np.abs(x.detach().numpy() - desc.create(atoms)).max() < 1e-10
    (x**2).sum().backward()
    h, moved = 1e-6, atoms.copy()
    moved.positions[2, 1] += h
    up = (desc.create(moved) ** 2).sum()
    moved.positions[2, 1] -= 2 * h
    fd = (up - (desc.create(moved) ** 2).sum()) / (2 * h)
    assert float(pos.grad[2, 1]) == pytest.approx(fd, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("make", [lambda: ACE(["Ge", "Te"], l_max=3),
                                  lambda: MomentTensors(["Ge", "Te"])])
def test_torch_invariants_equal_the_numpy_ones(make):
    import torch

    desc, atoms = make(), gete()
    fast = desc.torch_features(atoms, torch.tensor(atoms.positions)).numpy()
    assert np.abs(fast - desc.create(atoms)).max() < 1e-12


def test_acsf_feature_names_match_the_columns():
    from mlip_course.descriptors.acsf import ACSF

    acsf = ACSF(["Te", "Ge"], 5.0, [[0.5, 2.0]], [[0.005, 1.0, -1.0]])
    names = acsf.feature_names()
    assert len(names) == acsf.n_features == len(set(names))
    assert names[0] == "G1(Ge)" and "G4(Ge-Te; eta=0.005, zeta=1, lambda=-1)" in names
