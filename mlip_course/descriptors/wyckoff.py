"""A symmetry descriptor: space group and Wyckoff-site occupation (via spglib).

Crystal-structure-prediction models that work without atomic positions describe a crystal by
its space group and which Wyckoff positions each element occupies (e.g. Wren, Goodall et al.
2022). We encode: a one-hot of the 7 crystal systems, the space-group number / 230, and, for
every element and Wyckoff letter, the fraction of atoms of that element on that letter. It is
global, exactly invariant, and coarse: it cannot see distortions below ``symprec`` -- a
rattled or amorphous cell is P1 with every atom on site 1a.
"""

from __future__ import annotations

from collections.abc import Sequence
from string import ascii_lowercase

import numpy as np
from ase import Atoms

from .neighbours import check_species, species_index

SYSTEMS = ("triclinic", "monoclinic", "orthorhombic", "tetragonal", "trigonal", "hexagonal",
           "cubic")
_SYSTEM_START = (1, 3, 16, 75, 143, 168, 195)   # first space-group number of each system


def crystal_system(number: int) -> str:
    return SYSTEMS[int(np.searchsorted(_SYSTEM_START, number, side="right")) - 1]


def symmetry(atoms: Atoms, symprec: float = 0.1) -> tuple[int, str, list[str]]:
    """(space-group number, international symbol, Wyckoff letter of each atom)."""
    import warnings

    import spglib

    if not atoms.pbc.all():
        raise ValueError("The Wyckoff descriptor needs a periodic crystal (pbc=True on all axes).")
    cell = (np.asarray(atoms.cell), atoms.get_scaled_positions(), atoms.numbers)
    with warnings.catch_warnings():  # spglib's notice about its old error handling
        warnings.simplefilter("ignore", DeprecationWarning)
        data = spglib.get_symmetry_dataset(cell, symprec=symprec)
    if data is None:
        return 1, "P1", ["a"] * len(atoms)
    return int(data.number), str(data.international), list(data.wyckoffs)


class WyckoffDescriptor:
    """Global symmetry descriptor (see module docstring); ``create`` -> (n_features,)."""

    local = False

    def __init__(self, species: Sequence[str], symprec: float = 0.1):
        self.species, self.symprec = check_species(species), symprec
        self.n_features = len(SYSTEMS) + 1 + len(self.species) * 27   # a-z and alpha

    def create(self, atoms: Atoms) -> np.ndarray:
        kind = species_index(atoms, self.species)
        number, _, letters = symmetry(atoms, self.symprec)
        out = np.zeros(self.n_features)
        out[SYSTEMS.index(crystal_system(number))] = 1.0
        out[len(SYSTEMS)] = number / 230.0
        base = len(SYSTEMS) + 1
        for k, letter in zip(kind, letters):
            col = ascii_lowercase.index(letter) if letter in ascii_lowercase else 26
            out[base + k * 27 + col] += 1.0 / len(atoms)
        return out
