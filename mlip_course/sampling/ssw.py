"""Stochastic surface walking (Shang & Liu 2013), reduced to its core for teaching.

From a local minimum, SSW picks a random direction ``N``, nudges it towards a soft mode (a
few curvature-lowering rotations, as in the dimer method), then *climbs* out of the basin:
it repeatedly adds a Gaussian bias along ``N`` at the current point, steps forward by ``ds``
and relaxes on the biased surface. After ``n_gaussians`` such steps the biases are removed,
the structure relaxes to a new minimum, and the new minimum is accepted with the Metropolis
rule at ``kT``. The walk therefore moves from minimum to minimum, like basin hopping, but each
move is a smooth climb over a low barrier rather than a random jump.

Simplifications against the original: ``N`` is fixed during one climb (SSW re-refines it at
every Gaussian), and the soft-mode refinement uses a handful of finite-difference steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.optimize import LBFGS

from .clusters import relax


class GaussianBias(Calculator):
    """``inner`` plus Gaussians ``w exp(-((x - x_k) . N_k)^2 / (2 s^2))`` along directions.

    ``x`` is the flattened position vector and each ``N_k`` a unit vector of the same length.
    """

    implemented_properties = ["energy", "forces", "free_energy"]

    def __init__(self, inner: Calculator, height: float, width: float):
        super().__init__()
        self.inner, self.height, self.width = inner, height, width
        self.walls: list[tuple[np.ndarray, np.ndarray]] = []

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        work = self.atoms.copy()
        work.calc = self.inner
        energy = work.get_potential_energy()
        forces = work.get_forces().ravel()
        x = self.atoms.positions.ravel()
        for centre, direction in self.walls:
            s = float((x - centre) @ direction)
            g = self.height * np.exp(-s * s / (2 * self.width**2))
            energy += g
            forces = forces + g * s / self.width**2 * direction
        self.results = {"energy": energy, "free_energy": energy,
                        "forces": forces.reshape(-1, 3)}


def _unit(v: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Normalised ``v`` without net translation or (for a cluster) rigid rotation.

    Rigid motions have zero curvature, so a soft-mode search would otherwise end on them.
    """
    v = v.reshape(-1, 3) - v.reshape(-1, 3).mean(axis=0)
    r = positions - positions.mean(axis=0)
    rotations = np.stack([np.cross(axis, r).ravel() for axis in np.eye(3)], axis=1)
    q, _ = np.linalg.qr(rotations)
    flat = v.ravel() - q @ (q.T @ v.ravel())
    return flat / np.linalg.norm(flat)


def soft_direction(atoms: Atoms, calc: Calculator, direction: np.ndarray, *,
                   iterations: int = 4, delta: float = 0.01, rate: float = 0.5) -> np.ndarray:
    """Rotate ``direction`` towards lower curvature: ``N <- N - rate (H N - C N) / |C|``.

    Rigid translations and rotations are projected out (the structure is a cluster; for a
    periodic cell only translations matter, and projecting rotations there is harmless for
    small cells only -- this teaching version targets clusters). ``H N`` is a forward difference of forces (one call per iteration); ``C = N . H N`` is
    the curvature along ``N``. A few iterations bias a random direction towards soft modes.
    """
    work = atoms.copy()
    work.calc = calc
    g0 = -work.get_forces().ravel()
    n = _unit(direction, atoms.positions)
    for _ in range(iterations):
        work.positions = atoms.positions + delta * n.reshape(-1, 3)
        hn = (-work.get_forces().ravel() - g0) / delta
        c = float(n @ hn)
        n = _unit(n - rate * (hn - c * n) / max(abs(c), 1e-8), atoms.positions)
    return n


@dataclass
class SSWResult:
    best: Atoms
    trace: list[float]                           # running best energy after every step
    minima: list[float] = field(default_factory=list)  # energy of every minimum reached
    accepted: int = 0


def stochastic_surface_walk(atoms: Atoms, calc: Calculator, steps: int, *, kT: float = 0.8,
                            n_gaussians: int = 8, width: float = 0.3, height: float = 0.6,
                            soft_iterations: int = 4, fmax: float = 1e-3, seed: int = 0
                            ) -> SSWResult:
    """Run ``steps`` SSW moves from ``atoms`` (relaxed first); lengths and energies in the
    units of ``calc``. ``width`` is both the Gaussian width and the step along ``N``."""
    rng = np.random.default_rng(seed)
    current = atoms.copy()
    e_current = relax(current, calc, fmax=fmax)
    best, e_best = current.copy(), e_current
    result = SSWResult(best=best, trace=[], minima=[])
    for _ in range(steps):
        n = soft_direction(current, calc, rng.normal(size=3 * len(current)),
                           iterations=soft_iterations)
        walker = current.copy()
        biased = GaussianBias(calc, height, width)
        walker.calc = biased
        for _ in range(n_gaussians):
            biased.walls.append((walker.positions.ravel().copy(), n))
            walker.positions = walker.positions + width * n.reshape(-1, 3)
            LBFGS(walker, logfile=None, maxstep=0.1).run(fmax=0.05, steps=50)
        e_new = relax(walker, calc, fmax=fmax)
        result.minima.append(e_new)
        if e_new < e_current or rng.random() < np.exp(-(e_new - e_current) / kT):
            current, e_current = walker, e_new
            result.accepted += 1
        if e_new < e_best:
            best, e_best = walker.copy(), e_new
        result.trace.append(e_best)
    best.calc = None
    best.info["energy"] = float(e_best)
    result.best = best
    return result
