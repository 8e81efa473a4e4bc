"""Kernel ridge regression and learning curves."""

import numpy as np
import pytest

from mlip_course.models.kernel import fit_krr, learning_curve


def test_krr_learns_a_smooth_function_and_improves_with_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(400, 2))
    y = np.sin(x[:, 0]) * np.cos(x[:, 1])
    curve = learning_curve(x, y, [20, 80, 300], n_test=100, sigmas=[0.3, 1.0, 3.0])
    assert curve["sizes"] == [20, 80, 300]
    assert curve["mae"][2] < 0.5 * curve["mae"][0] and curve["mae"][2] < 0.02
    model, hp = fit_krr(x[:100], y[:100], kernel="laplacian", sigmas=[1.0, 3.0])
    assert hp["sigma"] in (1.0, 3.0) and np.isfinite(hp["validation_mae"])


def test_krr_rejects_bad_input():
    with pytest.raises(ValueError, match="kernel"):
        fit_krr(np.zeros((10, 1)), np.zeros(10), kernel="poly", sigmas=[1.0])
    with pytest.raises(ValueError, match="test"):
        learning_curve(np.zeros((10, 1)), np.zeros(10), [8], n_test=5, sigmas=[1.0])


def test_random_features_approximate_the_gaussian_kernel():
    from mlip_course.models.kernel import random_features, training_times

    x = np.random.default_rng(0).normal(size=(60, 4))
    exact = np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1) / 2.0**2)
    errors = [np.abs(z @ z.T - exact).mean()
              for z in (random_features(x, d, 2.0, np.random.default_rng(1)) for d in (10, 4000))]
    assert errors[1] < 0.02 < errors[0]
    full, rff = training_times(x, x[:, 0], 20, 2.0)
    assert full > 0 and rff > 0
