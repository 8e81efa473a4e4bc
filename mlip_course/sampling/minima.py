"""The low-lying minima of a cluster, from basin hopping and a genetic algorithm together.

A structure search returns one "best" cluster, but to check a potential against DFT we want
its whole low-energy spectrum: every local minimum the searches visit is kept, duplicates are
merged (same energy and same sorted interatomic distances), and the lowest few are returned,
ready to be labelled by the reference code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from ..analysis import fragments
from .basin_hopping import basin_hopping
from .clusters import random_cluster
from .coverage import distance_fingerprint
from .genetic import genetic_search


def connected(atoms: Atoms, bond: float) -> bool:
    """True when every atom is linked to every other through bonds shorter than ``bond`` A
    (a search can split a cluster in two; such a fragment is not a candidate)."""
    return fragments(atoms, bond).max() == 0


def distinct(minima: Sequence[Atoms], energy_tol: float = 0.01,
             distance_tol: float = 0.1) -> list[Atoms]:
    """Minima sorted by ``info["energy"]`` with duplicates removed: two clusters are the same
    when their energies differ by less than ``energy_tol`` (eV) and their sorted interatomic
    distances by less than ``distance_tol`` (A, root mean square)."""
    kept: list[tuple[float, np.ndarray, Atoms]] = []
    for atoms in sorted(minima, key=lambda a: a.info["energy"]):
        e, fp = atoms.info["energy"], distance_fingerprint(atoms.positions)
        if not any(abs(e - e2) < energy_tol and np.sqrt(np.mean((fp - fp2) ** 2)) < distance_tol
                   for e2, fp2, _ in kept):
            kept.append((e, fp, atoms))
    return [a for _, _, a in kept]


def low_lying_minima(symbols: str, calc: Calculator, n_keep: int, *, seed: int = 0,
                     bh_runs: int = 2, bh_steps: int = 25, kT: float = 0.3, dr: float = 0.4,
                     ga_relaxations: int = 40, population_size: int = 10, fmax: float = 0.01,
                     volume_per_atom: float = 20.0, min_distance: float = 2.2,
                     bond: float = 3.0) -> list[Atoms]:
    """The ``n_keep`` lowest distinct minima found by ``bh_runs`` basin-hopping runs (random
    starts, ``bh_steps`` hops each) and one GA of ``ga_relaxations`` relaxations (after its
    first ``population_size`` random ones).

    Energies and lengths are in eV and A; each minimum has ``info["energy"]`` and
    ``info["found_by"]`` (``basin_hopping`` or ``genetic``); fragments (not connected by
    bonds shorter than ``bond`` A) are dropped.
    """
    rng = np.random.default_rng(seed)
    found: list[Atoms] = []
    for k in range(bh_runs):
        start = random_cluster(symbols, rng, volume_per_atom=volume_per_atom,
                               min_distance=min_distance)
        visited: list[Atoms] = []
        basin_hopping(start, calc, bh_steps, kT=kT, dr=dr, fmax=fmax, seed=seed + k,
                      minima=visited)
        found += [_tag(a, "basin_hopping") for a in visited]
    evolved: list[Atoms] = []
    genetic_search(symbols, calc, ga_relaxations, population_size=population_size, seed=seed,
                   fmax=fmax, minima=evolved,
                   volume_per_atom=volume_per_atom, min_distance=0.9 * min_distance)
    found += [_tag(a, "genetic") for a in evolved]
    return distinct([a for a in found if connected(a, bond)])[:n_keep]


def _tag(atoms: Atoms, method: str) -> Atoms:
    atoms.info["found_by"] = method
    return atoms
