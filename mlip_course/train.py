"""One training loop for every torch model of the course (energy + force loss).

A model is a ``torch.nn.Module`` with ``energy(atoms, positions) -> 0-d tensor`` (eV), a
``species`` list and a ``reference`` buffer of per-element energies; optionally
``fit_scaling(frames)``. :func:`train` fits the reference energies by least squares, then
minimises

    L = mean_frames[ ((E - E_ref) / N)^2 + w_F * mean_atoms |F - F_ref|^2 ]

with Adam, keeping the weights with the lowest validation loss (early stopping). Forces are
minus the autograd gradient of the energy. :func:`save` / :func:`load` store the config and a
state dict (loaded with ``weights_only=True``); :class:`TorchPredictor` plugs a trained model
into :class:`mlip_course.calculator.MLIPCalculator`.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from ase import Atoms

from . import device as pick_device
from .sampling.hygiene import reference_energies


def energy_and_forces(model, atoms: Atoms, *, create_graph: bool = False
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """(E, F) tensors for ``atoms``; F = -dE/dR by autograd (``create_graph`` for training)."""
    dev = next(model.buffers()).device
    pos = torch.tensor(atoms.positions, dtype=torch.float64, device=dev, requires_grad=True)
    energy = model.energy(atoms, pos)
    (grad,) = torch.autograd.grad(energy, pos, create_graph=create_graph)
    return energy, -grad


def fit_reference(model, frames: Sequence[Atoms]) -> dict[str, float]:
    """Least-squares per-element energies (eV) into ``model.reference``; returns them."""
    refs = reference_energies(frames, strict=False)
    values = [refs.get(s, 0.0) for s in model.species]
    model.reference.copy_(torch.as_tensor(values, dtype=model.reference.dtype))
    return dict(zip(model.species, values))


def _loss(model, frames: Sequence[Atoms], force_weight: float, create_graph: bool):
    total = 0.0
    for atoms in frames:
        e, f = energy_and_forces(model, atoms, create_graph=create_graph)
        f_ref = torch.as_tensor(atoms.get_forces(), dtype=f.dtype, device=f.device)
        de = (e - atoms.get_potential_energy()) / len(atoms)
        total = total + de**2 + force_weight * ((f - f_ref) ** 2).sum(dim=1).mean()
    return total / len(frames)


def train(model, train_frames: Sequence[Atoms], valid_frames: Sequence[Atoms] | None = None, *,
          epochs: int = 100, lr: float = 3e-3, batch_size: int = 4, force_weight: float = 1.0,
          patience: int = 20, seed: int = 0, progress: bool = True,
          device: str | None = None, max_seconds: float | None = None,
          schedule: str = "plateau") -> dict:
    """Fit ``model`` in place; return the history of training and validation losses.

    Stops after ``epochs``, after ``patience`` epochs without a better validation loss, or
    once ``max_seconds`` have passed (the best weights so far are kept in every case);
    ``history["stopped_by"]`` says which ("epochs", "patience" or "time"); ``history["seconds"]``
    is the wall time at the end of each epoch. The learning rate is halved when the validation
    loss stalls (``schedule="plateau"``) or follows a cosine from ``lr`` to ``lr/20`` over the
    budget, epochs or ``max_seconds``, whichever runs out first (``schedule="cosine"``): a run
    that the time cap stops still ends at a small learning rate."""
    if schedule not in ("plateau", "cosine"):
        raise ValueError(f"Unknown schedule {schedule!r}; use 'plateau' or 'cosine'.")
    started = time.time()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    dev = torch.device(device or pick_device())
    model.to(dev)
    fit_reference(model, train_frames)
    if hasattr(model, "fit_scaling"):
        model.fit_scaling(train_frames)
    valid = list(valid_frames) if valid_frames else list(train_frames)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=patience // 3)
    history: dict = {"train": [], "valid": [], "seconds": [], "lr": [], "stopped_by": "epochs",
                     "schedule": schedule}
    best, best_state, waited = np.inf, copy.deepcopy(model.state_dict()), 0
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), disable=not progress, desc=type(model).__name__)
    for epoch in bar:
        if schedule == "cosine":
            _cosine_lr(opt, lr, max(epoch / epochs, (time.time() - started) / max_seconds
                                    if max_seconds else 0.0))
        order = rng.permutation(len(train_frames))
        running = 0.0
        for start in range(0, len(order), batch_size):
            batch = [train_frames[k] for k in order[start:start + batch_size]]
            opt.zero_grad()
            loss = _loss(model, batch, force_weight, create_graph=True)
            loss.backward()
            opt.step()
            running += float(loss.detach()) * len(batch)
        v = float(_loss(model, valid, force_weight, create_graph=False).detach())
        if schedule == "plateau":
            sched.step(v)
        history["lr"].append(opt.param_groups[0]["lr"])
        history["train"].append(running / len(train_frames))
        history["valid"].append(v)
        history["seconds"].append(round(time.time() - started, 2))
        bar.set_postfix(train=f"{history['train'][-1]:.3g}", valid=f"{v:.3g}")
        if v < best:
            best, best_state, waited = v, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                history["stopped_by"] = "patience"
                break
        if max_seconds is not None and time.time() - started > max_seconds:
            history["stopped_by"] = "time"
            break
    model.load_state_dict(best_state)
    return history


def _cosine_lr(opt, lr: float, progress: float, floor: float = 0.05) -> None:
    """Set the learning rate on a cosine from ``lr`` (progress 0) to ``floor * lr`` (1)."""
    scale = floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    for group in opt.param_groups:
        group["lr"] = lr * scale


def as_predictor(model):
    """Anything with ``predict(atoms) -> (energy, forces)``: torch models get wrapped."""
    return TorchPredictor(model) if isinstance(model, torch.nn.Module) else model


def predictions(model, frames: Sequence[Atoms]) -> dict[str, np.ndarray]:
    """Predicted energies (eV) and forces (eV/A, concatenated over frames) of ``frames``."""
    predictor = as_predictor(model)
    energies, forces = [], []
    for atoms in frames:
        e, f = predictor.predict(atoms)
        energies.append(e)
        forces.append(np.asarray(f))
    return {"energy": np.array(energies), "forces": np.concatenate(forces)}


def errors(pred: dict[str, np.ndarray], frames: Sequence[Atoms]) -> dict[str, float]:
    """Energy (meV/atom) and force (meV/A) RMSE and MAE of predictions against the labels."""
    n = np.array([len(a) for a in frames])
    de = 1000 * (pred["energy"] - [a.get_potential_energy() for a in frames]) / n
    df = 1000 * (pred["forces"] - np.concatenate([a.get_forces() for a in frames])).ravel()
    return {"energy_rmse_mev_per_atom": float(np.sqrt(np.mean(de**2))),
            "energy_mae_mev_per_atom": float(np.mean(np.abs(de))),
            "force_rmse_mev_per_ang": float(np.sqrt(np.mean(df**2))),
            "force_mae_mev_per_ang": float(np.mean(np.abs(df)))}


def evaluate(model, frames: Sequence[Atoms]) -> dict[str, float]:
    """Energy (meV/atom) and force (meV/A) RMSE and MAE on ``frames``."""
    return errors(predictions(model, frames), frames)


def n_parameters(model) -> int:
    if not isinstance(model, torch.nn.Module):
        return int(model.n_parameters)
    return int(sum(p.numel() for p in model.parameters()))


class TorchPredictor:
    """``predict(atoms) -> (energy, forces)`` for :class:`~mlip_course.calculator.MLIPCalculator`."""

    def __init__(self, model):
        self.model = model.eval()

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        e, f = energy_and_forces(self.model, atoms)
        return float(e.detach()), f.detach().cpu().numpy()


def _registry() -> dict[str, type]:
    """Every model kind of the course: name -> class (imported lazily: libraries are heavy)."""
    from .models.attention import AttentionPotential
    from .models.bpnn import BehlerParrinello
    from .models.chgnet_ft import CHGNetFineTuned
    from .models.deeppot import DeepPotSE
    from .models.egnn import EGNN
    from .models.gap import GAP
    from .models.linear import LinearACE, LinearMTP
    from .models.mace_model import MACEModel
    from .models.pyg import DimeNetPP, ViSNetModel
    from .models.schnet import SchNet
    from .models.snap import SNAP
    from .models.sparse_kernel import KernelPotential, RandomFeaturePotential
    from .models.torchmd import TensorNetModel, TorchMDNet

    kinds = (BehlerParrinello, DeepPotSE, SchNet, CHGNetFineTuned, EGNN, MACEModel,
             TensorNetModel, LinearMTP, LinearACE, SNAP, GAP, KernelPotential,
             RandomFeaturePotential, AttentionPotential, TorchMDNet, DimeNetPP, ViSNetModel)
    return {cls.kind: cls for cls in kinds}


#: The six families of the course and the kinds that belong to each.
FAMILIES = {"neural network": ("bpnn", "deeppot"),
            "graph network": ("schnet", "chgnet", "dimenet"),
            "equivariant network": ("egnn", "mace", "tensornet", "visnet"),
            "polynomial": ("mtp", "ace", "snap"), "Gaussian process": ("gap", "krr", "rff"),
            "transformer": ("attention", "tnet")}


def family(kind: str) -> str:
    """The course family of a model kind."""
    for name, kinds in FAMILIES.items():
        if kind in kinds:
            return name
    raise KeyError(f"Unknown model kind {kind!r}")


def save(model, folder: str | Path) -> Path:
    """Write ``model.json`` (kind + config) and the weights into ``folder``: ``model.pt`` (state
    dict) for torch models, ``weights.npy`` for closed-form ones, the library's own files
    (GAP XML, MACE model, SNAP coefficients, CHGNet state dict) for library models."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps({"kind": model.kind, "config": model.config},
                                                  indent=1))
    if isinstance(model, torch.nn.Module):
        torch.save(model.state_dict(), folder / "model.pt")
    elif hasattr(model, "save_files"):
        model.save_files(folder)
    else:                                   # closed-form models: their weight vector
        np.save(folder / "weights.npy", np.asarray(model.weights))
    return folder


def load(folder: str | Path):
    """Rebuild a model saved by :func:`save` (torch weights loaded with ``weights_only=True``)."""
    folder = Path(folder)
    if not (folder / "model.json").exists():
        raise FileNotFoundError(f"{folder} holds no model.json; save a model there with "
                                "mlip_course.train.save or python -m mlip_course.train.")
    meta = json.loads((folder / "model.json").read_text())
    registry = _registry()
    if meta["kind"] not in registry:
        raise ValueError(f"Unknown model kind {meta['kind']!r}; known: {sorted(registry)}")
    model = registry[meta["kind"]](**meta["config"])
    if isinstance(model, torch.nn.Module):
        model.load_state_dict(torch.load(folder / "model.pt", weights_only=True,
                                         map_location="cpu"))
        return model.eval()
    if hasattr(model, "load_files"):
        model.load_files(folder)
    else:
        model.weights = np.load(folder / "weights.npy", allow_pickle=False)
    return model


def _species(frames: Sequence[Atoms]) -> list[str]:
    from ase.data import atomic_numbers

    return sorted({s for a in frames for s in a.get_chemical_symbols()}, key=atomic_numbers.get)


_NET = {"epochs": 300, "lr": 2e-3, "batch_size": 4, "force_weight": 1.0, "patience": 30,
        "max_seconds": 900}
#: Default hyper-parameters per model for a few-hundred-frame data set on 2 CPU cores (each
#: finishes within ~20 min there: the networks stop at 15 min of training at the latest).
DEFAULTS = {
    "bpnn": {"model": {"r_cut": 5.0, "hidden": [32, 32]}, "train": {**_NET, "lr": 3e-3}},
    "deeppot": {"model": {"r_cut": 5.0, "r_smooth": 4.0, "m1": 16, "m2": 4,
                          "hidden": [32, 32]}, "train": {**_NET, "lr": 3e-3}},
    "schnet": {"model": {"r_cut": 5.0, "width": 32, "layers": 2}, "train": dict(_NET)},
    "egnn": {"model": {"r_cut": 5.0, "width": 32, "layers": 3}, "train": dict(_NET)},
    "attention": {"model": {"r_cut": 5.0, "width": 32, "layers": 2}, "train": dict(_NET)},
    "tnet": {"model": {"r_cut": 5.0, "width": 32, "layers": 2, "heads": 4},
             "train": dict(_NET)},
    "tensornet": {"model": {"r_cut": 5.0, "width": 32, "layers": 2}, "train": dict(_NET)},
    "dimenet": {"model": {"r_cut": 5.0, "width": 32, "blocks": 2}, "train": dict(_NET)},
    "visnet": {"model": {"r_cut": 5.0, "width": 32, "layers": 2, "heads": 4},
               "train": dict(_NET)},
    "mtp": {"model": {"r_cut": 5.0, "n_radial": 3, "ridge": 1e-6}, "train": {}},
    "ace": {"model": {"r_cut": 5.0, "n_radial": 6, "l_max": 3, "ridge": 1e-6}, "train": {}},
    "snap": {"model": {"r_cut": 5.0, "twojmax": 8, "quadratic": False}, "train": {}},
    "krr": {"model": {"r_cut": 5.0, "n_basis": 300}, "train": {}},
    "rff": {"model": {"r_cut": 5.0, "n_basis": 300}, "train": {}},
    "gap": {"model": {"r_cut": 5.0}, "train": {}},
    "mace": {"model": {"r_cut": 5.0, "channels": 16, "max_l": 1, "correlation": 2,
                       "max_ell": 2, "epochs": 64}, "train": {}},
    "chgnet": {"model": {"epochs": 30}, "train": {}},
}
#: Quick mode (MLIP_COURSE_QUICK=1): tiny versions that only show the pipeline works.
QUICK = {"mace": {"epochs": 2, "channels": 8, "max_l": 0, "correlation": 2, "max_ell": 1},
         "chgnet": {"epochs": 1}, "gap": {"n_sparse_soap": 50}, "krr": {"n_basis": 50},
         "rff": {"n_basis": 50}, "snap": {"twojmax": 4}}


def build(kind: str, species: Sequence[str], seed: int = 0, quick_mode: bool = False, **over):
    """A fresh model of ``kind`` with the default hyper-parameters (``over`` overrides)."""
    registry = _registry()
    if kind not in registry:
        raise ValueError(f"Unknown model kind {kind!r}; known: {sorted(registry)}")
    options = {**DEFAULTS[kind]["model"], **(QUICK.get(kind, {}) if quick_mode else {}), **over}
    return registry[kind](list(species), **options, seed=seed)


def fit(model, fit_frames: Sequence[Atoms], valid: Sequence[Atoms] | None = None, *,
        seed: int = 0, quick_mode: bool = False, progress: bool = True, **options) -> float:
    """Train any course model (torch loop, closed form or library program); returns seconds.

    ``options`` (e.g. ``max_seconds``, ``epochs``) override :func:`train`'s defaults for the
    torch models; the closed-form and library models have no use for them and ignore them."""
    started = time.time()
    if isinstance(model, torch.nn.Module):
        opts = {**DEFAULTS.get(model.kind, {"train": _NET})["train"], **options}
        if quick_mode:
            opts["epochs"] = min(opts["epochs"], 5)
        model.history = train(model, fit_frames, valid, seed=seed, progress=progress, **opts)
    elif getattr(model, "needs_validation", False):     # library loops with early stopping
        model.fit(list(fit_frames), list(valid) if valid else None)
    else:                                   # closed form: one solve on every training frame
        model.fit(list(fit_frames) + list(valid or []))
    return time.time() - started


def _iterative(model) -> bool:
    return isinstance(model, torch.nn.Module) or getattr(model, "needs_validation", False)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlip_course.train --model bpnn --train A.xyz --test B.xyz --out DIR``."""
    import argparse

    from . import quick
    from .io import read_dataset

    parser = argparse.ArgumentParser(prog="python -m mlip_course.train",
                                     description="Train a course model on an extxyz data set "
                                                 "(energy in eV, forces in eV/A).")
    parser.add_argument("--model", required=True, choices=sorted(DEFAULTS))
    parser.add_argument("--train", required=True, help="training extxyz (energy + forces)")
    parser.add_argument("--test", required=True, help="test extxyz (energy + forces)")
    parser.add_argument("--out", required=True, help="folder for metrics.json and the model")
    parser.add_argument("--valid-fraction", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=None,
                        help="maximum epochs (networks, MACE, CHGNet)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="cap on the training time of the torch networks (default 15)")
    parser.add_argument("--schedule", choices=("plateau", "cosine"), default=None,
                        help="learning-rate schedule of the torch networks (default plateau)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    train_frames, test_frames = read_dataset(args.train), read_dataset(args.test)
    species = _species(list(train_frames) + list(test_frames))
    rng = np.random.default_rng(args.seed)
    idx = rng.permutation(len(train_frames))
    n_valid = max(1, int(args.valid_fraction * len(train_frames))) if len(train_frames) > 4 else 0
    valid = [train_frames[k] for k in idx[:n_valid]] or None
    fit_frames = [train_frames[k] for k in idx[n_valid:]]
    over = {}
    if args.epochs and args.model in ("mace", "chgnet"):
        over["epochs"] = args.epochs
    model = build(args.model, species, seed=args.seed, quick_mode=quick(), **over)
    options = {}
    if isinstance(model, torch.nn.Module):
        for key, value in (("epochs", args.epochs), ("schedule", args.schedule),
                           ("max_seconds", args.max_minutes and 60 * args.max_minutes)):
            if value:
                options[key] = value
    seconds = fit(model, fit_frames, valid, seed=args.seed, quick_mode=quick(), **options)
    metrics = {"model": args.model, "family": family(args.model), "species": species,
               "n_train": len(fit_frames) if _iterative(model) else len(train_frames),
               "n_valid": n_valid if _iterative(model) else 0, "n_test": len(test_frames),
               **evaluate(model, test_frames),
               "train_seconds": round(seconds, 1), "n_parameters": n_parameters(model)}
    history = getattr(model, "history", None)
    if isinstance(history, dict) and "stopped_by" in history:       # the torch loop's record
        metrics.update(epochs_run=len(history["valid"]), stopped_by=history["stopped_by"],
                       schedule=history["schedule"])
    out = save(model, args.out)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"{'metric':28s} value")
    for key in ("energy_rmse_mev_per_atom", "energy_mae_mev_per_atom", "force_rmse_mev_per_ang",
                "force_mae_mev_per_ang", "train_seconds", "n_parameters"):
        print(f"{key:28s} {metrics[key]:.4g}")
    print(f"wrote {out / 'metrics.json'} and the model in {out}")
    return 0


__all__ = ["train", "evaluate", "energy_and_forces", "fit_reference", "save", "load",
           "TorchPredictor", "n_parameters", "predictions", "errors", "as_predictor", "build",
           "fit", "family", "FAMILIES", "DEFAULTS", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
