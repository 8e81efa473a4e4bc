"""MACE (Batatia et al. 2022) trained from scratch with mace-torch's ``mace_run_train``.

The library example of the equivariant family: higher-body-order equivariant messages (here
correlation order 2, tensors up to L=1). No foundation model is downloaded: the network starts
from random weights and sees only our data. The defaults are small (16 channels, correlation
order 2, spherical harmonics to l = 2, 64 epochs: ~11 min for 185 GeTe frames on two CPU cores);
MACE's published settings are several times larger. As in MACE's own recipes, the weights are
averaged (EMA) and the last quarter of the epochs is "stage two": a lower learning rate with the
energy weighted 1000x, which fixes the energies the force-dominated first stage leaves loose.
The saved ``.model`` file is mace-torch's own format (a pickled module, loaded by its
``MACECalculator``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from .external import predict_with, program, run, write_reference


class MACEModel:
    """``fit(frames, valid)`` runs mace_run_train; ``predict`` uses ``MACECalculator``."""

    kind = "mace"
    needs_validation = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, channels: int = 16,
                 max_l: int = 1, correlation: int = 2, max_ell: int = 2, interactions: int = 2,
                 epochs: int = 64, batch_size: int = 4, lr: float = 0.01,
                 forces_weight: float = 100.0, seed: int = 0):
        self.config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        self.config["species"] = list(species)
        self.species = list(species)
        self.folder: Path | None = None
        self._calc = None

    def command(self, epochs: int | None = None) -> list[str]:
        c = self.config
        epochs = epochs or c["epochs"]
        return [program("mace_run_train", "mace-torch"), "--name=mace",
                "--train_file=train.xyz", "--valid_file=valid.xyz", "--E0s=average",
                "--energy_key=REF_energy", "--forces_key=REF_forces", "--model=MACE",
                f"--num_interactions={c['interactions']}", f"--num_channels={c['channels']}",
                f"--max_L={c['max_l']}", f"--correlation={c['correlation']}",
                f"--max_ell={c['max_ell']}",
                f"--r_max={c['r_cut']}", f"--batch_size={c['batch_size']}",
                f"--valid_batch_size={c['batch_size']}", f"--lr={c['lr']}",
                f"--forces_weight={c['forces_weight']}", "--energy_weight=1.0",
                f"--max_num_epochs={epochs}", f"--seed={c['seed']}",
                "--ema", "--ema_decay=0.99", "--swa", f"--start_swa={max(1, 3 * epochs // 4)}",
                "--device=cpu", "--default_dtype=float64", "--eval_interval=1",
                "--patience=20", "--restart_latest"]

    def fit(self, frames: Sequence[Atoms], valid: Sequence[Atoms] | None = None,
            epochs: int | None = None) -> "MACEModel":
        started = time.time()
        self.folder = Path(tempfile.mkdtemp(prefix="mace_"))
        write_reference(self.folder / "train.xyz", frames)
        write_reference(self.folder / "valid.xyz", valid or frames[: max(1, len(frames) // 10)])
        run(self.command(epochs), self.folder, "mace_run_train.log")
        self._calc = None
        self.fit_seconds = time.time() - started
        return self

    def _model_file(self) -> Path:
        """The stage-two model when training wrote one (a saved model is always mace.model)."""
        for name in ("mace_stagetwo.model", "mace.model"):
            if self.folder is not None and (self.folder / name).exists():
                return self.folder / name
        raise RuntimeError("The model is not fitted; call fit(frames) first.")

    def calculator(self):
        if self._calc is None:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore", UserWarning)     # mace's torch.load; and its
                logging.disable(logging.WARNING)                 # "no cuequivariance" note
                try:
                    from mace.calculators import MACECalculator

                    self._calc = MACECalculator(model_paths=str(self._model_file()),
                                                device="cpu", default_dtype="float64")
                finally:
                    logging.disable(logging.NOTSET)
        return self._calc

    @property
    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.calculator().models[0].parameters()))

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        return predict_with(self.calculator(), atoms)

    def save_files(self, folder: Path) -> None:
        shutil.copy(self._model_file(), folder / "mace.model")

    def load_files(self, folder: Path) -> None:
        self.folder, self._calc = Path(folder), None
