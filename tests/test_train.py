"""The one training loop, on a Behler-Parrinello network and EMT toy data."""

import numpy as np
import pytest
import torch
from ase.build import bulk

from mlip_course.calculator import MLIPCalculator
from mlip_course.io import label
from mlip_course.models.bpnn import BehlerParrinello
from mlip_course.models.attention import AttentionPotential
from mlip_course.models.egnn import EGNN
from mlip_course.models.schnet import SchNet
from mlip_course.reference import emt_toy
from mlip_course.train import (TorchPredictor, energy_and_forces, evaluate, load, n_parameters,
                               save, train)


def cu_frames(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        atoms = bulk("Cu", cubic=True).repeat(2)
        atoms.set_cell(atoms.cell * rng.uniform(0.97, 1.03), scale_atoms=True)
        atoms.rattle(0.08, seed=int(rng.integers(1 << 30)))
        atoms.calc = emt_toy()
        out.append(label(atoms, atoms.get_potential_energy(), atoms.get_forces()))
    return out


def small_model():
    return BehlerParrinello(["Cu"], r_cut=4.0, g2=[[1.0, r] for r in (2.0, 2.5, 3.0, 3.5)],
                            g4=[[0.01, 1.0, 1.0], [0.01, 1.0, -1.0]], hidden=(8,), seed=0)


@pytest.mark.parametrize("make", [
    small_model, lambda: SchNet(["Cu"], r_cut=4.0, width=8, n_rbf=6, layers=1),
    lambda: EGNN(["Cu"], r_cut=4.0, width=8, layers=2),
    lambda: AttentionPotential(["Cu"], r_cut=4.0, width=8, n_rbf=6, layers=2)])
def test_forces_are_minus_the_energy_gradient(make):
    model = make()
    atoms = cu_frames(1, 0)[0]
    e, f = energy_and_forces(model, atoms)
    h = 1e-5
    moved = atoms.copy()
    moved.positions[3, 0] += h
    up = float(model.energy(moved, torch.tensor(moved.positions)).detach())
    moved.positions[3, 0] -= 2 * h
    down = float(model.energy(moved, torch.tensor(moved.positions)).detach())
    assert float(f[3, 0]) == pytest.approx(-(up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_training_lowers_errors_and_the_model_round_trips(tmp_path):
    train_set, test_set = cu_frames(8, 1), cu_frames(3, 2)
    model = small_model()
    before = evaluate(model, test_set)
    history = train(model, train_set, test_set, epochs=10, lr=1e-2, batch_size=4,
                    force_weight=1.0, patience=40, progress=False, device="cpu")
    after = evaluate(model, test_set)
    assert min(history["valid"]) < 0.5 * history["valid"][0]
    assert history["stopped_by"] == "epochs" and len(history["valid"]) == 10
    assert len(history["seconds"]) == 10 and history["seconds"][-1] >= history["seconds"][0]
    assert after["force_rmse_mev_per_ang"] < 0.5 * before["force_rmse_mev_per_ang"]
    assert n_parameters(model) > 0
    loaded = load(save(model, tmp_path / "bpnn"))
    atoms = test_set[0]
    e1, f1 = TorchPredictor(model).predict(atoms)
    e2, f2 = TorchPredictor(loaded).predict(atoms)
    assert e1 == pytest.approx(e2, abs=1e-10) and np.allclose(f1, f2, atol=1e-10)
    atoms.calc = MLIPCalculator(TorchPredictor(loaded))
    assert atoms.get_potential_energy() == pytest.approx(e1, abs=1e-10)


def test_cosine_schedule_anneals_over_the_budget():
    def cosine(progress):
        return 1e-2 * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0))))

    train_set = cu_frames(2, 1)
    history = train(small_model(), train_set, epochs=4, lr=1e-2, patience=40, progress=False,
                    device="cpu", schedule="cosine")
    assert history["lr"] == pytest.approx([cosine(k / 4) for k in range(4)])
    timed = train(small_model(), train_set, epochs=1000, lr=1e-2, progress=False, device="cpu",
                  schedule="cosine", max_seconds=2.0)      # the time cap, not epochs, sets it
    assert timed["stopped_by"] == "time"
    if len(timed["lr"]) > 1:                 # the last epoch started after the one before ended
        assert timed["lr"][-1] <= cosine((timed["seconds"][-2] - 0.01) / 2.0) + 1e-12
    plateau = train(small_model(), train_set, epochs=2, lr=1e-2, progress=False, device="cpu")
    assert plateau["lr"] == [1e-2, 1e-2]
    with pytest.raises(ValueError, match="Unknown schedule"):
        train(small_model(), train_set, epochs=1, schedule="linear", progress=False)


def test_train_command_on_a_dataset_outside_the_repository(tmp_path, capsys):
    import json

    from ase.io import write

    from mlip_course.train import main

    write(tmp_path / "train.xyz", cu_frames(6, 3), format="extxyz")
    write(tmp_path / "test.xyz", cu_frames(2, 4), format="extxyz")
    assert main(["--model", "bpnn", "--train", str(tmp_path / "train.xyz"), "--test",
                 str(tmp_path / "test.xyz"), "--out", str(tmp_path / "run"), "--epochs", "2",
                 "--schedule", "cosine", "--max-minutes", "5"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    record = (metrics["epochs_run"], metrics["stopped_by"], metrics["schedule"])
    assert record == (2, "epochs", "cosine")
    for key in ("energy_rmse_mev_per_atom", "energy_mae_mev_per_atom", "force_rmse_mev_per_ang",
                "force_mae_mev_per_ang", "train_seconds", "n_parameters"):
        assert np.isfinite(metrics[key])
    assert metrics["species"] == ["Cu"] and (tmp_path / "run" / "model.pt").exists()
    assert "force_rmse_mev_per_ang" in capsys.readouterr().out
    load(tmp_path / "run")


def test_schnet_trains_and_round_trips(tmp_path):
    train_set, test_set = cu_frames(8, 5), cu_frames(3, 6)
    model = SchNet(["Cu"], r_cut=4.0, width=16, n_rbf=8, layers=1)
    before = evaluate(model, test_set)
    train(model, train_set, test_set, epochs=8, lr=5e-3, progress=False, device="cpu")
    assert evaluate(model, test_set)["force_rmse_mev_per_ang"] < before["force_rmse_mev_per_ang"]
    loaded = load(save(model, tmp_path / "schnet"))
    e1, _ = TorchPredictor(model).predict(test_set[0])
    assert TorchPredictor(loaded).predict(test_set[0])[0] == pytest.approx(e1, abs=1e-10)


@pytest.mark.parametrize("make", [lambda: EGNN(["Cu"], r_cut=4.0, width=8, layers=2),
                                  lambda: AttentionPotential(["Cu"], r_cut=4.0, width=8,
                                                             n_rbf=6, layers=2)])
def test_energy_is_rotation_and_permutation_invariant(make):
    from scipy.spatial.transform import Rotation

    model, atoms = make(), cu_frames(1, 7)[0]
    e0 = float(energy_and_forces(model, atoms)[0].detach())
    rot = atoms.copy()
    rot.set_cell(atoms.cell @ Rotation.random(random_state=1).as_matrix().T, scale_atoms=True)
    perm = atoms[np.random.default_rng(0).permutation(len(atoms))]
    for other in (rot, perm):
        assert float(energy_and_forces(model, other)[0].detach()) == pytest.approx(e0, abs=1e-9)


def test_attention_weights_are_normalised():
    model, atoms = AttentionPotential(["Cu"], r_cut=4.0, width=8, n_rbf=6), cu_frames(1, 8)[0]
    att = model.attention(atoms)
    for w in att["weights"]:
        sums = np.bincount(att["i"], weights=w, minlength=len(atoms))
        assert np.allclose(sums, 1.0)


def test_train_command_fits_linear_mtp(tmp_path):
    import json

    from ase.io import write

    from mlip_course.train import main

    write(tmp_path / "train.xyz", cu_frames(5, 9), format="extxyz")
    write(tmp_path / "test.xyz", cu_frames(2, 10), format="extxyz")
    assert main(["--model", "mtp", "--train", str(tmp_path / "train.xyz"), "--test",
                 str(tmp_path / "test.xyz"), "--out", str(tmp_path / "mtp")]) == 0
    metrics = json.loads((tmp_path / "mtp" / "metrics.json").read_text())
    assert metrics["force_rmse_mev_per_ang"] < 100 and metrics["n_parameters"] > 0
    model = load(tmp_path / "mtp")
    assert evaluate(model, cu_frames(2, 10))["force_rmse_mev_per_ang"] == pytest.approx(
        metrics["force_rmse_mev_per_ang"], rel=1e-6)   # the test file stores rounded positions
