"""Committees of linear potentials from one design matrix (warm-up data: ASE EMT toy labels)."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator

from mlip_course.committee import Design
from mlip_course.train import build


def _frames(n=6, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        a = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((2, 2, 1))
        a.positions += rng.normal(0, 0.05 + 0.02 * k, a.positions.shape)
        a.calc = EMT()
        e, f = a.get_potential_energy(), a.get_forces()
        a.calc = SinglePointCalculator(a, energy=e, forces=f)
        a.info["origin"] = f"o{k % 3}"
        out.append(a)
    return out


@pytest.fixture(scope="module")
def design():
    return Design(build("mtp", ["Cu"], r_cut=4.0, n_radial=2), _frames())


def test_fit_matches_the_model_fit(design):
    frames = design.frames
    model = build("mtp", ["Cu"], r_cut=4.0, n_radial=2).fit(frames)
    w = design.fit(range(len(frames)))
    assert np.allclose(w, model.weights, rtol=1e-6, atol=1e-8)
    e, f = design.predict(w, [0])
    e_model, f_model = model.predict(frames[0])
    assert e[0] == pytest.approx(e_model / len(frames[0]), abs=1e-8)
    assert np.allclose(f[0], f_model.reshape(-1), atol=1e-6)


def test_committee_spread_and_ridge(design):
    members = design.committee(range(4), n_members=5, seed=1)
    assert members.shape[0] == 5 and not np.allclose(members[0], members[1])
    spread, error = design.spread_and_error(members, [4, 5])
    assert spread.shape == error.shape == (2,) and (spread > 0).all()
    best, scores = design.select_ridge(range(6), [a.info["origin"] for a in design.frames])
    assert best in scores and scores[best] == min(scores.values())
    err = design.errors(design.fit(range(6)), range(6))
    rms_force = 1000 * np.sqrt(np.mean(np.concatenate(design.forces) ** 2))
    assert err["force_rmse_mev_per_ang"] < 0.2 * rms_force      # the fit learned something


def test_clear_errors(design):
    with pytest.raises(ValueError, match="at least 2 members"):
        design.committee(range(3), n_members=1)
    with pytest.raises(ValueError, match="at least one index"):
        design.fit([])
    with pytest.raises(ValueError, match="No frames to evaluate"):
        design.errors(design.fit([0]), [])
    with pytest.raises(TypeError, match="not a linear potential"):
        Design(object(), [])
    with pytest.raises(ValueError, match="at least 2 groups"):
        design.select_ridge([0, 1], ["a", "a"])


def test_a_strong_ridge_shrinks_the_model_not_the_energy_zero(design):
    # per-element reference energies are free columns: a huge ridge leaves E ~ mean energy
    w = design.fit(range(6), ridge=1e6)
    energy, _ = design.predict(w, range(6))
    assert np.allclose(energy, design.energy[:6].mean(), atol=0.05)
    assert abs(design.energy[:6].mean()) > 0.05          # ... and the zero is not trivially 0
