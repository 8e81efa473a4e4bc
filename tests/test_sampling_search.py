"""Global search, biased sampling and active learning (small, fast versions)."""

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.emt import EMT

from mlip_course.sampling.clusters import (LJ13_MINIMUM, BudgetExhausted, Counted, LJCluster,
                                           lj_calculator, random_cluster, relax)
from mlip_course.sampling.metadynamics import (AdaptiveBiasingForce, AtomCoordinate,
                                               BiasedCalculator, CoordinationNumber,
                                               Metadynamics, RadiusOfGyration)


def test_lj_cluster_matches_ase_and_finite_differences():
    from ase.calculators.lj import LennardJones

    atoms = random_cluster("Ar7", np.random.default_rng(0))
    relax(atoms, lj_calculator(), fmax=0.5)
    atoms.calc = LJCluster()
    e, f = atoms.get_potential_energy(), atoms.get_forces()
    ref = atoms.copy()
    ref.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=50.0, smooth=False)
    assert e == pytest.approx(ref.get_potential_energy(), abs=1e-8)
    h, moved = 1e-5, atoms.copy()
    moved.calc = LJCluster()
    moved.positions[2, 1] += h
    e_plus = moved.get_potential_energy()
    moved.positions[2, 1] -= 2 * h
    fd = -(e_plus - moved.get_potential_energy()) / (2 * h)
    assert f[2, 1] == pytest.approx(fd, rel=1e-5, abs=1e-6)


def test_lj_cluster_rejects_periodic():
    atoms = Atoms("Ar2", positions=[[0, 0, 0], [1.1, 0, 0]], cell=[5, 5, 5], pbc=True)
    atoms.calc = LJCluster()
    with pytest.raises(ValueError, match="finite clusters"):
        atoms.get_potential_energy()


def test_icosahedron_is_lj13_minimum_and_calls_are_counted():
    from ase.cluster import Icosahedron

    ico = Icosahedron("Ar", noshells=2, latticeconstant=2 ** (2 / 3))
    calc = Counted(lj_calculator())
    assert relax(ico, calc, fmax=1e-5) == pytest.approx(LJ13_MINIMUM, abs=1e-5)
    assert calc.calls > 1


def test_random_cluster_respects_min_distance():
    atoms = random_cluster("Ar13", np.random.default_rng(3), min_distance=0.9)
    d = atoms.get_all_distances()[np.triu_indices(13, 1)]
    assert d.min() >= 0.9


def test_genetic_search_runs_and_improves():
    from mlip_course.sampling.genetic import genetic_search

    best, trace = genetic_search("Ar7", Counted(lj_calculator()), 14, population_size=6, seed=0)
    assert len(trace) == 14 and trace == sorted(trace, reverse=True)
    assert best.info["energy"] == pytest.approx(trace[-1], abs=1e-6)
    assert trace[-1] < -15.5      # LJ7 minimum: -16.505384


@pytest.mark.parametrize("cv", [CoordinationNumber(0, [1, 2, 3, 4, 5], r0=1.3),
                                RadiusOfGyration()])
def test_cv_gradient_matches_finite_differences(cv):
    atoms = random_cluster("Ar6", np.random.default_rng(1), min_distance=0.9)
    g = cv.gradient(atoms.positions)
    h = 1e-6
    for i, k in ((0, 0), (3, 2)):
        p = atoms.positions.copy()
        p[i, k] += h
        up = cv.value(p)
        p[i, k] -= 2 * h
        assert g[i, k] == pytest.approx((up - cv.value(p)) / (2 * h), rel=1e-5, abs=1e-8)


def test_metadynamics_bias_forces_are_minus_gradient():
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]])
    meta = Metadynamics(AtomCoordinate(1, 0), height=0.1, width=0.2, stride=1)
    meta.update(atoms)
    atoms.positions[1, 0] += 0.15
    meta.update(atoms)
    atoms.positions[1, 0] += 0.05
    e0, f = meta.energy_forces(atoms.positions, None)
    p = atoms.positions.copy()
    p[1, 0] += 1e-6
    e1, _ = meta.energy_forces(p, None)
    assert f[1, 0] == pytest.approx(-(e1 - e0) / 1e-6, rel=1e-4)
    assert meta.free_energy(np.array([2.5, 3.5])).min() == 0.0


def test_well_tempered_needs_temperature():
    with pytest.raises(ValueError, match="temperature_k"):
        Metadynamics(AtomCoordinate(0), 0.1, 0.2, 10, delta_t_k=1000.0)


def test_biased_calculator_keeps_unbiased_energy_and_abf_accumulates():
    atoms = Atoms("Cu3", positions=[[0, 0, 0], [2.5, 0, 0], [0, 2.5, 0]])
    abf = AdaptiveBiasingForce(AtomCoordinate(1, 0), lo=2.0, hi=3.0, n_bins=4, full_after=1)
    atoms.calc = BiasedCalculator(EMT(), abf)
    plain = atoms.copy()
    plain.calc = EMT()
    assert atoms.get_potential_energy() == pytest.approx(plain.get_potential_energy())
    abf.update(atoms)
    assert abf.counts.sum() == 1
    assert abf.sums.sum() == pytest.approx(plain.get_forces()[1, 0])
    atoms.calc.reset()
    # the bias now cancels the mean force in that bin
    assert atoms.get_forces()[1, 0] == pytest.approx(0.0, abs=1e-10)


def test_committee_disagrees_more_off_the_training_set():
    from ase.build import bulk

    from mlip_course.descriptors import RadialBasis
    from mlip_course.reference import emt_toy, label_frames
    from mlip_course.sampling.active_learning import LinearCommittee
    from mlip_course.sampling.md import sample_nvt

    cu = bulk("Cu", "fcc", a=3.61, cubic=True)
    cold = label_frames(sample_nvt(cu.repeat(2), emt_toy(), 200, 24, 4, seed=0), emt_toy())
    hot = sample_nvt(cu.repeat(2), emt_toy(), 2000, 40, 10, seed=1)
    committee = LinearCommittee(RadialBasis(["Cu"], cutoff=4.5, n_basis=5), 4,
                                quadratic=False, seed=0).fit(cold)
    assert committee.disagreement(hot[-1]) > committee.disagreement(cold[-1])
    assert committee.force_rmse(cold) < 0.1


def test_diffusion_denoiser_is_equivariant_and_samples_valid_clusters():
    import torch
    from scipy.spatial.transform import Rotation

    from mlip_course.sampling.clusters import lj_calculator, random_cluster, relax
    from mlip_course.sampling.generative import ClusterDiffusion, EquivariantDenoiser

    net = EquivariantDenoiser(10, hidden=8, layers=2)
    x = torch.randn(2, 7, 3)
    x = x - x.mean(1, keepdim=True)
    rot = torch.tensor(Rotation.from_euler("xyz", [10, 50, -30], degrees=True).as_matrix(),
                       dtype=torch.float32)
    perm = torch.randperm(7)
    t = torch.tensor([3, 7])
    out = net(x, t)
    assert torch.allclose(net(x @ rot.T, t), out @ rot.T, atol=1e-5)
    assert torch.allclose(net(x[:, perm], t), out[:, perm], atol=1e-5)

    rng = np.random.default_rng(0)
    frames = []
    for _ in range(4):
        atoms = random_cluster(["Ar"] * 7, rng)
        relax(atoms, lj_calculator(), fmax=1e-2)
        frames.append(atoms)
    model = ClusterDiffusion(n_steps=20, seed=1)
    losses = model.fit(frames, iterations=100)
    samples = model.sample(3)
    assert len(samples) == 3 and all(len(s) == 7 for s in samples) and np.isfinite(losses).all()
    d = samples[0].get_all_distances()[np.triu_indices(7, 1)]
    assert d.min() >= model.min_distance - 1e-6


def test_counted_records_and_enforces_budget():
    calc = Counted(lj_calculator(), record=True, limit=3)
    atoms = random_cluster("Ar5", np.random.default_rng(0))
    atoms.calc = calc
    for k in range(3):
        atoms.positions[0, 0] += 0.01
        atoms.get_potential_energy()
    assert calc.calls == 3 and len(calc.frames) == 3
    assert np.allclose(calc.frames[-1][0], atoms.positions)
    atoms.positions[0, 0] += 0.01
    with pytest.raises(BudgetExhausted):
        atoms.get_potential_energy()


def test_gaussian_bias_forces_and_soft_direction():
    from mlip_course.sampling.ssw import GaussianBias, soft_direction

    atoms = random_cluster("Ar6", np.random.default_rng(2))
    relax(atoms, lj_calculator())
    n = soft_direction(atoms, lj_calculator(), np.random.default_rng(0).normal(size=18))
    r = atoms.positions - atoms.positions.mean(axis=0)
    assert np.linalg.norm(n) == pytest.approx(1.0)
    assert np.allclose(n.reshape(-1, 3).sum(axis=0), 0, atol=1e-10)          # no translation
    for axis in np.eye(3):                                                     # no rotation
        assert abs(n @ np.cross(axis, r).ravel()) < 1e-10
    bias = GaussianBias(lj_calculator(), height=1.0, width=0.3)
    bias.walls.append((atoms.positions.ravel() - 0.1 * n, n))
    moved = atoms.copy()
    moved.calc = bias
    f = moved.get_forces()
    h = 1e-5
    moved.positions[1, 2] += h
    e_up = moved.get_potential_energy()
    moved.positions[1, 2] -= 2 * h
    fd = -(e_up - moved.get_potential_energy()) / (2 * h)
    assert f[1, 2] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def test_ssw_finds_lj13_minimum():
    from mlip_course.sampling.ssw import stochastic_surface_walk

    walk = stochastic_surface_walk(random_cluster("Ar13", np.random.default_rng(1)),
                                   Counted(lj_calculator()), steps=6, seed=1)
    assert walk.trace == sorted(walk.trace, reverse=True) and len(walk.minima) == 6
    assert walk.trace[-1] == pytest.approx(LJ13_MINIMUM, abs=1e-3)


def test_coverage_fingerprint_invariance_and_curves():
    from mlip_course.sampling.coverage import coverage_curves, distance_fingerprint

    rng = np.random.default_rng(0)
    atoms = random_cluster("Ar8", rng)
    fp = distance_fingerprint(atoms.positions)
    moved = atoms.copy()
    moved.rotate(37, "z")
    moved.translate([1.0, -2.0, 0.5])
    moved = moved[rng.permutation(8)]
    assert np.allclose(distance_fingerprint(moved.positions), fp)
    spread = rng.normal(size=(200, 4))
    runs = {"broad": (spread, np.zeros(200)),
            "narrow": (0.01 * spread + spread[0], np.zeros(200)),
            "too hot": (spread, np.full(200, 10.0))}
    curves = coverage_curves(runs, np.array([10, 200]), e_window=(-1.0, 1.0), n_cells=16)
    assert curves["broad"][1] > 0.9 and curves["narrow"][1] <= 2 / 16
    assert curves["too hot"].max() == 0.0 and curves["broad"][0] <= curves["broad"][1]
