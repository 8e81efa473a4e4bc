"""Thin, uniform wrappers over the descriptor libraries (dscribe, quippy).

Every function returns an object with ``create(atoms) -> np.ndarray`` -- (n_features,) for a
global descriptor, (n_atoms, n_features) for a local one -- and the attributes ``local`` and
``n_features``, like the from-scratch descriptors of this package. Defaults are small, sensible
choices for GeTe-like systems (cutoffs in A).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from .neighbours import check_species, species_index


class _Dscribe:
    """Adapter: dscribe descriptor + flags; ``create`` accepts one Atoms.

    dscribe fixes ``periodic`` at construction; with ``finite`` given (the same descriptor
    built with periodic=False) structures without pbc use it, so one object serves both.
    """

    def __init__(self, inner, local: bool, name: str, finite=None):
        self.inner, self.local, self.name, self.finite = inner, local, name, finite

    @property
    def n_features(self) -> int:
        return int(self.inner.get_number_of_features())

    def create(self, atoms: Atoms) -> np.ndarray:
        species = {atomic_numbers[s] for s in self.inner.species} \
            if hasattr(self.inner, "species") and self.inner.species is not None else None
        if species is not None and not set(atoms.numbers) <= species:
            extra = sorted({s for s in atoms.get_chemical_symbols()
                            if atomic_numbers[s] not in species})
            raise ValueError(f"{self.name} was built without {extra}; add them to `species`.")
        inner = self.finite if self.finite is not None and not atoms.pbc.any() else self.inner
        with warnings.catch_warnings():  # dscribe calls ASE's deprecated get_calculator()
            warnings.simplefilter("ignore", FutureWarning)
            return np.asarray(inner.create(atoms), float)


def coulomb_matrix(n_atoms_max: int, permutation: str = "sorted_l2", seed: int = 0,
                   sigma: float | None = None) -> _Dscribe:
    """Coulomb matrix (Rupp et al. 2012), flattened: ``permutation`` is "none" (plain),
    "sorted_l2" (rows sorted by norm), "eigenspectrum" or "random" (noisy sorting, ``sigma``)."""
    from dscribe.descriptors import CoulombMatrix

    kw = {"sigma": sigma or 1.0, "seed": seed} if permutation == "random" else {}
    return _Dscribe(CoulombMatrix(n_atoms_max=n_atoms_max, permutation=permutation, **kw),
                    False, "coulomb_matrix")


def ewald_sum_matrix(n_atoms_max: int, permutation: str = "sorted_l2") -> _Dscribe:
    """Ewald sum matrix (Faber et al. 2015): Coulomb interactions of a periodic crystal."""
    from dscribe.descriptors import EwaldSumMatrix

    return _Dscribe(EwaldSumMatrix(n_atoms_max=n_atoms_max, permutation=permutation), False,
                    "ewald_sum_matrix")


def sine_matrix(n_atoms_max: int, permutation: str = "sorted_l2") -> _Dscribe:
    """Sine matrix (Faber et al. 2015): a cheap periodic stand-in for the Ewald matrix."""
    from dscribe.descriptors import SineMatrix

    return _Dscribe(SineMatrix(n_atoms_max=n_atoms_max, permutation=permutation), False,
                    "sine_matrix")


def mbtr(species: Sequence[str], r_max: float = 8.0, n: int = 60, sigma: float = 0.1,
         periodic: bool = True) -> _Dscribe:
    """Many-body tensor representation (Huo & Rupp), k = 2: inverse-distance distributions
    per element pair, damped as exp(-r / r0) with r0 chosen so that pairs beyond ``r_max``
    weigh less than 1e-3 (they are dropped), normalised per structure."""
    from dscribe.descriptors import MBTR

    geometry = {"function": "inverse_distance"}
    grid = {"min": 1.0 / r_max, "max": 1.0, "n": n, "sigma": sigma / r_max}
    weighting = {"function": "exp", "scale": float(np.log(1e3) / r_max), "threshold": 1e-3}

    def make(p: bool):
        return MBTR(species=check_species(species), geometry=geometry, grid=grid,
                    weighting=weighting, periodic=p, normalization="l2")
    return _Dscribe(make(periodic), False, "mbtr", finite=make(False))


def soap(species: Sequence[str], r_cut: float = 5.0, n_max: int = 6, l_max: int = 4,
         sigma: float = 0.5, weighting: dict | None = None, periodic: bool = True) -> _Dscribe:
    """Smooth overlap of atomic positions (Bartok et al. 2013): the power spectrum of a
    Gaussian-smeared neighbour density, per element pair. ``weighting`` scales neighbours
    radially (e.g. {"function": "poly", "r0": 5, "c": 1, "m": 1}), the "optimised SOAP" knob."""
    from dscribe.descriptors import SOAP

    kw = {"weighting": weighting} if weighting else {}

    def make(p: bool):
        return SOAP(species=check_species(species), r_cut=r_cut, n_max=n_max, l_max=l_max,
                    sigma=sigma, periodic=p, **kw)
    return _Dscribe(make(periodic), True, "soap", finite=make(False))


class Bispectrum:
    """SO(4) bispectrum (SNAP-style, Thompson et al. 2015) through quippy's
    ``bispectrum_so4``; neighbours of element s weigh ``weights[s]`` (default: 1 each)."""

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, j_max: int = 4,
                 weights: Sequence[float] | None = None):
        from quippy.descriptors import Descriptor

        self.species = check_species(species)
        w = list(weights) if weights is not None else [1.0] * len(self.species)
        z = " ".join(str(atomic_numbers[s]) for s in self.species)
        args = (f"bispectrum_so4 cutoff={r_cut} j_max={j_max} n_species={len(self.species)} "
                f"species_Z={{{z}}} w={{{' '.join(str(float(x)) for x in w)}}}")
        self._d = Descriptor(args)
        self.n_features = int(self._d.dimensions())

    def create(self, atoms: Atoms) -> np.ndarray:
        species_index(atoms, self.species)
        out = self._d.calc(atoms)
        data = np.asarray(out["data"], float)
        order = np.argsort(np.concatenate([np.ravel(c) for c in out["ci"]]))  # 1-based centres
        return data[order]
