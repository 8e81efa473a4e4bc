"""Molecular-dynamics sampling with any ASE calculator (cheap model drives, DFT labels)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms, units
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary


def _snapshot(atoms: Atoms, **info: object) -> Atoms:
    snap = Atoms(atoms.get_chemical_symbols(), positions=atoms.get_positions(),
                 cell=atoms.get_cell(), pbc=atoms.get_pbc())
    snap.info.update(info)
    return snap


def langevin(atoms: Atoms, temperature_k: float, *, timestep_fs: float = 2.0,
             friction_per_fs: float = 0.01, seed: int = 0, init_velocities: bool = True,
             zero_momentum: bool = True) -> Langevin:
    """Seeded Langevin NVT dynamics on ``atoms`` (which must carry a calculator).

    With ``init_velocities``, velocities are drawn from Maxwell-Boltzmann at ``temperature_k``
    (generator seeded with ``seed``) and, with ``zero_momentum``, the total momentum is removed.
    The thermostat's noise uses ``seed + 1``.
    """
    if init_velocities:
        MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_k,
                                     rng=np.random.default_rng(seed))
        if zero_momentum:
            Stationary(atoms)
    return Langevin(atoms, timestep_fs * units.fs, temperature_K=temperature_k,
                    friction=friction_per_fs / units.fs, rng=np.random.default_rng(seed + 1))


def sample_nvt(atoms: Atoms, calc, temperature_k: float, steps: int, every: int,
               *, timestep_fs: float = 2.0, friction_per_fs: float = 0.01, seed: int = 0,
               equilibrate: int = 0, init_velocities: bool = True) -> list[Atoms]:
    """Run Langevin NVT MD and return snapshots (unlabelled copies) every ``every`` steps.

    ``atoms`` is advanced in place, so calls can be chained (melt, then quench, ...).
    """
    atoms.calc = calc
    dyn = langevin(atoms, temperature_k, timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                   seed=seed, init_velocities=init_velocities)
    if equilibrate:
        dyn.run(equilibrate)
    frames: list[Atoms] = []
    for k in range(steps // every):
        dyn.run(every)
        frames.append(_snapshot(atoms, md_temperature_k=temperature_k,
                                md_step=equilibrate + (k + 1) * every))
    return frames


def quench(atoms: Atoms, calc, temperatures_k: Sequence[float], steps_each: int,
           *, timestep_fs: float = 2.0, seed: int = 0, keep_last: int = 1) -> list[Atoms]:
    """Cool ``atoms`` stepwise through ``temperatures_k`` (``steps_each`` steps per stage);
    return the last ``keep_last`` snapshots of each stage."""
    frames: list[Atoms] = []
    every = max(1, steps_each // keep_last)
    for k, temp in enumerate(temperatures_k):
        frames += sample_nvt(atoms, calc, temp, every * keep_last, every,
                             timestep_fs=timestep_fs, seed=seed + 7 * k,
                             init_velocities=(k == 0))
    return frames
