"""Biased sampling along a collective variable: metadynamics and adaptive biasing force.

A collective variable (CV) xi(R) is a function of the coordinates that tells the states
apart. Plain MD stays in one free-energy basin for a time ~ exp(Delta F / kT). Both methods
add a bias that grows from the simulation's own history until the basin is filled:

- metadynamics (Laio & Parrinello 2002): every ``stride`` steps drop a Gaussian of height w
  and width s on the current xi; V(xi, t) = sum_k w exp(-(xi - xi_k)^2 / 2 s^2), and
  F(xi) ~ -V(xi, t) once the landscape is flat;
- adaptive biasing force (Darve & Pohorille 2001): average the instantaneous force along xi
  in bins and apply its opposite, so the mean force vanishes; F(xi) = -integral <F_xi> dxi.

Both biases act through :class:`BiasedCalculator`, so any ASE dynamics can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms, units
from ase.calculators.calculator import Calculator, all_changes


@dataclass
class AtomCoordinate:
    """CV: Cartesian coordinate ``axis`` (0, 1, 2) of atom ``index`` (e.g. an adatom's x)."""

    index: int
    axis: int = 0

    def value(self, positions: np.ndarray) -> float:
        return float(positions[self.index, self.axis])

    def gradient(self, positions: np.ndarray) -> np.ndarray:
        grad = np.zeros_like(positions)
        grad[self.index, self.axis] = 1.0
        return grad


@dataclass
class CoordinationNumber:
    """CV: smooth count of ``group`` atoms around atom ``index``,
    sum_j (1 - (r/r0)^6) / (1 - (r/r0)^12)."""

    index: int
    group: list[int]
    r0: float

    def _parts(self, positions: np.ndarray):
        d = positions[self.group] - positions[self.index]
        r = np.linalg.norm(d, axis=1)
        x = r / self.r0
        num, den = 1 - x**6, 1 - x**12
        s = num / den
        ds_dx = (-6 * x**5 * den + 12 * x**11 * num) / den**2
        return d, r, s, ds_dx

    def value(self, positions: np.ndarray) -> float:
        return float(self._parts(positions)[2].sum())

    def gradient(self, positions: np.ndarray) -> np.ndarray:
        d, r, _, ds_dx = self._parts(positions)
        g = (ds_dx / (self.r0 * r))[:, None] * d
        grad = np.zeros_like(positions)
        grad[self.group] += g
        grad[self.index] -= g.sum(axis=0)
        return grad


class RadiusOfGyration:
    """CV: radius of gyration of a cluster, sqrt(mean_i |r_i - r_c|^2) (all atoms)."""

    def value(self, positions: np.ndarray) -> float:
        d = positions - positions.mean(axis=0)
        return float(np.sqrt((d**2).sum(axis=1).mean()))

    def gradient(self, positions: np.ndarray) -> np.ndarray:
        d = positions - positions.mean(axis=0)
        return d / (len(positions) * self.value(positions))


@dataclass
class Metadynamics:
    """History-dependent Gaussian bias on one CV (heights in eV, widths in CV units).

    With ``delta_t_k`` set it is *well-tempered* (Barducci, Bussi & Parrinello 2008): each new
    Gaussian is scaled by exp(-V(xi) / k_B dT), so the bias converges instead of overfilling,
    and F(xi) = -(T + dT)/dT * V(xi); ``temperature_k`` (T) is then needed too.
    """

    cv: AtomCoordinate | CoordinationNumber | RadiusOfGyration
    height: float
    width: float
    stride: int
    delta_t_k: float | None = None
    temperature_k: float | None = None
    centres: list[float] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)
    _steps: int = 0

    def __post_init__(self):
        if self.delta_t_k is not None and self.temperature_k is None:
            raise ValueError("Well-tempered metadynamics (delta_t_k) needs temperature_k.")

    def potential(self, xi: np.ndarray | float) -> np.ndarray:
        """V(xi): the accumulated bias (eV) at CV value(s) ``xi``."""
        xi = np.atleast_1d(np.asarray(xi, float))
        if not self.centres:
            return np.zeros_like(xi)
        c, h = np.asarray(self.centres), np.asarray(self.heights)
        return (h * np.exp(-((xi[:, None] - c) ** 2) / (2 * self.width**2))).sum(1)

    def energy_forces(self, positions: np.ndarray, inner_forces: np.ndarray):
        xi = self.cv.value(positions)
        if not self.centres:
            return 0.0, np.zeros_like(positions)
        c, h = np.asarray(self.centres), np.asarray(self.heights)
        g = h * np.exp(-((xi - c) ** 2) / (2 * self.width**2))
        dv_dxi = float(np.sum(-g * (xi - c) / self.width**2))
        return float(g.sum()), -dv_dxi * self.cv.gradient(positions)

    def update(self, atoms: Atoms) -> None:
        """Call after every MD step: deposits a Gaussian every ``stride`` steps."""
        self._steps += 1
        if self._steps % self.stride == 0:
            xi = self.cv.value(atoms.positions)
            height = self.height
            if self.delta_t_k is not None:
                height *= float(np.exp(-self.potential(xi)[0] / (units.kB * self.delta_t_k)))
            self.centres.append(xi)
            self.heights.append(height)

    def free_energy(self, grid: np.ndarray) -> np.ndarray:
        """Estimate F(xi) = -V(xi) (well-tempered: times (T + dT)/dT), minimum at zero."""
        scale = 1.0
        if self.delta_t_k is not None:
            scale = (self.temperature_k + self.delta_t_k) / self.delta_t_k
        f = -scale * self.potential(grid)
        return f - f.min()


@dataclass
class AdaptiveBiasingForce:
    """ABF on a CV with unit-norm gradient (e.g. :class:`AtomCoordinate`).

    Each bin keeps the running mean of the instantaneous force along the CV; the bias
    cancels it, ramped in over the first ``full_after`` samples of a bin.
    """

    cv: AtomCoordinate
    lo: float
    hi: float
    n_bins: int
    full_after: int = 200
    sums: np.ndarray = field(init=False)
    counts: np.ndarray = field(init=False)
    _last_force: float = 0.0

    def __post_init__(self):
        self.sums = np.zeros(self.n_bins)
        self.counts = np.zeros(self.n_bins, dtype=int)

    def _bin(self, xi: float) -> int | None:
        k = int((xi - self.lo) / (self.hi - self.lo) * self.n_bins)
        return k if 0 <= k < self.n_bins else None

    def energy_forces(self, positions: np.ndarray, inner_forces: np.ndarray):
        grad = self.cv.gradient(positions)
        self._last_force = float(np.sum(inner_forces * grad))  # F_xi = -dU/dxi
        k = self._bin(self.cv.value(positions))
        if k is None or self.counts[k] == 0:
            return 0.0, np.zeros_like(positions)
        ramp = min(1.0, self.counts[k] / self.full_after)
        mean = self.sums[k] / self.counts[k]
        return 0.0, -ramp * mean * grad  # no energy: ABF biases forces only

    def update(self, atoms: Atoms) -> None:
        k = self._bin(self.cv.value(atoms.positions))
        if k is not None:
            self.sums[k] += self._last_force
            self.counts[k] += 1

    def free_energy(self) -> tuple[np.ndarray, np.ndarray]:
        """Bin centres and F(xi) = -integral of the mean force (eV), minimum at zero.

        Bins never visited have no estimate and give NaN.
        """
        centres = self.lo + (np.arange(self.n_bins) + 0.5) * (self.hi - self.lo) / self.n_bins
        mean = np.where(self.counts > 0, self.sums / np.maximum(self.counts, 1), np.nan)
        step = (self.hi - self.lo) / self.n_bins
        f = -np.cumsum(np.nan_to_num(mean)) * step
        f[self.counts == 0] = np.nan
        return centres, f - np.nanmin(f)


class BiasedCalculator(Calculator):
    """An ASE calculator = ``inner`` + a bias (anything with ``energy_forces(pos, F_inner)``).

    ``results["unbiased_energy"]`` keeps the physical energy.
    """

    implemented_properties = ["energy", "forces", "free_energy"]

    def __init__(self, inner: Calculator, bias):
        super().__init__()
        self.inner, self.bias = inner, bias

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        work = self.atoms.copy()
        work.calc = self.inner
        energy, forces = work.get_potential_energy(), work.get_forces()
        e_bias, f_bias = self.bias.energy_forces(self.atoms.positions, forces)
        self.results = {"energy": energy + e_bias, "free_energy": energy + e_bias,
                        "forces": forces + f_bias, "unbiased_energy": energy}


class NoBias:
    """The zero bias: plain MD through the same code path."""

    def energy_forces(self, positions: np.ndarray, inner_forces: np.ndarray):
        return 0.0, np.zeros_like(positions)

    def update(self, atoms: Atoms) -> None:
        pass


def adatom_slab(calc: Calculator, symbol: str = "Cu", size: tuple[int, int, int] = (2, 2, 3),
                fix_bottom: bool = True) -> Atoms:
    """A relaxed fcc(100) slab with one adatom in a hollow site (the adatom is the last atom)."""
    from ase.build import add_adsorbate, fcc100
    from ase.constraints import FixAtoms
    from ase.optimize import BFGS

    slab = fcc100(symbol, size=size, vacuum=6.0)
    add_adsorbate(slab, symbol, 1.7, "hollow")
    if fix_bottom:
        slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag == size[2]]))
    slab.calc = calc
    BFGS(slab, logfile=None).run(fmax=0.01)
    slab.calc = None
    return slab


def biased_md(atoms: Atoms, calc: Calculator, bias, cv, *, steps: int, temperature_k: float,
              timestep_fs: float = 2.0, friction_per_fs: float = 0.01, seed: int = 0
              ) -> np.ndarray:
    """Langevin MD on ``calc`` + ``bias``; the bias is updated every step. Returns the CV trace."""
    from .md import langevin

    atoms = atoms.copy()
    atoms.calc = BiasedCalculator(calc, bias)
    dyn = langevin(atoms, temperature_k, timestep_fs=timestep_fs,
                   friction_per_fs=friction_per_fs, seed=seed, zero_momentum=False)
    trace: list[float] = []

    def observe():
        bias.update(atoms)
        trace.append(cv.value(atoms.positions))

    dyn.attach(observe, interval=1)
    dyn.run(steps)
    return np.array(trace)


def constrained_profile(atoms: Atoms, calc: Calculator, cv: AtomCoordinate,
                        grid: np.ndarray, fmax: float = 0.01) -> np.ndarray:
    """0 K energy profile E(xi): the CV coordinate is held at each grid value while every
    other degree of freedom relaxes. Returned relative to its minimum (eV)."""
    from ase.constraints import FixCartesian
    from ase.optimize import BFGS

    mask = [False, False, False]
    mask[cv.axis] = True
    energies = []
    for xi in grid:
        work = atoms.copy()
        work.positions[cv.index, cv.axis] = xi
        work.set_constraint(list(atoms.constraints) + [FixCartesian(cv.index, mask=mask)])
        work.calc = calc
        BFGS(work, logfile=None).run(fmax=fmax)
        energies.append(work.get_potential_energy())
    energies = np.array(energies)
    return energies - energies.min()
