"""A genetic algorithm for clusters with ase-ga (Deaven & Ho cut-and-splice; Vilhelmsen 2012).

A population of relaxed clusters evolves: two parents are cut by a random plane and spliced
(the child inherits a half from each), or one parent is mutated (rattle, mirror). Children
are relaxed; a comparator rejects duplicates so the population stays diverse, and fitter
(lower-energy) clusters become parents more often.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator

from .clusters import random_cluster, relax


def genetic_search(symbols: str, calc: Calculator, n_relaxations: int, *,
                   population_size: int = 10, seed: int = 0, volume_per_atom: float = 1.2,
                   min_distance: float = 0.8, energy_tolerance: float = 1e-3,
                   fmax: float = 1e-3, minima: list[Atoms] | None = None
                   ) -> tuple[Atoms, list[float]]:
    """Cluster GA with ``n_relaxations`` local relaxations in total (the first
    ``population_size`` are random starts). Return the best cluster and the running best
    energy after each relaxation (comparable one-to-one with ``random_search``).

    ``fmax`` (eV/A) ends each relaxation; pass a list as ``minima`` to collect every relaxed
    cluster (``info["energy"]``), e.g. to label the low-lying ones with DFT."""
    from ase_ga.cutandsplicepairing import CutAndSplicePairing
    from ase_ga.data import DataConnection, PrepareDB
    from ase_ga.offspring_creator import OperationSelector
    from ase_ga.population import Population
    from ase_ga.standard_comparators import InteratomicDistanceComparator
    from ase_ga.standardmutations import MirrorMutation, RattleMutation

    rng = np.random.default_rng(seed)
    legacy_rng = np.random.RandomState(seed)
    template = Atoms(symbols)
    n = len(template)
    blmin = {(a, b): min_distance for a in set(template.numbers) for b in set(template.numbers)}
    radius = (3 * n * volume_per_atom / (4 * np.pi)) ** (1 / 3)
    box = 2 * radius + 4 * min_distance
    slab = Atoms(cell=np.eye(3) * box, pbc=False)  # cut-and-splice works in this box
    trace: list[float] = []
    best = np.inf

    def evaluate(atoms: Atoms) -> float:
        nonlocal best
        energy = relax(atoms, calc, fmax=fmax)
        # the GA database stores the calculator: keep only its results (any calculator works)
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=atoms.get_forces())
        atoms.info["key_value_pairs"]["raw_score"] = -energy
        if minima is not None:
            minima.append(Atoms(atoms.numbers, atoms.positions, info={"energy": energy}))
        best = min(best, energy)
        trace.append(best)
        return energy

    # the GA's sqlite database commits after every write: in memory (/dev/shm) each commit
    # costs a tenth of what it costs on disk (1.2 ms, 1500 commits in a 30-relaxation run)
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:
        db_file = str(Path(tmp) / "ga.db")
        prep = PrepareDB(db_file_name=db_file, simulation_cell=slab,
                         stoichiometry=[int(z) for z in template.numbers])
        for _ in range(population_size):
            start = random_cluster(symbols, rng, volume_per_atom=volume_per_atom,
                                   min_distance=min_distance)
            start.cell = slab.cell
            start.translate(np.full(3, box / 2))
            prep.add_unrelaxed_candidate(start)
        db = DataConnection(db_file)
        while db.get_number_of_unrelaxed_candidates() > 0:
            atoms = db.get_an_unrelaxed_candidate()
            evaluate(atoms)
            db.add_relaxed_step(atoms)
        comparator = InteratomicDistanceComparator(n_top=n, pair_cor_cum_diff=0.015,
                                                   pair_cor_max=0.7, dE=energy_tolerance,
                                                   mic=False)
        pairing = CutAndSplicePairing(slab, n, blmin, rng=legacy_rng)
        mutations = OperationSelector([1.0, 1.0],
                                      [RattleMutation(blmin, n, rng=legacy_rng),
                                       MirrorMutation(blmin, n, rng=legacy_rng)],
                                      rng=legacy_rng)
        population = Population(data_connection=db, population_size=population_size,
                                comparator=comparator, rng=legacy_rng)
        while len(trace) < n_relaxations:
            parent1, parent2 = population.get_two_candidates()
            if rng.random() < 0.3:
                child, desc = mutations.get_new_individual([parent1])
            else:
                child, desc = pairing.get_new_individual([parent1, parent2])
            if child is None:
                continue
            db.add_unrelaxed_candidate(child, description=desc)
            evaluate(child)
            db.add_relaxed_step(child)
            population.update()
        top = population.get_current_population()[0]
    top.calc = None
    top.info = {"energy": -top.info["key_value_pairs"]["raw_score"]}
    return top, trace
