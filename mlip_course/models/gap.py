"""GAP (Bartók et al. 2010) through quippy's ``gap_fit``: a 2-body + SOAP sparse Gaussian process.

The library example of the Gaussian-process family. ``gap_fit`` chooses sparse points (uniform
in distance for the 2-body term, CUR for SOAP), fits energies (less per-element references) and forces with the expected
errors ``sigma_E`` (eV per atom), ``sigma_F`` (eV/A) as the regularisation, and writes an XML
potential that ``quippy.potential.Potential`` evaluates (the wheel's ``quip`` CLI crashes).
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from ..sampling.hygiene import reference_energies
from .external import predict_with, program, run, write_reference


class GAP:
    """``fit(frames)`` runs gap_fit; ``predict(atoms)`` uses quippy's Potential."""

    kind = "gap"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, n_sparse_2b: int = 20,
                 n_sparse_soap: int = 400, l_max: int = 4, n_max: int = 8,
                 atom_sigma: float = 0.5, zeta: int = 4, delta_2b: float = 0.5,
                 delta_soap: float = 0.2, sigma_energy: float = 0.002, sigma_force: float = 0.05,
                 seed: int = 0):
        self.config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        self.config["species"] = list(species)
        self.species = list(species)
        self.folder: Path | None = None
        self._potential = None
        self.fit_seconds = 0.0

    def command(self, train_file: str, e0: dict[str, float], out: str = "gap.xml") -> list[str]:
        """The gap_fit command line; ``e0`` are the per-element energies subtracted first."""
        c = self.config
        descriptors = (
            f"distance_2b cutoff={c['r_cut']} covariance_type=ard_se delta={c['delta_2b']} "
            f"theta_uniform=1.0 sparse_method=uniform n_sparse={c['n_sparse_2b']} add_species=T"
            f" : soap l_max={c['l_max']} n_max={c['n_max']} atom_sigma={c['atom_sigma']} "
            f"cutoff={c['r_cut']} cutoff_transition_width=1.0 delta={c['delta_soap']} "
            f"covariance_type=dot_product zeta={c['zeta']} n_sparse={c['n_sparse_soap']} "
            f"sparse_method=cur_points add_species=T")
        return [program("gap_fit", "quippy-ase"), f"at_file={train_file}",
                f"gap={{{descriptors}}}",
                f"default_sigma={{{c['sigma_energy']} {c['sigma_force']} 0.0 0.0}}",
                "e0={" + ":".join(f"{k}:{v:.8f}" for k, v in e0.items()) + "}",
                "energy_parameter_name=REF_energy",
                "force_parameter_name=REF_forces", "sparse_jitter=1e-8",
                f"rnd_seed={c['seed'] + 1}", f"gp_file={out}"]

    @property
    def n_parameters(self) -> int:
        """Sparse points (one weight each): 2-body per element pair + SOAP per element."""
        ns = len(self.species)
        return (self.config["n_sparse_2b"] * ns * (ns + 1) // 2
                + self.config["n_sparse_soap"] * ns)

    def fit(self, frames: Sequence[Atoms], valid: Sequence[Atoms] | None = None) -> "GAP":
        started = time.time()
        self.folder = Path(tempfile.mkdtemp(prefix="gap_"))
        write_reference(self.folder / "train.xyz", frames)
        # per-element energies by least squares (gap_fit's own e0_method=average gave zeros
        # here, leaving the kernel to carry ~-160 eV/atom and ruining the force fit)
        e0 = reference_energies(frames, strict=False)
        run(self.command("train.xyz", e0), self.folder, "gap_fit.log")
        self._potential = None
        self.fit_seconds = time.time() - started
        return self

    def _calc(self):
        if self._potential is None:
            if self.folder is None or not (self.folder / "gap.xml").exists():
                raise RuntimeError("The model is not fitted; call fit(frames) first.")
            from quippy.potential import Potential

            self._potential = Potential(param_filename=str(self.folder / "gap.xml"))
        return self._potential

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        return predict_with(self._calc(), atoms)

    def save_files(self, folder: Path) -> None:
        """The XML and its sparse-point files, gzipped (SOAP sparse points are MBs of text)."""
        for f in self.folder.glob("gap.xml*"):
            if f.suffix != ".gz":
                with open(f, "rb") as src, gzip.open(Path(folder) / (f.name + ".gz"), "wb") as dst:
                    shutil.copyfileobj(src, dst)

    def load_files(self, folder: Path) -> None:
        """Unpack the saved files into a scratch folder that quippy can read."""
        self.folder, self._potential = Path(tempfile.mkdtemp(prefix="gap_")), None
        for f in Path(folder).glob("gap.xml*.gz"):
            with gzip.open(f, "rb") as src, open(self.folder / f.name[:-3], "wb") as dst:
                shutil.copyfileobj(src, dst)
