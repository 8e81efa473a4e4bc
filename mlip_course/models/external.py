"""Shared plumbing for the library models that train through their own programs.

``gap_fit`` and ``mace_run_train`` read extxyz files. We write the labels under ``REF_energy`` /
``REF_forces`` (no calculator attached, no stress), so no library mistakes a cached
calculator result for the reference, and we run the program with a clear message when it is
missing or fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import write


class LibraryError(RuntimeError):
    """A library's training program is missing or failed."""


def write_reference(path: str | Path, frames: Sequence[Atoms]) -> Path:
    """extxyz with ``REF_energy`` (eV) and ``REF_forces`` (eV/A) and nothing else attached."""
    out = []
    for atoms in frames:
        a = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        a.info["REF_energy"] = float(atoms.get_potential_energy())
        a.arrays["REF_forces"] = np.asarray(atoms.get_forces(), float)
        out.append(a)
    write(path, out, format="extxyz")
    return Path(path)


def predict_with(calc, atoms: Atoms, periodic: bool | None = None) -> tuple[float, np.ndarray]:
    """Energy and forces of a bare copy of ``atoms`` from an ASE calculator, recomputed (the
    calculator is shared between calls, and ASE would return its cached results)."""
    pbc = atoms.pbc if periodic is None else periodic
    a = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=pbc)
    a.calc = calc
    calc.reset()
    return float(a.get_potential_energy()), np.array(a.get_forces())


def program(name: str, package: str) -> str:
    """Full path of a console program installed beside this Python (or on PATH)."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        raise LibraryError(f"`{name}` not found; install the course extras: "
                           f"pip install -e '.[course]' (it comes with {package}).")
    return found


def run(command: list[str], cwd: Path, log: str, threads: int | None = None) -> None:
    """Run a training program in ``cwd``; on failure raise with the tail of its log."""
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    with open(cwd / log, "w") as handle:
        done = subprocess.run(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                              env=env)
    if done.returncode != 0:
        tail = (cwd / log).read_text().splitlines()[-15:]
        raise LibraryError(f"{Path(command[0]).name} failed (exit {done.returncode}); "
                           f"end of {cwd / log}:\n" + "\n".join(tail))


def element_shifts(frames: Sequence[Atoms], predict) -> dict[str, float]:
    """One energy per element (eV) fitted by least squares to the labels minus
    ``predict(atoms)[0]``: what separates two energy scales (codes, pseudopotentials)."""
    from ..sampling.hygiene import reference_energies

    residual = [a.get_potential_energy() - predict(a)[0] for a in frames]
    return reference_energies(frames, residual, strict=False)


class ExternalCalculator:
    """Any ASE calculator (a universal model, a classical potential) used like a course model.

    Its energies may sit on another absolute scale than our CP2K labels (another code,
    pseudopotentials, reference states): :meth:`fit` finds one energy shift per element by
    least squares on labelled frames, the only thing it changes. Forces are untouched.
    """

    kind = "calculator"

    def __init__(self, calc, name: str = "calculator", periodic: bool | None = None):
        self.calc, self.name, self.periodic = calc, name, periodic
        self.shifts: dict[str, float] = {}

    def _raw(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        return predict_with(self.calc, atoms, self.periodic)

    def fit(self, frames: Sequence[Atoms]) -> "ExternalCalculator":
        """Per-element energy shifts: labels minus raw predictions, fitted by least squares."""
        self.shifts = element_shifts(frames, self._raw)
        return self

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        energy, forces = self._raw(atoms)
        missing = sorted(set(atoms.get_chemical_symbols()) - set(self.shifts))
        if self.shifts and missing:
            raise ValueError(f"No energy shift for {missing}: fit() on frames containing them.")
        return energy + sum(self.shifts.get(s, 0.0) for s in atoms.get_chemical_symbols()), forces
