"""Particle-swarm optimisation of cluster structures (CALYPSO-style, Wang et al. 2010).

Each particle is a cluster. Every generation each one is relaxed; its own best minimum
(``pbest``) and the swarm's best (``gbest``) pull it, through a velocity in coordinate space:

    v <- w v + c1 r1 (pbest - x) + c2 r2 (gbest - x),      x <- x + v.

Structures are aligned (centred, atoms matched to the target by nearest position) before the
difference is taken, since atoms of one element can be relabelled freely.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from scipy.optimize import linear_sum_assignment

from .clusters import random_cluster, relax


def _matched(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``target`` re-ordered so that row i is the target atom closest to atom i of ``x``."""
    cost = ((x[:, None, :] - target[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    out = np.empty_like(target)
    out[rows] = target[cols]
    return out


def particle_swarm(symbols: str, calc: Calculator, n_particles: int, generations: int, *,
                   w: float = 0.5, c1: float = 1.0, c2: float = 1.0, seed: int = 0,
                   volume_per_atom: float = 1.2) -> tuple[Atoms, list[float]]:
    """Run PSO; return the best cluster and the running best energy after every relaxation."""
    rng = np.random.default_rng(seed)
    swarm = [random_cluster(symbols, rng, volume_per_atom=volume_per_atom)
             for _ in range(n_particles)]
    velocity = [np.zeros((len(a), 3)) for a in swarm]
    pbest: list[tuple[float, np.ndarray]] = [(np.inf, a.positions.copy()) for a in swarm]
    gbest: tuple[float, np.ndarray] = (np.inf, swarm[0].positions.copy())
    trace: list[float] = []
    for _ in range(generations):
        for k, atoms in enumerate(swarm):
            energy = relax(atoms, calc)
            atoms.positions -= atoms.positions.mean(axis=0)
            if energy < pbest[k][0]:
                pbest[k] = (energy, atoms.positions.copy())
            if energy < gbest[0]:
                gbest = (energy, atoms.positions.copy())
            trace.append(gbest[0])
        for k, atoms in enumerate(swarm):
            x = atoms.positions
            r1, r2 = rng.random(2)
            velocity[k] = (w * velocity[k] + c1 * r1 * (_matched(x, pbest[k][1]) - x)
                           + c2 * r2 * (_matched(x, gbest[1]) - x)
                           + 0.1 * rng.normal(size=x.shape))  # a little noise keeps it exploring
            atoms.positions = x + velocity[k]
    best = Atoms(symbols, positions=gbest[1])
    best.info["energy"] = float(gbest[0])
    return best, trace
