"""From per-atom rows to one vector per structure, for models of total energies (KRR)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms


def pooled(desc, frames: Sequence[Atoms], species: Sequence[str]) -> np.ndarray:
    """One row per frame: a global descriptor as it is; a local one averaged over the atoms
    of each element in ``species`` and concatenated (zeros for an absent element)."""
    rows = []
    for atoms in frames:
        x = np.asarray(desc.create(atoms), float)
        if not desc.local:
            rows.append(x.ravel())
            continue
        symbols = np.array(atoms.get_chemical_symbols())
        parts = [x[symbols == s].mean(axis=0) if np.any(symbols == s) else np.zeros(x.shape[1])
                 for s in species]
        rows.append(np.concatenate(parts))
    return np.array(rows)
