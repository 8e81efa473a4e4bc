"""Structure analysis of trajectories: radial distribution functions (more per chapter)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms


def rdf(frames: Sequence[Atoms], r_max: float = 6.0, n_bins: int = 120,
        pair: tuple[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Radial distribution function g(r) averaged over periodic ``frames``.

    ``pair=("Ge", "Te")`` gives a partial g_GeTe(r). Returns bin centres (A) and g(r).
    ``r_max`` must stay below half the smallest cell height (minimum image).
    """
    from matscipy.neighbours import neighbour_list

    frames = list(frames)
    if not frames:
        raise ValueError("rdf() needs at least one frame.")
    edges = np.linspace(0.0, r_max, n_bins + 1)
    hist = np.zeros(n_bins)
    norm = 0.0
    for atoms in frames:
        if not atoms.pbc.all():
            raise ValueError("rdf() needs periodic frames (atoms.pbc all True).")
        heights = atoms.get_volume() / np.linalg.norm(
            np.cross(atoms.cell[[1, 2, 0]], atoms.cell[[2, 0, 1]]), axis=1)
        if r_max > heights.min() / 2:
            raise ValueError(f"r_max={r_max} A exceeds half the cell height "
                             f"({heights.min() / 2:.2f} A); use a bigger cell or smaller r_max.")
        i, j, d = neighbour_list("ijd", atoms, r_max)
        symbols = np.array(atoms.get_chemical_symbols())
        if pair is None:
            n_a, n_b, mask = len(atoms), len(atoms), np.ones(len(d), bool)
        else:
            mask = (symbols[i] == pair[0]) & (symbols[j] == pair[1])
            n_a, n_b = int(np.sum(symbols == pair[0])), int(np.sum(symbols == pair[1]))
        hist += np.histogram(d[mask], edges)[0]
        norm += n_a * n_b / atoms.get_volume()
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    return 0.5 * (edges[1:] + edges[:-1]), hist / (shell * norm)


def first_peak(r: np.ndarray, g: np.ndarray, r_range: tuple[float, float] | None = None) -> float:
    """Position of the highest g(r) maximum (within ``r_range``), refined by a parabola."""
    sel = np.ones_like(r, bool) if r_range is None else (r >= r_range[0]) & (r <= r_range[1])
    k = int(np.flatnonzero(sel)[np.argmax(g[sel])])
    if 0 < k < len(r) - 1:
        y0, y1, y2 = g[k - 1], g[k], g[k + 1]
        denom = y0 - 2 * y1 + y2
        if denom != 0:
            return float(r[k] + 0.5 * (y0 - y2) / denom * (r[1] - r[0]))
    return float(r[k])
