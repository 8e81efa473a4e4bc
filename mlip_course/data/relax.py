"""DFT geometry optimisation with CP2K (GEO_OPT, BFGS, fixed cell) in resumable chunks.

A cheap model's relaxation is not a DFT minimum: the GST cells of ``gst_eos`` relaxed by CHGNet
keep DFT forces of 0.2-0.5 eV/A RMS. To know how low a structure's DFT energy really goes, the
atoms are relaxed by CP2K itself:

    data/<name>/start.xyz              starting geometry (cell fixed)
    data/<name>/chunks/0002/           one CP2K run: geo.inp, geo.out, geo-pos-1.xyz,
                                       geo-frc-1.xyz, DONE (and, of the newest chunk only,
                                       geo-1.restart and geo-BFGS.Hessian)
    data/<name>/frames.xyz             every optimisation step as a labelled frame
    data/<name>/manifest.json          provenance, optimiser settings, convergence

Each chunk restarts from the positions and the BFGS Hessian of the previous one, so a killed
session loses at most one chunk (which runs in ``chunks/.0003.running`` until it has finished). ``python -m mlip_course.data relax <name>``.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read, write
from ase.units import Bohr, Hartree

from ..reference import CP2KSettings, cp2k_input, cp2k_version, first_energy
from .aimd import finished_chunks, labelled_chunks, run_chunk, start_structure
from .build import data_dir, write_manifest
from .recipes import settings_for

PROJECT = "geo"
CONVERGED = "GEOMETRY OPTIMIZATION COMPLETED"


@dataclass(frozen=True)
class RelaxSettings:
    """The optimiser: BFGS on the atoms, converged when the largest force component and the
    RMS force fall below these thresholds (displacement criteria left open)."""

    max_force_ev_per_ang: float = 0.05
    rms_force_ev_per_ang: float = 0.025
    trust_radius_ang: float = 0.2
    chunk_steps: int = 6
    max_steps: int = 150


def motion_block(relax: RelaxSettings, steps: int, hessian: str = "") -> str:
    """The &MOTION section: BFGS for ``steps`` iterations, printing every step."""
    to_au = Bohr / Hartree                                  # eV/A -> Hartree/bohr
    restart = (f"\n      RESTART_HESSIAN T\n      RESTART_FILE_NAME {hessian}" if hessian else "")
    each = "      &EACH\n        GEO_OPT 1\n      &END EACH"
    return f"""&MOTION
  &GEO_OPT
    TYPE MINIMIZATION
    OPTIMIZER BFGS
    MAX_ITER {steps}
    MAX_FORCE {relax.max_force_ev_per_ang * to_au:.6f}
    RMS_FORCE {relax.rms_force_ev_per_ang * to_au:.6f}
    MAX_DR 10.0
    RMS_DR 10.0
    &BFGS
      TRUST_RADIUS [angstrom] {relax.trust_radius_ang:g}{restart}
    &END BFGS
  &END GEO_OPT
  &PRINT
    &TRAJECTORY
      FORMAT XYZ
{each}
    &END TRAJECTORY
    &FORCES
      FORMAT XYZ
{each}
    &END FORCES
    &RESTART
      BACKUP_COPIES 0
{each}
    &END RESTART
    &RESTART_HISTORY OFF
    &END RESTART_HISTORY
  &END PRINT
&END MOTION"""


def relax_input(atoms: Atoms, settings: CP2KSettings, relax: RelaxSettings, steps: int,
                restart: str = "", hessian: str = "") -> str:
    """Full CP2K GEO_OPT input: the reference DFT settings; positions from ``restart``."""
    text = cp2k_input(atoms, settings, project=PROJECT, run_type="GEO_OPT",
                      motion=motion_block(relax, steps, hessian))
    if restart:                 # positions only: counters start again in every chunk
        block = (f"&EXT_RESTART\n  RESTART_FILE_NAME {restart}\n  RESTART_DEFAULT F\n"
                 "  RESTART_POS T\n&END EXT_RESTART\n")
        text = text.replace("&FORCE_EVAL", block + "&FORCE_EVAL", 1)
    return text


def run(name: str, start: Atoms | None = None, root: Path | None = None,
        settings: CP2KSettings | None = None, relax: RelaxSettings | None = None,
        log=print) -> bool:
    """Advance the relaxation of dataset ``name``; return whether it has converged.

    The first call needs ``start`` (written to ``start.xyz``); later calls resume. Stops at
    convergence or after ``relax.max_steps`` optimisation steps.
    """
    settings = settings or settings_for(name)
    relax = relax or RelaxSettings()
    folder = data_dir(name, root)
    start = start_structure(folder, start)
    version = cp2k_version()
    while not converged(name, root):
        if n_steps(name, root) >= relax.max_steps:
            log(f"{name}: {relax.max_steps} steps without convergence; raise max_steps or look "
                f"at the last {PROJECT}.out under {folder / 'chunks'}")
            break
        chunk, wall = run_chunk(
            folder, PROJECT, lambda restarted: relax_input(
                start, settings, relax, relax.chunk_steps,
                *(("previous.restart", "previous.Hessian") if restarted else ())),
            {f"{PROJECT}-1.restart": "previous.restart",
             f"{PROJECT}-BFGS.Hessian": "previous.Hessian"}, settings.nproc)
        done = assemble(name, root, settings, relax, version)["relax"]
        log(f"{name}: chunk {chunk.name} in {wall:.0f} s, max force "
            f"{done['final_max_force_ev_per_ang']:.3f} eV/A")
    return converged(name, root)


def converged(name: str, root: Path | None = None) -> bool:
    """Whether the newest finished chunk of ``name`` ended with CP2K's convergence message."""
    done = finished_chunks(data_dir(name, root))
    return bool(done) and CONVERGED in (done[-1] / f"{PROJECT}.out").read_text(errors="replace")


def n_steps(name: str, root: Path | None = None) -> int:
    """Optimisation steps (force evaluations printed) in the finished chunks of ``name``."""
    folder = data_dir(name, root)
    return sum(len(re.findall(r"^\s*i =", (c / f"{PROJECT}-pos-1.xyz").read_text(), re.M))
               for c in finished_chunks(folder))


def start_energy(name: str, root: Path | None = None) -> float:
    """DFT energy (eV) of ``start.xyz``: CP2K evaluates it first but prints no frame for it."""
    return first_energy((finished_chunks(data_dir(name, root))[0] / f"{PROJECT}.out")
                        .read_text(errors="replace"))


def max_force(atoms: Atoms) -> float:
    """Largest force component (eV/A) of a labelled frame."""
    return float(np.abs(atoms.get_forces()).max())


def assemble(name: str, root: Path | None = None, settings: CP2KSettings | None = None,
             relax: RelaxSettings | None = None, version: str | None = None) -> dict:
    """Rebuild ``frames.xyz`` (steps numbered across chunks) and ``manifest.json``."""
    settings = settings or settings_for(name)   # what the dataset is labelled with
    relax = relax or RelaxSettings()
    folder = data_dir(name, root)
    start = read(folder / "start.xyz", format="extxyz")
    frames, walls = [], []
    for _, new, wall in labelled_chunks(folder, start, PROJECT):
        for atoms in new:
            step = len(frames)
            atoms.info.update(origin=name, phase=start.info.get("phase", "crystal"),
                              md_step=step, candidate_id=f"{name}/{step:04d}",
                              cp2k_wall_s=round(wall / max(len(new), 1), 2))
            frames.append(atoms)
        walls.append(wall)
    tmp = folder / "frames.tmp.xyz"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, folder / "frames.xyz")
    last = frames[-1] if frames else None
    e_start = start_energy(name, root) if frames else None
    extra = {
        "relax": {**asdict(relax), "steps": len(frames), "chunks": len(walls),
                  "converged": converged(name, root), "cp2k_hours": round(sum(walls) / 3600, 2),
                  **({"final_max_force_ev_per_ang": round(max_force(last), 4),
                      "final_rms_force_ev_per_ang": round(float(np.sqrt(
                          (last.get_forces() ** 2).sum(1).mean())), 4),
                      "start_energy_ev": e_start,
                      "energy_change_mev_per_atom": round(
                          1000 * (last.get_potential_energy() - e_start) / len(last), 2)}
                   if last is not None else {}),
                  "command": "OMP_NUM_THREADS=1 nice -n 19 mpirun -np %d cp2k.psmp -i geo.inp "
                             "(one chunk; positions and BFGS Hessian from the previous chunk)"
                             % settings.nproc},
        "sampling": {"driver": "CP2K geometry optimisation (BFGS, fixed cell) from start.xyz: "
                               + str(start.info.get("origin", "")), "groups": []},
    }
    return write_manifest(name, root, settings, version, extra=extra)


__all__ = ["RelaxSettings", "relax_input", "run", "assemble", "converged", "n_steps", "start_energy",
           "max_force"]
