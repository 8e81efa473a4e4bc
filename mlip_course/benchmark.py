"""The model benchmark: every kind on one split, the same metrics, the costs.

Used by ``scripts/models.py`` (the heavy, normal-mode run writing ``results/models/``) and by
the Models chapter, which reloads the saved models and recomputes their test metrics.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from . import results
from .data import sources
from .train import (as_predictor, build, errors, family, fit, load, n_parameters,
                    predictions, save)

STUDY = "models"
DATASETS = sources("gete")      # gete and the MD frames it includes (recipes.INCLUDES)


def split_hashes(split) -> dict[str, list[str]]:
    return {part: [results.frame_hash(a) for a in getattr(split, part)]
            for part in ("train", "valid", "test")}


def recorded_split(record: dict, name: str = "gete",
                   root: Path | None = None) -> dict[str, list[Atoms]]:
    """The benchmark's own split, rebuilt from today's data by frame hash (data grow)."""
    from .data import load as load_data

    current = load_data(name, root)
    by_hash = {results.frame_hash(a): a for part in ("train", "valid", "test")
               for a in getattr(current, part)}
    split = record["payload"]["split"]
    missing = sum(h not in by_hash for hashes in split.values() for h in hashes)
    if missing:
        raise RuntimeError(f"{missing} frames of the recorded split are no longer in data/{name} "
                           "(changed or relabelled): the benchmark is stale. Start it over: "
                           "rm -r results/models, then `python scripts/models.py`.")
    return {part: [by_hash[h] for h in hashes] for part, hashes in split.items()}


def inference_cost(model, atoms: Atoms, repeat: tuple[int, int, int] = (1, 1, 1),
                   calls: int = 3) -> float:
    """Microseconds per atom per energy+force call on ``atoms`` repeated ``repeat`` times."""
    big = atoms.repeat(repeat)
    predictor = as_predictor(model)
    predictor.predict(big)                              # warm-up (compilation, caches)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        predictor.predict(big)
        times.append(time.perf_counter() - t)
    return 1e6 * float(np.median(times)) / len(big)


def timings(model, atoms: Atoms, budget_s: float = 120.0) -> dict[str, float]:
    """Inference cost at 64 atoms and at the cell repeated 4x4x4 (4096); the large one is
    skipped (NaN) when linear scaling from the small one predicts more than ``budget_s``."""
    small = inference_cost(model, atoms)
    big = float("nan")
    if small * 1e-6 * len(atoms) * 64 * 2 <= budget_s:      # warm-up + one timed call
        big = inference_cost(model, atoms, (4, 4, 4), calls=1)
    return {"us_per_atom_step_64": small, "us_per_atom_step_4096": big}


def training_record(model, train_frames: Sequence[Atoms], every: int = 4) -> dict:
    """How training went: the force RMSE on every ``every``-th training frame (against the
    test error: a model that cannot fit its own training data is short of capacity, one that
    fits it far better than the test is short of data) and, for the torch loop, the epochs run,
    the best epoch, what stopped it ("epochs", "patience" or "time") and the validation loss
    after each epoch with its wall time (``curve``: the plot of how training went)."""
    seen = list(train_frames)[::every]
    record = {"train_force_rmse_mev_per_ang": errors(predictions(model, seen), seen)[
        "force_rmse_mev_per_ang"]}
    history = getattr(model, "history", None)
    if history:
        record.update(epochs=len(history["valid"]),
                      best_epoch=int(np.argmin(history["valid"])) + 1,
                      stopped_by=history["stopped_by"],
                      schedule=history["schedule"],
                      curve={"seconds": history["seconds"],
                             "valid_loss": [float(f"{v:.6g}") for v in history["valid"]]})
    return record


def run_kind(kind: str, split, out: Path, *, seed: int = 0, fraction: float = 1.0,
             max_seconds: float | None = None, time_inference: bool = True,
             overrides: dict | None = None, keep_model: bool | None = None) -> dict:
    """Train one kind on (a fraction of) the split, evaluate, time, save into ``out``.

    ``overrides`` change the kind's default hyper-parameters; the model and its test
    predictions are saved when ``keep_model`` (default: only for the full training set)."""
    from .train import _species

    started = time.time()
    train_frames = list(split.train)
    if fraction < 1.0:
        rng = np.random.default_rng(seed)
        take = np.sort(rng.choice(len(train_frames), int(round(fraction * len(train_frames))),
                                  replace=False))
        train_frames = [train_frames[k] for k in take]
    species = _species(list(split.train) + list(split.test))
    model = build(kind, species, seed=seed, **(overrides or {}))
    options = {"max_seconds": max_seconds} if max_seconds else {}   # fit(): torch loop only
    seconds = fit(model, train_frames, split.valid, seed=seed, progress=False, **options)
    pred = predictions(model, split.test)          # once: for the metrics and the file
    metrics = {"model": kind, "family": family(kind), "fraction": fraction,
               "n_train": len(train_frames), "n_test": len(split.test),
               **errors(pred, split.test), "train_seconds": round(seconds, 1),
               "n_parameters": n_parameters(model)}
    metrics.update(training_record(model, train_frames))
    if time_inference:
        metrics.update(timings(model, split.test[0]))
    if keep_model if keep_model is not None else fraction == 1.0:
        save(model, out)
        np.savez_compressed(out / "predictions.npz", energy=pred["energy"],
                            forces=pred["forces"].astype(np.float32))
    metrics["wall_s"] = round(time.time() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    return metrics


def stored_predictions(kind: str, root: Path | None = None,
                       study: str = STUDY) -> dict[str, np.ndarray]:
    """The test-set predictions a study (default: the benchmark) saved for ``kind``."""
    with np.load(results.study_dir(study, root) / kind / "predictions.npz") as npz:
        return {"energy": npz["energy"], "forces": npz["forces"].astype(float)}


def recheck(kind: str, test: Sequence[Atoms], every: int = 1, root: Path | None = None,
            tol_ev: float = 1e-5, study: str = STUDY) -> dict[str, float]:
    """Reload the saved model, predict every ``every``-th test frame again, and check the
    predictions equal the stored ones (``tol_ev`` eV/atom and eV/A; CHGNet runs in float32).
    Returns the metrics recomputed from the stored predictions of the whole test set."""
    model = reload(kind, root, study)
    stored = stored_predictions(kind, root, study)
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in test])])
    for k in range(0, len(test), every):
        fresh = predictions(model, [test[k]])
        de = abs(fresh["energy"][0] - stored["energy"][k]) / len(test[k])
        df = np.abs(fresh["forces"] - stored["forces"][offsets[k]:offsets[k + 1]]).max()
        # forces: CHGNet runs in float32 and the stored forces are float32; one frame alone
        # vs the batch, or another machine, moves them by up to ~2e-4 eV/A. A different model
        # moves them by far more than 5e-4.
        if de > tol_ev or df > max(tol_ev, 5e-4):
            raise AssertionError(f"{kind}: the reloaded model predicts test frame {k} "
                                 f"differently (dE {de:.2e} eV/atom, dF {df:.2e} eV/A).")
    return errors(stored, test)


def errors_by(pred: dict[str, np.ndarray], frames: Sequence[Atoms],
              key: str = "phase") -> dict[str, dict[str, float]]:
    """:func:`errors` of each group of ``frames`` sharing ``atoms.info[key]`` (e.g. phase)."""
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in frames])])
    groups: dict[str, list[int]] = {}
    for k, atoms in enumerate(frames):
        groups.setdefault(str(atoms.info.get(key, "?")), []).append(k)
    out = {}
    for name, idx in sorted(groups.items()):
        sub = {"energy": pred["energy"][idx],
               "forces": np.concatenate([pred["forces"][offsets[k]:offsets[k + 1]] for k in idx])}
        out[name] = {"frames": len(idx), **errors(sub, [frames[k] for k in idx])}
    return out


def against_relabelled(kinds: Sequence[str], record: dict, name: str = "gete",
                       data_root: Path | None = None, root: Path | None = None,
                       study: str = STUDY, before: str | None = None, every: int = 1):
    """Force RMSE (meV/A) of each model's stored test predictions against the labels its
    test frames had (``old``) and against their relabelling (``new``, e.g. with a k-point mesh),
    per phase and overall, on the test frames relabelled so far (:func:`data.relabel_pairs`),
    matched by ``candidate_id``: it works while the relabelling runs and after it was adopted
    (old labels then in ``data/<name>/previous/``). The row ``labels`` is the RMS difference
    between the two label sets themselves.
    ``before``: a study holding models pinned before the relabelling (e.g. trained on the old
    labels); each adds a row ``"<kind>, before"``, predicted here, and the frames those models
    were trained or validated on are left out. ``every``: every n-th test frame (quick mode).
    ``data_root``: the data folder (default ``data/``); ``root``: the repository whose
    ``results/<study>/`` holds the predictions."""
    import pandas as pd

    from .data import relabel_pairs

    test = recorded_split(record, name, data_root)["test"]
    pairs = {old.info["candidate_id"]: (old, new) for old, new in relabel_pairs(name, data_root)}
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in test])])
    ids = [a.info.get("candidate_id") for a in test]
    pinned = results.pinned(before, root) if before else {}
    seen = {h for info in pinned.values()      # the earlier models' own training frames
            for h in results.pinned_frames(info, ("train", "valid"))}
    chosen = [k for k, cid in enumerate(ids)
              if cid in pairs and results.frame_hash(pairs[cid][0]) not in seen][::every]
    if not chosen:
        return pd.DataFrame()
    labels = {label: {k: pairs[ids[k]][i].get_forces() for k in chosen}
              for i, label in enumerate(("old", "new"))}
    groups = {"all": chosen}
    for k in chosen:
        groups.setdefault(str(test[k].info.get("phase", "?")), []).append(k)

    def row(forces) -> dict:            # forces[k]: the forces of test frame k to compare
        return {(group, label): 1000 * float(np.sqrt(np.mean(np.concatenate(
                    [forces[k] - labels[label][k] for k in idx]) ** 2)))
                for group, idx in groups.items() for label in ("old", "new")}

    rows = {"labels": row(labels["new"])}
    for kind in kinds:
        pred = stored_predictions(kind, root, study)["forces"]
        rows[kind] = row({k: pred[offsets[k]:offsets[k + 1]] for k in chosen})
    frames = [test[k] for k in chosen]
    ends = np.cumsum([0] + [len(a) for a in frames])
    for kind in pinned:
        pred = predictions(reload(kind, root, before), frames)["forces"]
        rows[f"{kind}, before"] = row(
            {k: pred[ends[i]:ends[i + 1]] for i, k in enumerate(chosen)})
    table = pd.DataFrame(rows).T
    table.attrs["frames"] = {group: len(idx) for group, idx in groups.items()}
    return table


def family_table(kinds: Sequence[str], every: int = 1, root: Path | None = None):
    """Reload and recheck the benchmark models ``kinds``; their errors, training-set size
    and costs as a table, plus the test frames (for parity plots)."""
    import pandas as pd

    record = results.load(STUDY, root)
    test = recorded_split(record)["test"]
    rows = []
    for kind in kinds:
        again = recheck(kind, test, every=every, root=root)
        stored = record["payload"]["rows"][kind]
        for key, value in again.items():
            if abs(value - stored[key]) > 1e-6 * max(1.0, stored[key]):
                raise AssertionError(f"{kind}: recomputed {key} {value} != stored {stored[key]}")
        rows.append({"model": kind, "family": family(kind), **again,
                     "n_train": stored["n_train"], "train_s": stored["train_seconds"],
                     "params": stored["n_parameters"],
                     "us_atom_step_64": stored["us_per_atom_step_64"],
                     "us_atom_step_4096": stored["us_per_atom_step_4096"]})
    return pd.DataFrame(rows).set_index("model"), test


def reload(kind: str, root: Path | None = None, study: str = STUDY):
    """The saved model ``kind`` of a study (default: the benchmark)."""
    return load(results.study_dir(study, root) / kind)


def pin(kind: str, study: str, root: Path | None = None) -> dict:
    """Keep a copy of the benchmark's model ``kind`` inside ``study`` and return its record.

    An application study (a long MD run, say) is only reproducible with the exact weights it
    ran with. Pinning copies the model files (not the stored predictions) into
    ``results/<study>/<kind>/`` with ``pinned.json``: the benchmark's ``finished`` stamp, the
    model's benchmark row, the split (frame hashes) it was trained and tested on and their data
    sets (``results.load`` calls the study stale once those frames change). A study
    that has a copy keeps it, so rerunning the benchmark neither changes nor invalidates it;
    ``reload(kind, study=study)`` loads it.
    """
    import shutil

    target = results.study_dir(study, root) / kind
    if not (target / "pinned.json").exists():
        source = results.study_dir(STUDY, root) / kind
        if not (source / "model.json").exists():
            raise FileNotFoundError(f"The benchmark has no saved model {kind!r} in {source}; "
                                    f"train it with: python scripts/models.py --kinds {kind}")
        record = results.load(STUDY, root)
        target.mkdir(parents=True, exist_ok=True)
        for item in source.iterdir():
            if item.name != "predictions.npz":
                copy = shutil.copytree if item.is_dir() else shutil.copy2
                copy(item, target / item.name)
        info = {"kind": kind, "from_study": STUDY,
                "benchmark_finished": record["provenance"]["finished"],
                "benchmark_row": record["payload"]["rows"][kind],
                "split": record["payload"].get("split"),     # frame hashes it was trained on
                "datasets": list(DATASETS)}
        (target / "pinned.json").write_text(json.dumps(info, indent=1) + "\n")
    return json.loads((target / "pinned.json").read_text())


__all__ = ["run_kind", "reload", "pin", "recheck", "family_table", "errors", "errors_by", "stored_predictions",
           "recorded_split", "split_hashes", "predictions", "inference_cost", "timings",
           "STUDY", "DATASETS"]
