import numpy as np
import pytest

from tests.helpers import rattled_cu
from mlip_course.descriptors import RadialBasis
from mlip_course.models import LinearPotential


@pytest.fixture(scope="module")
def fitted(cu_frames):
    return LinearPotential(RadialBasis(["Cu"], cutoff=4.5, n_basis=6)).fit(cu_frames)


def test_fit_beats_mean_force(fitted):
    test = rattled_cu(3, seed=11)
    ref = np.concatenate([a.get_forces().ravel() for a in test])
    pred = np.concatenate([fitted.predict(a)[1].ravel() for a in test])
    rmse = np.sqrt(np.mean((pred - ref) ** 2))
    assert rmse < 0.2 * np.sqrt(np.mean(ref**2))
    e_err = [abs(fitted.predict(a)[0] - a.get_potential_energy()) / len(a) for a in test]
    assert max(e_err) < 0.01


def test_forces_are_minus_energy_gradient(fitted, cu_frames):
    atoms = cu_frames[0].copy()
    _, f = fitted.predict(atoms)
    h = 1e-4
    atoms.positions[5, 1] += h
    e_plus = fitted.predict(atoms)[0]
    atoms.positions[5, 1] -= 2 * h
    e_minus = fitted.predict(atoms)[0]
    assert -(e_plus - e_minus) / (2 * h) == pytest.approx(f[5, 1], abs=1e-5)


def test_parameter_count_and_unfitted_error():
    desc = RadialBasis(["Cu"], cutoff=4.5, n_basis=6)
    assert LinearPotential(desc, quadratic=False).n_parameters == 7
    assert LinearPotential(desc).n_parameters == 1 + 6 + 21
    with pytest.raises(RuntimeError, match="not fitted"):
        LinearPotential(desc).predict(rattled_cu(1)[0])


@pytest.mark.parametrize("quadratic", [False, True])
def test_analytic_design_rows_match_autograd(quadratic):
    import torch

    atoms = rattled_cu(1, seed=4)[0]
    atoms.symbols[[0, 7]] = "Au"
    model = LinearPotential(RadialBasis(["Cu", "Au"], cutoff=4.5, n_basis=5), quadratic=quadratic)
    e_row, f_rows = model.design_rows(atoms)
    pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda p: model._summed(atoms, p), pos)
    assert e_row == pytest.approx(model._summed(atoms, pos).numpy(), abs=1e-10)
    assert f_rows == pytest.approx(-jac.reshape(jac.shape[0], -1).T.numpy(), abs=1e-10)


def test_linear_mtp_fits_emt_forces():
    """A linear moment-tensor potential (closed-form ridge) learns EMT copper forces."""
    from ase.build import bulk

    from mlip_course.descriptors.mtp import MomentTensors
    from mlip_course.io import label
    from mlip_course.models.linear import LinearPotential
    from mlip_course.reference import emt_toy

    frames = []
    rng = np.random.default_rng(0)
    for k in range(6):
        atoms = bulk("Cu", cubic=True).repeat(2)
        atoms.set_cell(atoms.cell * rng.uniform(0.98, 1.02), scale_atoms=True)
        atoms.rattle(0.1, seed=k)
        atoms.calc = emt_toy()
        frames.append(label(atoms, atoms.get_potential_energy(), atoms.get_forces()))
    model = LinearPotential(MomentTensors(["Cu"], 4.5, n_radial=3), quadratic=False).fit(frames[:5])
    _, f = model.predict(frames[5])
    err = np.sqrt(np.mean((f - frames[5].get_forces()) ** 2))
    spread = np.sqrt(np.mean(frames[5].get_forces() ** 2))
    assert err < 0.2 * spread
