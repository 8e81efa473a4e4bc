"""CHGNet (Deng et al. 2023) fine-tuned on our data: the graph family's library example.

CHGNet's pretrained weights ship inside its wheel (trained on the Materials Project, VASP PBE).
Our labels come from CP2K with GTH pseudopotentials, so absolute energies differ by a large
per-element shift: we first refit CHGNet's per-element reference energies (its ``AtomRef``
composition model) by least squares on our frames, then fine-tune the graph layers with
CHGNet's own ``Trainer`` on energies and forces, updating only the last atom convolution
and the readout (the rest keeps what it learned from the Materials Project).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from ase import Atoms

from .external import element_shifts, predict_with


def _structures(frames: Sequence[Atoms]):
    from pymatgen.io.ase import AseAtomsAdaptor

    return [AseAtomsAdaptor.get_structure(Atoms(a.numbers, a.positions, cell=a.cell, pbc=True))
            for a in frames]


def _pretrained():
    import warnings

    from chgnet.model import CHGNet

    # CHGNet builds a tensor from a grad-tracking list of cell volumes on every call
    warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad",
                            category=UserWarning)

    with contextlib.redirect_stdout(io.StringIO()):
        return CHGNet.load(use_device="cpu", verbose=False)


def _untrained(seed: int):
    """CHGNet's architecture with random weights (same hyper-parameters as the 0.3.0 model)."""
    from chgnet.model import CHGNet

    pretrained = _pretrained()
    torch.manual_seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):      # "initialized with ... parameters"
        return CHGNet(**pretrained.todict()["model_args"])


class CHGNetFineTuned:
    """``fit`` refits AtomRef then fine-tunes; ``predict`` through ``CHGNetCalculator``.

    ``start="scratch"`` builds the same architecture with random weights and trains all of it
    (the control experiment of the universal-models chapter); ``layers="all"`` fine-tunes every
    weight of the pretrained model instead of the last block.
    """

    kind = "chgnet"
    needs_validation = True
    #: fine-tuned: the last atom convolution and the readout (~50k of 413k weights)
    trainable = ("atom_conv_layers.3.", "readout_norm.", "mlp.")

    def __init__(self, species: Sequence[str], epochs: int = 30, lr: float = 1e-3,
                 batch_size: int = 4, force_weight: float = 1.0, seed: int = 0,
                 start: str = "pretrained", layers: str = "last"):
        if start not in ("pretrained", "scratch") or layers not in ("last", "all"):
            raise ValueError("start is 'pretrained' or 'scratch'; layers is 'last' or 'all'.")
        self.config = {"species": list(species), "epochs": epochs, "lr": lr,
                       "batch_size": batch_size, "force_weight": force_weight, "seed": seed,
                       "start": start, "layers": layers}
        self.species = list(species)
        self.model = _pretrained() if start == "pretrained" else _untrained(seed)
        self._calc = None

    @property
    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.model.parameters()))

    def refit_reference(self, frames: Sequence[Atoms]) -> None:
        """Shift CHGNet's per-element energies (its intensive AtomRef, eV/atom) by the least-
        squares fit of our labels minus its current predictions."""
        from ase.data import atomic_numbers

        shifts = element_shifts(frames, self.predict)
        with torch.no_grad():
            for symbol, shift in shifts.items():
                self.model.composition_model.fc.weight[0, atomic_numbers[symbol] - 1] += shift
        self._calc = None

    def fit(self, frames: Sequence[Atoms], valid: Sequence[Atoms] | None = None,
            epochs: int | None = None) -> "CHGNetFineTuned":
        from chgnet.data.dataset import StructureData, get_loader
        from chgnet.trainer import Trainer

        started = time.time()
        torch.manual_seed(self.config["seed"])
        self.refit_reference(frames)
        epochs = self.config["epochs"] if epochs is None else epochs
        if epochs == 0:            # zero-shot: only the per-element reference energies change
            self.fit_seconds = time.time() - started
            return self
        every = self.config.get("layers") == "all" or self.config.get("start") == "scratch"
        for name, param in self.model.named_parameters():
            param.requires_grad = every or name.startswith(self.trainable)

        def loader(fr, shuffle):
            data = StructureData(_structures(fr), [a.get_potential_energy() / len(a) for a in fr],
                                 [a.get_forces() for a in fr], shuffle=shuffle)
            return get_loader(data, batch_size=self.config["batch_size"], pin_memory=False)

        valid = list(valid) if valid else list(frames[: max(1, len(frames) // 10)])
        trainer = Trainer(model=self.model, targets="ef", optimizer="Adam", scheduler="CosLR",
                          criterion="MSE", epochs=epochs,
                          learning_rate=self.config["lr"],
                          force_loss_ratio=self.config["force_weight"], use_device="cpu",
                          torch_seed=self.config["seed"], data_seed=self.config["seed"],
                          print_freq=1000)
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            trainer.train(loader(frames, True), loader(valid, False), save_dir=tmp)
        self.model = trainer.model.eval()
        self._calc = None
        self.fit_seconds = time.time() - started
        return self

    def calculator(self):
        if self._calc is None:
            from chgnet.model.dynamics import CHGNetCalculator

            with contextlib.redirect_stdout(io.StringIO()):      # "CHGNet will run on cpu"
                self._calc = CHGNetCalculator(model=self.model, use_device="cpu")
        return self._calc

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        return predict_with(self.calculator(), atoms, periodic=True)

    def save_files(self, folder: Path) -> None:
        torch.save(self.model.state_dict(), Path(folder) / "chgnet.pt")

    def load_files(self, folder: Path) -> None:
        state = torch.load(Path(folder) / "chgnet.pt", weights_only=True, map_location="cpu")
        self.model.load_state_dict(state)
        self.model.eval()
        self._calc = None
