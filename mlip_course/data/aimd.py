"""Ab initio MD with CP2K, run in resumable chunks: a DFT *structural* reference.

Geometries sampled by a cheap model (CHGNet) are labelled by DFT, but their structure is the
cheap model's. A liquid RDF to compare MLIPs against must come from DFT dynamics, so this
module runs CP2K Born-Oppenheimer MD (NVT, CSVR thermostat) in chunks of a few steps:

    data/<name>/start.xyz              starting geometry (CHGNet-melted liquid)
    data/<name>/chunks/0003/           one CP2K run: md.inp, md.out, md-pos-1.xyz,
                                       md-frc-1.xyz, md-1.ener, md-1.restart, DONE
    data/<name>/frames.xyz             every MD step as a labelled frame (energy, forces)
    data/<name>/manifest.json          provenance, MD settings, energy drift

Each chunk restarts from the previous chunk's restart file (positions, velocities, thermostat),
so a killed session loses at most one chunk; a chunk runs in ``chunks/.0003.running`` and is
renamed when it has finished, so the data folder only ever holds finished chunks. ``python -m mlip_course.data aimd <name>``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read, write
from ase.units import Bohr, Hartree

from ..io import label
from ..reference import CP2KFailed, CP2KSettings, cp2k_input, cp2k_version, execute
from .build import data_dir, write_manifest
from .recipes import settings_for


@dataclass(frozen=True)
class MDSettings:
    """Everything that defines the AIMD run besides the DFT settings."""

    temperature_k: float = 1000.0
    timestep_fs: float = 2.0
    thermostat: str = "CSVR"
    thermostat_timecon_fs: float = 100.0
    chunk_steps: int = 10
    extrapolation: str = "ASPC"
    extrapolation_order: int = 3


def motion_block(md: MDSettings, steps: int) -> str:
    """The &MOTION section: NVT MD, printing positions, forces and restarts every step."""
    return f"""&MOTION
  &MD
    ENSEMBLE NVT
    STEPS {steps}
    TIMESTEP [fs] {md.timestep_fs:g}
    TEMPERATURE [K] {md.temperature_k:g}
    &THERMOSTAT
      TYPE {md.thermostat}
      &{md.thermostat}
        TIMECON [fs] {md.thermostat_timecon_fs:g}
      &END {md.thermostat}
    &END THERMOSTAT
  &END MD
  &PRINT
    &TRAJECTORY
      FORMAT XYZ
      &EACH
        MD 1
      &END EACH
    &END TRAJECTORY
    &FORCES
      FORMAT XYZ
      &EACH
        MD 1
      &END EACH
    &END FORCES
    &RESTART
      BACKUP_COPIES 0
      &EACH
        MD 1
      &END EACH
    &END RESTART
    &RESTART_HISTORY OFF
    &END RESTART_HISTORY
  &END PRINT
&END MOTION"""


def md_input(atoms: Atoms, settings: CP2KSettings, md: MDSettings, steps: int,
             restart: str = "") -> str:
    """Full CP2K MD input: the reference DFT settings plus wavefunction extrapolation."""
    text = cp2k_input(atoms, settings, project="md", run_type="MD",
                      motion=motion_block(md, steps), ext_restart=restart)
    extrap = (f"      EPS_DEFAULT {settings.eps_default:.1E}\n"
              f"      EXTRAPOLATION {md.extrapolation}\n"
              f"      EXTRAPOLATION_ORDER {md.extrapolation_order}")
    return text.replace(f"      EPS_DEFAULT {settings.eps_default:.1E}", extrap, 1)


def _read_xyz_steps(path: Path) -> dict[int, tuple[list[str], np.ndarray, float]]:
    """CP2K's XYZ trajectory: {step: (symbols, (N, 3) array, energy in Hartree)}."""
    out: dict[int, tuple[list[str], np.ndarray, float]] = {}
    lines = path.read_text().splitlines()
    k = 0
    while k < len(lines):
        n = int(lines[k].split()[0])
        head = lines[k + 1]
        fields = dict(part.split("=") for part in head.replace(" ", "").split(",") if "=" in part)
        rows = [line.split() for line in lines[k + 2:k + 2 + n]]
        out[int(fields["i"])] = ([r[0] for r in rows], np.array([[float(v) for v in r[1:4]] for r in rows]),
                                 float(fields["E"]))
        k += n + 2
    return out


def read_ener(path: Path) -> np.ndarray:
    """CP2K's .ener file: columns step, time [fs], kinetic [Ha], temperature [K], potential [Ha],
    conserved quantity [Ha], used time [s]."""
    return np.atleast_2d(np.loadtxt(path))


def chunk_frames(chunk: Path, template: Atoms, project: str = "md") -> list[Atoms]:
    """Labelled frames (energy eV, forces eV/A) of one finished chunk of CP2K run ``project``."""
    pos = _read_xyz_steps(chunk / f"{project}-pos-1.xyz")
    frc = _read_xyz_steps(chunk / f"{project}-frc-1.xyz")
    frames = []
    for step in sorted(set(pos) & set(frc)):
        symbols, xyz, energy = pos[step]
        atoms = Atoms(symbols, positions=xyz, cell=template.cell, pbc=True)
        forces = frc[step][1] * Hartree / Bohr
        frames.append(label(atoms, energy * Hartree, forces, md_step=step,
                            candidate_id=f"{chunk.parent.parent.name}/{step:05d}"))
    return frames


def labelled_chunks(folder: Path, template: Atoms, project: str = "md"):
    """``(chunk, its labelled frames, its wall time in s)`` of every finished chunk, in order."""
    for chunk in finished_chunks(folder):
        yield chunk, chunk_frames(chunk, template, project), float((chunk / "DONE").read_text())


def finished_chunks(folder: Path) -> list[Path]:
    """The chunk folders of a chunked CP2K run that finished (``DONE`` written), in order."""
    return sorted(p for p in (folder / "chunks").glob("[0-9]*") if (p / "DONE").exists())


def run(name: str, start: Atoms | None = None, total_steps: int = 200,
        root: Path | None = None, settings: CP2KSettings | None = None,
        md: MDSettings | None = None, log=print) -> int:
    """Advance the AIMD of dataset ``name`` to ``total_steps`` steps; return steps done.

    The first call needs ``start`` (written to ``start.xyz``); later calls resume.
    """
    settings = settings or settings_for(name)
    md = md or MDSettings()
    folder = data_dir(name, root)
    start = start_structure(folder, start)
    version = cp2k_version()
    while len(finished_chunks(folder)) * md.chunk_steps < total_steps:
        chunk, wall = run_chunk(
            folder, "md", lambda restarted: md_input(start, settings, md, md.chunk_steps,
                                                     "previous.restart" if restarted else ""),
            {"md-1.restart": "previous.restart"}, settings.nproc)
        log(f"{name}: chunk {chunk.name} ({md.chunk_steps} steps) in {wall:.0f} s")
        assemble(name, root, settings, md, version)
    return len(finished_chunks(folder)) * md.chunk_steps


def start_structure(folder: Path, start: Atoms | None) -> Atoms:
    """``start.xyz`` of a chunked CP2K run in ``folder``, written from ``start`` on the first
    call (later calls may pass None)."""
    (folder / "chunks").mkdir(parents=True, exist_ok=True)
    path = folder / "start.xyz"
    if not path.exists():
        if start is None:
            raise ValueError(f"{path} is missing: pass a starting structure.")
        write(path, start, format="extxyz")
    return read(path, format="extxyz")


def run_chunk(folder: Path, project: str, make_input: Callable[[bool], str],
              carry: dict[str, str], nproc: int) -> tuple[Path, float]:
    """Run the next chunk of a chunked CP2K run; return its folder and wall time (s).

    ``carry`` maps files of the previous chunk (restart files) to the names the new input
    reads; ``make_input(restarted)`` writes that input. The chunk runs in a hidden folder
    (``chunks/.0003.running``, ignored by git) that becomes ``chunks/0003`` only when it has
    finished, so the data folder never holds a half-written chunk; an unfinished one is redone
    from scratch. Only the newest chunk keeps its restart files.
    """
    done = finished_chunks(folder)
    chunk = folder / "chunks" / f"{len(done):04d}"
    work = folder / "chunks" / f".{chunk.name}.running"
    for stale in (work, chunk):
        shutil.rmtree(stale, ignore_errors=True)
    work.mkdir(parents=True)
    for source, target in carry.items() if done else ():
        shutil.copy(done[-1] / source, work / target)
    text, wall = execute(work, make_input(bool(done)), nproc, name=project)
    if "SCF run NOT converged" in text:
        raise CP2KFailed(f"{chunk}: an SCF did not converge; see {work / (project + '.out')}.")
    for target in carry.values():
        (work / target).unlink(missing_ok=True)
    (work / "DONE").write_text(f"{wall:.1f}\n")
    os.replace(work, chunk)
    for old in done:
        for source in carry:
            (old / source).unlink(missing_ok=True)
    return chunk, wall


def energies(name: str, root: Path | None = None) -> np.ndarray:
    """The .ener records of all finished chunks of ``name``, one row per MD step (deduplicated)."""
    chunks = finished_chunks(data_dir(name, root))
    if not chunks:
        return np.zeros((0, 7))
    ener = np.concatenate([read_ener(c / "md-1.ener") for c in chunks])
    _, keep = np.unique(ener[:, 0], return_index=True)
    return ener[np.sort(keep)]


def energy_drift(ener: np.ndarray, natoms: int) -> dict[str, float]:
    """Linear drift of CP2K's conserved quantity (meV/atom/ps) and temperature statistics."""
    time_ps = ener[:, 1] / 1000.0
    cons = ener[:, 5] * Hartree * 1000.0 / natoms
    slope = float(np.polyfit(time_ps, cons, 1)[0]) if len(ener) > 2 else float("nan")
    return {"conserved_drift_mev_per_atom_per_ps": round(slope, 3),
            "conserved_rms_mev_per_atom": round(float(np.std(cons)), 3),
            "temperature_mean_k": round(float(ener[:, 3].mean()), 1),
            "temperature_std_k": round(float(ener[:, 3].std()), 1),
            "simulated_ps": round(float(time_ps[-1] - time_ps[0]), 3)}


def assemble(name: str, root: Path | None = None, settings: CP2KSettings | None = None,
             md: MDSettings | None = None, version: str | None = None) -> dict:
    """Rebuild ``frames.xyz`` and ``manifest.json`` from the finished chunks."""
    settings = settings or settings_for(name)   # what the dataset is labelled with
    md = md or MDSettings()
    folder = data_dir(name, root)
    start = read(folder / "start.xyz", format="extxyz")
    frames: dict[int, Atoms] = {}
    walls = []
    for _, new, wall in labelled_chunks(folder, start):
        for atoms in new:
            atoms.info.update(origin=f"{name}_{md.temperature_k:.0f}K", phase="liquid",
                              cp2k_wall_s=round(wall / max(len(new), 1), 2))
            frames.setdefault(int(atoms.info["md_step"]), atoms)
        walls.append(wall)
    ordered = [frames[k] for k in sorted(frames)]
    tmp = folder / "frames.tmp.xyz"
    write(tmp, ordered, format="extxyz")
    os.replace(tmp, folder / "frames.xyz")
    ener = energies(name, root)
    extra = {
        "md": {**asdict(md), "steps": len(ordered), "chunks": len(walls),
               "cp2k_hours": round(sum(walls) / 3600, 2),
               **(energy_drift(ener, len(start)) if len(ener) > 2 else {})},
        "sampling": {"driver": "CP2K Born-Oppenheimer MD (NVT); start.xyz melted with CHGNet",
                     "groups": []},
    }
    extra["md"]["command"] = ("OMP_NUM_THREADS=1 nice -n 19 mpirun -np %d cp2k.psmp -i md.inp "
                              "(one chunk; EXT_RESTART from the previous chunk)" % settings.nproc)
    return write_manifest(name, root, settings, version, extra=extra)


__all__ = ["MDSettings", "md_input", "run", "assemble", "chunk_frames", "finished_chunks", "labelled_chunks",
           "start_structure", "run_chunk", "read_ener", "energies", "energy_drift"]
