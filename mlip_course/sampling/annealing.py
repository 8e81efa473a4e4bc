"""Simulated annealing (Kirkpatrick 1983): MD whose temperature is lowered slowly to zero.

Hot, the system crosses barriers freely; cooled slowly, it settles into wide, deep basins.
An instant quench (a plain relaxation) is the limit of infinitely fast cooling.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.md.velocitydistribution import ZeroRotation

from .clusters import relax
from .md import langevin


def anneal(atoms: Atoms, calc: Calculator, *, t_start_k: float, steps: int,
           timestep_fs: float = 1.0, friction_per_fs: float = 0.02, stages: int = 20,
           seed: int = 0) -> tuple[Atoms, float]:
    """Cool linearly from ``t_start_k`` to 0 K over ``steps`` MD steps, then relax.

    The start is first relaxed loosely (``fmax`` 0.5), so that overlapping atoms of a random
    guess do not fly apart. Return the relaxed structure (a copy) and its energy.
    """
    atoms = atoms.copy()
    relax(atoms, calc, fmax=0.5)
    dyn = langevin(atoms, t_start_k, timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                   seed=seed)
    ZeroRotation(atoms)
    for temperature in np.linspace(t_start_k, 0.0, stages):
        dyn.set_temperature(temperature_K=float(temperature))
        dyn.run(steps // stages)
    energy = relax(atoms, calc)
    return atoms, energy
