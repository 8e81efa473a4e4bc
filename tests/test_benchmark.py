"""The benchmark pipeline on EMT toy data: run a kind, save, reload, recheck, tabulate."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from mlip_course import results
from mlip_course.benchmark import (errors, pin, recheck, reload, run_kind, stored_predictions,
                                   training_record)
from mlip_course.train import fit

from .test_train import cu_frames, small_model


def test_run_kind_saves_what_recheck_reproduces(tmp_path):
    split = SimpleNamespace(train=cu_frames(5, 1), valid=cu_frames(1, 2), test=cu_frames(3, 3))
    out = results.study_dir("models", tmp_path) / "snap"
    metrics = run_kind("snap", split, out)
    assert json.loads((out / "metrics.json").read_text())["force_rmse_mev_per_ang"] == \
        pytest.approx(metrics["force_rmse_mev_per_ang"])
    assert metrics["us_per_atom_step_64"] > 0 and metrics["us_per_atom_step_4096"] > 0
    assert 0 < metrics["train_force_rmse_mev_per_ang"] and "stopped_by" not in metrics  # closed form
    again = recheck("snap", split.test, root=tmp_path)
    for key, value in again.items():
        assert value == pytest.approx(metrics[key], rel=1e-6)
    # a tampered prediction file is caught
    stored = stored_predictions("snap", tmp_path)
    np.savez_compressed(out / "predictions.npz", energy=stored["energy"] + 0.01,
                        forces=stored["forces"].astype(np.float32))
    with pytest.raises(AssertionError, match="differently"):
        recheck("snap", split.test, root=tmp_path)


def test_training_record_of_a_torch_model_says_how_training_stopped():
    frames = cu_frames(4, 5)
    model = small_model()
    fit(model, frames, frames[:1], progress=False, epochs=3, patience=10, device="cpu")
    record = training_record(model, frames, every=2)
    assert record["epochs"] == 3 and record["stopped_by"] == "epochs"
    assert 1 <= record["best_epoch"] <= 3 and record["train_force_rmse_mev_per_ang"] > 0
    curve = record["curve"]
    assert len(curve["seconds"]) == len(curve["valid_loss"]) == 3
    assert np.all(np.diff(curve["seconds"]) >= 0) and min(curve["valid_loss"]) > 0


def test_the_time_cap_reaches_every_torch_model(tmp_path):
    # DimeNet++ (a PyG model) once missed the cap of scripts/models.py --max-minutes
    split = SimpleNamespace(train=cu_frames(2, 1), valid=cu_frames(1, 2), test=cu_frames(1, 3))
    m = run_kind("dimenet", split, tmp_path / "dimenet", max_seconds=1e-3, time_inference=False,
                 overrides={"width": 8, "blocks": 1})
    assert m["stopped_by"] == "time" and m["epochs"] == 1


def test_errors_are_zero_for_perfect_predictions():
    frames = cu_frames(2, 4)
    perfect = {"energy": np.array([a.get_potential_energy() for a in frames]),
               "forces": np.concatenate([a.get_forces() for a in frames])}
    assert all(v == pytest.approx(0.0, abs=1e-12) for v in errors(perfect, frames).values())


def test_errors_by_group_match_errors_of_each_group():
    import numpy as np
    from ase.build import bulk

    from mlip_course.benchmark import errors_by
    from mlip_course.reference import label
    from mlip_course.train import errors

    frames = []
    for k, phase in enumerate(["crystal", "liquid", "crystal"]):
        a = bulk("Cu", "fcc", a=3.6, cubic=True)
        frames.append(label(a, -1.0 * k, np.full((4, 3), 0.1 * k), phase=phase))
    pred = {"energy": np.array([0.1, -1.0, -2.4]), "forces": np.zeros((12, 3))}
    by = errors_by(pred, frames)
    assert by["crystal"]["frames"] == 2 and by["liquid"]["frames"] == 1
    assert by["crystal"] == {"frames": 2, **errors(
        {"energy": pred["energy"][[0, 2]], "forces": np.zeros((8, 3))}, [frames[0], frames[2]])}
    assert by["liquid"]["energy_rmse_mev_per_atom"] == 0.0


def test_pin_keeps_a_study_copy_that_survives_a_benchmark_rerun(tmp_path):
    split = SimpleNamespace(train=cu_frames(5, 1), valid=cu_frames(1, 2), test=cu_frames(3, 3))
    metrics = run_kind("snap", split, results.study_dir("models", tmp_path) / "snap")
    results.save("models", {"rows": {"snap": metrics}, "split": {"test": ["abc"]}}, started=0.0,
                 root=tmp_path)
    with pytest.raises(FileNotFoundError, match="scripts/models.py --kinds mace"):
        pin("mace", "applications/md", tmp_path)
    info = pin("snap", "applications/md", tmp_path)
    assert info["benchmark_row"]["force_rmse_mev_per_ang"] == metrics["force_rmse_mev_per_ang"]
    assert info["split"] == {"test": ["abc"]}
    copy = results.study_dir("applications/md", tmp_path) / "snap"
    assert not (copy / "predictions.npz").exists()
    frame = split.test[0]
    before = reload("snap", tmp_path, study="applications/md").predict(frame)[1]
    # the benchmark is rerun on other data: the study's copy and record stay as they were
    run_kind("snap", SimpleNamespace(train=cu_frames(3, 9), valid=cu_frames(1, 2),
                                     test=cu_frames(3, 3)),
             results.study_dir("models", tmp_path) / "snap")
    assert pin("snap", "applications/md", tmp_path) == info
    after = reload("snap", tmp_path, study="applications/md").predict(frame)[1]
    assert np.allclose(before, after)
    assert not np.allclose(reload("snap", tmp_path).predict(frame)[1], after)
