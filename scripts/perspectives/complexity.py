"""Accuracy vs complexity on the benchmark's GeTe split, for two families.

Polynomial: linear ACE with growing basis (radial functions x angular order); for each basis the
ridge is chosen by leave-one-trajectory-out cross-validation on the fitting frames, and the
default basis also gets a ridge path and a lasso path (sparsity vs error).
Neural network: Behler-Parrinello networks of growing width and depth (the one training loop,
early stopping on the validation frames, training-loss history kept), plus three more seeds of
the default 32x32 network for the committee/ensemble comparison.

Uses the models benchmark's split (results/models/split.json, by frame hash). Writes
results/perspectives/complexity/<entry>/ (model, test predictions, metrics) and results.json
with provenance. Resumable: a finished entry is skipped.
Usage: python scripts/perspectives/complexity.py [--only ace bpnn] [--max-minutes 8]
"""

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.benchmark import DATASETS as BENCHMARK_DATA
from mlip_course.benchmark import inference_cost, recorded_split
from mlip_course.committee import Design
from mlip_course.models.linear import stack_rows
from mlip_course.train import (DEFAULTS, _species, build, errors, n_parameters, predictions,
                               save, train)

STUDY = "perspectives/complexity"
BASES = [(2, 0), (2, 1), (3, 1), (4, 2), (6, 2), (6, 3), (8, 3)]     # (n_radial, l_max)
DEFAULT_BASIS = (6, 3)
NETS = {"bpnn_8": ([8], 0), "bpnn_16x16": ([16, 16], 0), "bpnn_32x32": ([32, 32], 0),
        "bpnn_64x64": ([64, 64], 0), "bpnn_32x32x32": ([32, 32, 32], 0),
        "bpnn_32x32_seed1": ([32, 32], 1), "bpnn_32x32_seed2": ([32, 32], 2),
        "bpnn_32x32_seed3": ([32, 32], 3)}

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--only", nargs="+", choices=["ace", "bpnn"], default=["ace", "bpnn"])
parser.add_argument("--max-minutes", type=float, default=8.0,
                    help="training time limit per network (early stopping usually comes first)")
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
args = parser.parse_args()
started = time.time()

benchmark = json.loads((results.study_dir("models") / "split.json").read_text())
split = SimpleNamespace(**recorded_split({"payload": {"split": benchmark}}))
species = _species(list(split.train) + list(split.test))
out = results.study_dir(STUDY)
out.mkdir(parents=True, exist_ok=True)


def finish(entry: str, model, metrics: dict) -> None:
    pred = predictions(model, split.test)
    metrics.update(errors(pred, split.test), n_parameters=n_parameters(model),
                   us_per_atom_step_64=inference_cost(model, split.test[0]))
    save(model, out / entry)
    np.savez_compressed(out / entry / "predictions.npz", energy=pred["energy"],
                        forces=pred["forces"].astype(np.float32))
    (out / entry / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"{entry}: {metrics['n_parameters']} parameters, F {metrics['force_rmse_mev_per_ang']:.0f}"
          f" meV/A, E {metrics['energy_rmse_mev_per_atom']:.1f} meV/atom", flush=True)


def ace_sweep() -> None:
    fit_frames = list(split.train) + list(split.valid)    # closed form: no early stopping
    frames = fit_frames + list(split.test)
    fit_idx = np.arange(len(fit_frames))
    test_idx = np.arange(len(fit_frames), len(frames))
    origins = [a.info.get("origin", "?") for a in fit_frames]
    for n_radial, l_max in BASES:
        entry = f"ace_r{n_radial}_l{l_max}"
        if (out / entry / "metrics.json").exists():
            print(f"{entry}: done already")
            continue
        t = time.time()
        model = build("ace", species, n_radial=n_radial, l_max=l_max)
        design = Design(model, frames)
        design_s = time.time() - t
        t = time.time()
        ridge, cv = design.select_ridge(fit_idx, origins, grid=(1e-10, 1e-8, 1e-6, 1e-4, 1e-2))
        model.weights = design.fit(fit_idx, ridge=ridge)
        metrics = {"family": "polynomial", "n_radial": n_radial, "l_max": l_max,
                   "ridge": ridge, "cv_force_rmse": {str(k): v for k, v in cv.items()},
                   "design_seconds_per_frame": design_s / len(frames),
                   "solve_seconds": time.time() - t,
                   "train_seconds": design_s * len(fit_frames) / len(frames) + time.time() - t}
        if (n_radial, l_max) == DEFAULT_BASIS:
            path = {}
            for r in np.logspace(-12, 2, 15):
                w = design.fit(fit_idx, ridge=r)
                path[str(r)] = {"train": design.errors(w, fit_idx), "test": design.errors(w, test_idx)}
            metrics["ridge_path"] = path
            metrics["lasso_path"] = lasso_path(design, fit_idx, test_idx)
        finish(entry, model, metrics)


def lasso_path(design: Design, fit_idx, test_idx) -> dict[str, dict[str, float]]:
    """Test errors and number of non-zero weights along a lasso path: the same weighted
    system as the ridge fit, the per-element reference energies fitted first (unpenalised),
    the other columns scaled to unit norm and penalised by alpha |w|_1."""
    from sklearn.linear_model import Lasso

    a, b, free = stack_rows((design.energy_rows[k], design.force_rows[k], design.energy[k],
                             design.forces[k]) for k in fit_idx)
    ref = np.linalg.lstsq(a[:, free], b, rcond=None)[0]
    rest = b - a[:, free] @ ref
    scale = np.linalg.norm(a[:, ~free], axis=0)
    scale[scale == 0] = 1.0
    path = {}
    for alpha in np.logspace(-6, -2, 9):
        lasso = Lasso(alpha=alpha, fit_intercept=False, max_iter=5000, tol=1e-4)
        lasso.fit(a[:, ~free] / scale, rest)
        w = np.zeros(a.shape[1])
        w[free], w[~free] = ref, lasso.coef_ / scale
        path[str(alpha)] = {"nonzero": int(np.count_nonzero(lasso.coef_)),
                            **design.errors(w, test_idx)}
    return path


def bpnn_sweep() -> None:
    options = {**DEFAULTS["bpnn"]["train"], "max_seconds": 60 * args.max_minutes}
    for entry, (hidden, seed) in NETS.items():
        if (out / entry / "metrics.json").exists():
            print(f"{entry}: done already")
            continue
        t = time.time()
        model = build("bpnn", species, seed=seed, hidden=hidden)
        history = train(model, split.train, split.valid, seed=seed, progress=False, **options)
        metrics = {"family": "neural network", "hidden": hidden, "seed": seed,
                   "train_seconds": time.time() - t, "epochs_run": len(history["train"]),
                   "best_epoch": int(np.argmin(history["valid"])) + 1, "history": history,
                   "train_options": options}
        finish(entry, model, metrics)


if "ace" in args.only:
    ace_sweep()
if "bpnn" in args.only:
    bpnn_sweep()
rows = {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/metrics.json"))}
results.save(STUDY, {"split": benchmark, "rows": rows, "note": args.note},
             started=started, datasets=BENCHMARK_DATA,
             frames=sorted({h for v in benchmark.values() for h in v}))
print("wrote", out / "results.json")
