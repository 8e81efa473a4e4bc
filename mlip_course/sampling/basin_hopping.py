"""Basin hopping (Wales & Doye 1997) through ``ase.optimize.basin.BasinHopping``.

Each step displaces every atom at random, relaxes to the nearest local minimum and accepts the
new minimum with the Metropolis rule at a fictitious temperature ``kT``: the search walks on
the staircase of local minima instead of the rugged energy surface itself.
"""

from __future__ import annotations

import io

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.optimize import LBFGS
from ase.optimize.basin import BasinHopping


class _CappedLBFGS(LBFGS):
    """L-BFGS with short steps and at most 1000 iterations (a random hop can overlap atoms)."""

    def __init__(self, atoms, logfile=None, **kw):
        super().__init__(atoms, logfile=logfile, maxstep=0.1, **kw)

    def run(self, fmax=0.05, steps=1000):
        return super().run(fmax=fmax, steps=steps)


class _Recording(BasinHopping):
    """BasinHopping that appends each new local minimum to ``self.minima`` (if a list)."""

    minima: list[Atoms] | None = None

    def get_energy(self, positions):
        new = np.any(self.positions != positions)
        energy = super().get_energy(positions)
        if new and self.minima is not None:
            atoms = self._atoms()
            self.minima.append(Atoms(atoms.numbers, atoms.positions.copy(),
                                     info={"energy": float(energy)}))
        return energy


def basin_hopping(atoms: Atoms, calc: Calculator, steps: int, *, kT: float = 0.8,
                  dr: float = 0.35, fmax: float = 1e-3, seed: int = 0,
                  minima: list[Atoms] | None = None) -> tuple[Atoms, list[float]]:
    """Run basin hopping from ``atoms``; return the lowest minimum and the running best energy.

    ``kT`` and ``dr`` are in the units of the potential (energy and length). Pass a list as
    ``minima`` to collect every local minimum visited (``info["energy"]``).
    """
    atoms = atoms.copy()
    atoms.calc = calc
    log = io.StringIO()
    np.random.seed(seed)  # ASE's BasinHopping draws its moves from NumPy's global generator
    bh = _Recording(atoms, temperature=kT, dr=dr, optimizer=_CappedLBFGS, fmax=fmax,
                    logfile=log, trajectory=None, optimizer_logfile=None,
                    local_minima_trajectory=None)
    bh.minima = minima
    bh.run(steps)
    # one log line per step: "BasinHopping: step k, energy E, emin Emin"
    trace = [float(line.split()[-1]) for line in log.getvalue().splitlines()[1:]]
    energy, best = bh.get_minimum()
    best = best.copy()
    best.info["energy"] = float(energy)
    return best, trace
