"""Datasets on disk: lists of ``ase.Atoms`` in extended XYZ, validated on the way in and out.

Conventions of the whole course (ASE's own units):

- energy in eV (``energy=`` in the comment line), forces in eV/Angstrom (``forces`` columns),
  stress in eV/Angstrom^3 (``stress=``, Voigt order xx yy zz yz xz xy, ASE sign convention).
- Labels live in a ``SinglePointCalculator`` attached to each frame, so
  ``atoms.get_potential_energy()`` and ``atoms.get_forces()`` just work.
- ``atoms.info`` carries provenance strings such as ``origin`` (which trajectory or sampling
  run the frame came from) and ``phase`` (crystal, liquid, amorphous, defect, surface).

Every problem is reported as a :class:`DatasetError` that names the file, the frame and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

# Above this a force is almost certainly in the wrong unit (kcal/mol/A is 23x eV/A,
# kJ/mol/A is 96x) or the frame has overlapping atoms. DFT forces of the course's data
# stay below ~20 eV/A.
MAX_FORCE_EV_PER_ANG = 100.0
# Energies per atom beyond this are not eV from any DFT code we use (J/mol, meV, ...).
MAX_ABS_ENERGY_PER_ATOM_EV = 1.0e5


class DatasetError(ValueError):
    """A dataset file or frame that the course cannot use; the message says how to fix it."""


def _where(path: str | Path | None, index: int) -> str:
    return f"{path}, frame {index}" if path is not None else f"frame {index}"


def label(atoms: Atoms, energy: float, forces: np.ndarray, stress: np.ndarray | None = None,
          **info: object) -> Atoms:
    """Attach reference labels (eV, eV/A, eV/A^3) to a copy of ``atoms`` and return it."""
    out = atoms.copy()
    results: dict[str, object] = {"energy": float(energy), "forces": np.asarray(forces, float)}
    if stress is not None:
        results["stress"] = np.asarray(stress, float)
    out.calc = SinglePointCalculator(out, **results)
    out.info.update(info)
    return out


def validate_frame(atoms: Atoms, where: str = "frame", *, require_forces: bool = True) -> None:
    """Raise :class:`DatasetError` unless ``atoms`` carries finite, well-shaped labels."""
    if not isinstance(atoms, Atoms):
        raise DatasetError(f"{where}: expected ase.Atoms, got {type(atoms).__name__}.")
    n = len(atoms)
    if n == 0:
        raise DatasetError(f"{where}: the frame has no atoms.")
    numbers = atoms.get_atomic_numbers()
    if np.any(numbers <= 0) or np.any(numbers > 118):
        raise DatasetError(
            f"{where}: unknown element (atomic numbers {sorted(set(numbers.tolist()))}); "
            "use chemical symbols such as Ge, Sb, Te in the species column."
        )
    results = getattr(atoms.calc, "results", None) or {}
    if "energy" not in results:
        raise DatasetError(
            f"{where}: no energy. Write it as `energy=<eV>` in the extxyz comment line "
            "(ase.io.write does this for frames with a SinglePointCalculator)."
        )
    energy = float(np.asarray(results["energy"]).reshape(-1)[0])
    if not np.isfinite(energy):
        raise DatasetError(f"{where}: energy is {energy}; drop the frame or re-label it.")
    if abs(energy) / n > MAX_ABS_ENERGY_PER_ATOM_EV:
        raise DatasetError(
            f"{where}: energy {energy:.4g} per {n} atoms is not plausible in eV; "
            "convert to eV (1 Hartree = 27.2114 eV, 1 kcal/mol = 0.0433641 eV)."
        )
    if require_forces or "forces" in results:
        if "forces" not in results:
            raise DatasetError(
                f"{where}: no forces. Add a `forces:R:3` column in eV/A to the extxyz file."
            )
        forces = np.asarray(results["forces"])
        if forces.shape != (n, 3):
            raise DatasetError(
                f"{where}: forces have shape {forces.shape}, expected ({n}, 3) for {n} atoms."
            )
        if not np.all(np.isfinite(forces)):
            raise DatasetError(f"{where}: forces contain NaN or inf; drop or re-label the frame.")
        fmax = float(np.abs(forces).max())
        if fmax > MAX_FORCE_EV_PER_ANG:
            raise DatasetError(
                f"{where}: a force component of {fmax:.4g} is implausible in eV/A; check the "
                "unit (1 kcal/mol/A = 0.0433641 eV/A, 1 Ha/Bohr = 51.422 eV/A) or atom overlap."
            )
    if "stress" in results:
        stress = np.asarray(results["stress"])
        if stress.shape not in ((6,), (3, 3)):
            raise DatasetError(
                f"{where}: stress has shape {stress.shape}; expected 6 (Voigt) or 3x3, eV/A^3."
            )
        if not np.all(np.isfinite(stress)):
            raise DatasetError(f"{where}: stress contains NaN or inf.")
        if not atoms.pbc.all():
            raise DatasetError(f"{where}: stress given for a non-periodic frame.")


def read_dataset(path: str | Path, index: str | int | slice = ":", *,
                 require_forces: bool = True) -> list[Atoms]:
    """Read labelled frames from an extxyz file and validate every one.

    Raises :class:`DatasetError` naming the file and frame when a frame lacks a finite
    energy, has forces of the wrong shape, or uses an unknown element.
    """
    from ase.io import read

    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file. Build it with `python -m mlip_course.data build`.")
    try:
        frames = read(path, index=index, format="extxyz")
    except Exception as err:  # ASE raises many types for a malformed file
        raise DatasetError(
            f"{path}: not a readable extended-XYZ file ({type(err).__name__}: {err}). "
            "Each frame needs an atom count line, a comment line with Lattice=/Properties= "
            "and energy=, then one line per atom."
        ) from err
    if isinstance(frames, Atoms):
        frames = [frames]
    if not frames:
        raise DatasetError(f"{path}: the file holds no frames.")
    for i, atoms in enumerate(frames):
        validate_frame(atoms, _where(path, i), require_forces=require_forces)
    return list(frames)


def write_dataset(path: str | Path, frames: Iterable[Atoms], *, append: bool = False,
                  require_forces: bool = True) -> int:
    """Validate ``frames`` and write them to ``path`` as extxyz; return how many were written."""
    from ase.io import write

    frames = list(frames)
    for i, atoms in enumerate(frames):
        validate_frame(atoms, _where(path, i), require_forces=require_forces)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, frames, format="extxyz", append=append)
    return len(frames)


def energies(frames: Sequence[Atoms]) -> np.ndarray:
    """Reference energies (eV) of labelled frames."""
    return np.array([a.get_potential_energy() for a in frames])


def forces(frames: Sequence[Atoms]) -> list[np.ndarray]:
    """Reference forces (eV/A) of labelled frames, one (N, 3) array each."""
    return [a.get_forces() for a in frames]


def write_trajectory(path: str | Path, frames: Sequence[Atoms], **arrays: np.ndarray) -> Path:
    """A compact trajectory for committed results: positions as float32 (0.1 mA resolution at
    100 A), one cell per frame, the symbols once, plus any per-frame ``arrays`` (e.g. time);
    compressed ``.npz``, about 8 kB per 640-atom frame instead of 45 kB of extxyz."""
    if not frames:
        raise ValueError("write_trajectory needs at least one frame.")
    symbols = frames[0].get_chemical_symbols()
    if any(f.get_chemical_symbols() != symbols for f in frames):
        raise ValueError("All frames of a trajectory must have the same atoms in the same order.")
    path = Path(path)
    np.savez_compressed(path, symbols=np.array(symbols),
                        positions=np.array([f.positions for f in frames], dtype=np.float32),
                        cells=np.array([np.asarray(f.cell) for f in frames]),
                        pbc=frames[0].pbc, **arrays)
    return path


def read_trajectory(path: str | Path) -> tuple[list[Atoms], dict[str, np.ndarray]]:
    """Frames written by :func:`write_trajectory`, and its extra per-frame arrays."""
    with np.load(path) as data:
        symbols = [str(s) for s in data["symbols"]]
        frames = [Atoms(symbols, positions=p.astype(float), cell=c, pbc=data["pbc"])
                  for p, c in zip(data["positions"], data["cells"])]
        extra = {k: data[k] for k in data.files if k not in ("symbols", "positions", "cells", "pbc")}
    return frames, extra


__all__ = [
    "DatasetError",
    "label",
    "validate_frame",
    "read_dataset",
    "write_dataset",
    "energies",
    "forces",
    "write_trajectory",
    "read_trajectory",
    "MAX_FORCE_EV_PER_ANG",
]
