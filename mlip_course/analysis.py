"""Structure analysis of trajectories (RDF, ...) and power-law fits of cost scaling."""

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
    r_max = float(r_max)                          # matscipy rejects an int cutoff
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


def power_law(n: Sequence[float], t: Sequence[float],
              n_range: tuple[float, float] | None = None) -> tuple[float, float]:
    """Least-squares fit of ``t = a * n**b`` in log-log space; returns ``(b, a)``.

    ``n_range`` keeps only points with ``n_min <= n <= n_max`` (at least two are needed).
    Used for cost scaling: time per step vs number of atoms.
    """
    n, t = np.asarray(n, float), np.asarray(t, float)
    if n.shape != t.shape or np.any(n <= 0) or np.any(t <= 0):
        raise ValueError("power_law() needs positive n and t of the same length.")
    keep = np.ones(len(n), bool) if n_range is None else (n >= n_range[0]) & (n <= n_range[1])
    if keep.sum() < 2:
        raise ValueError(f"power_law() needs at least two points in {n_range}; "
                         f"got {int(keep.sum())}.")
    b, log_a = np.polyfit(np.log(n[keep]), np.log(t[keep]), 1)
    return float(b), float(np.exp(log_a))


def first_minimum(r: np.ndarray, g: np.ndarray, after: float, window: float = 1.0) -> float:
    """Position of the first minimum of g(r): the lowest point within ``window`` A beyond the
    first peak found after ``after`` A (robust to the noise of short trajectories; the usual
    bond cutoff for coordination numbers)."""
    start = int(np.searchsorted(r, after))
    peak = start + int(np.argmax(g[start:start + max(3, len(r) // 6)]))
    stop = int(np.searchsorted(r, r[peak] + window))
    return float(r[peak + 1 + int(np.argmin(g[peak + 1:stop + 1]))])


def coordination(frames: Sequence[Atoms], cutoff: float,
                 pair: tuple[str, str] | None = None) -> float:
    """Mean number of neighbours within ``cutoff`` A: of ``pair[1]`` atoms around each
    ``pair[0]`` atom, or of any atom around any atom (``pair=None``)."""
    from matscipy.neighbours import neighbour_list

    counts, centres = 0, 0
    for atoms in frames:
        i, j = neighbour_list("ij", atoms, cutoff)
        symbols = np.array(atoms.get_chemical_symbols())
        if pair is None:
            counts, centres = counts + len(i), centres + len(atoms)
        else:
            counts += int(np.sum((symbols[i] == pair[0]) & (symbols[j] == pair[1])))
            centres += int(np.sum(symbols == pair[0]))
    if centres == 0:
        raise ValueError(f"No {pair[0] if pair else ''} atoms in the frames.")
    return counts / centres


def fragments(atoms: Atoms, bond: float) -> np.ndarray:
    """Fragment (molecule) index of every atom: connected components of the graph of bonds
    shorter than ``bond`` A (minimum image when periodic). Dense: for clusters and molecules."""
    from scipy.sparse.csgraph import connected_components

    d = atoms.get_all_distances(mic=bool(atoms.pbc.any()))
    return connected_components(d < bond, directed=False)[1]


def bond_order_vectors(atoms: Atoms, cutoff: float, l: int = 4,
                       average: bool = True) -> np.ndarray:
    """Steinhardt bond-orientational vectors, normalised: q_lm(i) = mean of Y_lm over the bonds
    of atom i shorter than ``cutoff`` A; with ``average`` (Lechner & Dellago 2008) also averaged
    over i's neighbours, which smooths thermal noise. Complex, shape (n, 2l + 1); l = 4 sees
    cubic (octahedral) order, l = 6 icosahedral."""
    from matscipy.neighbours import neighbour_list
    from scipy.special import sph_harm_y

    i, j, d = neighbour_list("ijD", atoms, cutoff)
    r = np.linalg.norm(d, axis=1)
    theta, phi = np.arccos(np.clip(d[:, 2] / r, -1, 1)), np.arctan2(d[:, 1], d[:, 0])
    y = sph_harm_y(l, np.arange(-l, l + 1)[None], theta[:, None], phi[:, None])
    bonds = np.bincount(i, minlength=len(atoms))
    q = np.zeros((len(atoms), 2 * l + 1), complex)
    np.add.at(q, i, y)
    q /= np.maximum(bonds, 1)[:, None]
    if average:
        summed = q.copy()
        np.add.at(summed, i, q[j])
        q = summed / (1 + bonds)[:, None]
    size = np.linalg.norm(q, axis=1, keepdims=True)
    return q / np.where(size > 0, size, 1.0)


def crystalline(atoms: Atoms, cutoff: float = 3.6, l: int = 4, bond_threshold: float = 0.8,
                min_bonds: int = 4) -> np.ndarray:
    """Which atoms are crystal-like (ten Wolde-Frenkel): a bond i-j is "ordered" when the
    averaged, normalised q_l vectors of i and j agree (Re q(i).q(j)* > ``bond_threshold``); an
    atom with at least ``min_bonds`` ordered bonds is crystalline. Boolean array (n,). The
    defaults separate the course's GeTe DFT frames: crystals at 600 K ~95 % crystalline,
    liquid and amorphous ~4 %."""
    from matscipy.neighbours import neighbour_list

    q = bond_order_vectors(atoms, cutoff, l)
    i, j = neighbour_list("ij", atoms, cutoff)
    agree = np.real(np.sum(q[i] * np.conj(q[j]), axis=1))
    return np.bincount(i, weights=agree > bond_threshold, minlength=len(atoms)) >= min_bonds


def rings(atoms: Atoms, cutoff: float, max_size: int = 8) -> list[tuple[int, ...]]:
    """Shortest-path rings (King's criterion) of the bond network (bonds shorter than
    ``cutoff`` A), up to ``max_size`` members: for every atom i and every pair of its
    neighbours j, k, the shortest path from j to k that avoids i closes a ring through i.
    Loops that close only through the periodic boundary (their bond vectors do not sum to
    zero) are not rings. Returns each distinct ring once, as atom indices in ring order."""
    from matscipy.neighbours import neighbour_list

    i, j, d = neighbour_list("ijD", atoms, cutoff)
    bonded = [set() for _ in range(len(atoms))]
    vector = {}
    for a, b, v in zip(i, j, d):
        bonded[a].add(int(b))
        vector[int(a), int(b)] = v
    found: dict[frozenset, tuple[int, ...]] = {}
    for centre, partners in enumerate(bonded):
        partners = sorted(partners)
        for n, start in enumerate(partners):
            for end in partners[n + 1:]:
                path = _shortest_path(bonded, start, end, centre, max_size - 2)
                if path is not None:
                    ring = (centre, *path)
                    closure = sum(vector[p, q] for p, q in zip(ring, ring[1:] + ring[:1]))
                    if np.abs(closure).max() < 1e-6:
                        found.setdefault(frozenset(ring), ring)
    return list(found.values())


def _shortest_path(bonded: list[set[int]], start: int, end: int, avoid: int,
                   max_edges: int) -> tuple[int, ...] | None:
    """Breadth-first shortest path start -> end not through ``avoid``, at most ``max_edges``."""
    parent = {start: -1}
    frontier = [start]
    for _ in range(max_edges):
        nxt = []
        for node in frontier:
            for other in bonded[node]:
                if other != avoid and other not in parent:
                    parent[other] = node
                    if other == end:
                        path = [end]
                        while parent[path[-1]] != -1:
                            path.append(parent[path[-1]])
                        return tuple(reversed(path))
                    nxt.append(other)
        frontier = nxt
    return None


def abab_fraction(atoms: Atoms, found: list[tuple[int, ...]], a: set[str],
                  b: set[str]) -> float:
    """Fraction of the four-membered rings in ``found`` that alternate A-B-A-B (e.g. A = Ge,
    Sb and B = Te): the square motifs of rocksalt-like order in phase-change glasses."""
    symbols = np.array(atoms.get_chemical_symbols())
    squares = [r for r in found if len(r) == 4]
    if not squares:
        raise ValueError("No four-membered rings found; is the bond cutoff too short?")
    kinds = [["a" if symbols[k] in a else "b" if symbols[k] in b else "?" for k in r]
             for r in squares]
    return float(np.mean([k in (["a", "b", "a", "b"], ["b", "a", "b", "a"]) for k in kinds]))


def ring_statistics(frames: Sequence[Atoms], cutoff: float, a: set[str], b: set[str],
                    max_size: int = 8) -> dict[str, float]:
    """Ring statistics of a set of frames (e.g. the last snapshots of a glass): the share of
    3- to ``max_size``-membered rings among all rings found, and the mean A-B-A-B share of the
    four-membered ones (:func:`abab_fraction`). Keys ``"3-rings"``..., ``"ABAB of 4-rings"``."""
    if not frames:
        raise ValueError("ring_statistics needs at least one frame.")
    found = [rings(atoms, cutoff, max_size=max_size) for atoms in frames]
    sizes = np.bincount([len(r) for f in found for r in f], minlength=max_size + 1)[3:]
    if sizes.sum() == 0:
        raise ValueError(f"No rings of 3 to {max_size} members within {cutoff} A; "
                         "is the bond cutoff too short?")
    share = sizes / sizes.sum()
    abab = np.mean([abab_fraction(atoms, f, a, b) for atoms, f in zip(frames, found)])
    return {**{f"{n}-rings": float(s) for n, s in zip(range(3, max_size + 1), share)},
            "ABAB of 4-rings": float(abab)}


def bond_angles(frames: Sequence[Atoms], cutoff: float, centre: str | None = None,
                bins: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """Distribution of bond angles (degrees) at ``centre`` atoms (any atom if None) between
    pairs of neighbours within ``cutoff`` A; returns bin centres and a normalised density."""
    from matscipy.neighbours import neighbour_list

    angles = []
    for atoms in frames:
        i, dvec = neighbour_list("iD", atoms, cutoff)
        symbols = np.array(atoms.get_chemical_symbols())
        starts = np.searchsorted(i, np.arange(len(atoms) + 1))
        for a in range(len(atoms)):
            if centre is not None and symbols[a] != centre:
                continue
            v = dvec[starts[a]:starts[a + 1]]
            if len(v) < 2:
                continue
            u = v / np.linalg.norm(v, axis=1)[:, None]
            cos = (u @ u.T)[np.triu_indices(len(u), 1)]
            angles.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    if not angles:
        raise ValueError("No bond angles: no centre atom has two neighbours within the cutoff.")
    hist, edges = np.histogram(np.concatenate(angles), bins=bins, range=(0, 180), density=True)
    return 0.5 * (edges[1:] + edges[:-1]), hist


def short_long_bonds(atoms: Atoms, centre: str, neighbour: str, n: int = 6,
                     r_max: float = 4.5) -> tuple[float, float]:
    """Mean length (A) of the shorter and of the longer half of the ``n`` nearest ``neighbour``
    atoms of every ``centre`` atom: equal on ideal rocksalt sites, split by a Peierls-like
    (3 + 3) distortion. Centres with fewer than ``n`` such neighbours within ``r_max`` are skipped."""
    from matscipy.neighbours import neighbour_list

    i, j, d = neighbour_list("ijd", atoms, r_max)
    symbols = np.array(atoms.get_chemical_symbols())
    short, long = [], []
    for k in np.flatnonzero(symbols == centre):
        x = np.sort(d[(i == k) & (symbols[j] == neighbour)])[:n]
        if len(x) == n:
            short.append(x[: n // 2].mean())
            long.append(x[n // 2:].mean())
    if not short:
        raise ValueError(f"No {centre} atom has {n} {neighbour} neighbours within {r_max} A.")
    return float(np.mean(short)), float(np.mean(long))


def msd(frames: Sequence[Atoms], species: str | None = None,
        max_lag: int | None = None) -> np.ndarray:
    """Mean squared displacement (A^2) against lag (in frames) for unwrapped positions (ASE
    dynamics do not wrap atoms back into the cell), averaged over ``species`` atoms.

    Without ``max_lag`` every frame is measured from the first (one time origin). With it,
    lags ``0..max_lag`` are averaged over every time origin, which is much less noisy.
    """
    frames = list(frames)
    if len(frames) < 2:
        raise ValueError("msd() needs at least two frames.")
    pos = np.array([a.positions for a in frames])
    mask = np.ones(pos.shape[1], bool) if species is None else \
        np.array(frames[0].get_chemical_symbols()) == species
    if not mask.any():
        raise ValueError(f"No {species} atoms in the frames.")
    jumps = np.abs(np.diff(pos, axis=0)).max()
    cell_min = min(np.linalg.norm(frames[0].cell, axis=1))
    if jumps > 0.5 * cell_min:
        raise ValueError("An atom moved by half a cell between frames: the positions look "
                         "wrapped. Save unwrapped positions (ASE MD does not wrap).")
    pos = pos[:, mask]
    if max_lag is None:
        return np.mean(np.sum((pos - pos[0]) ** 2, axis=2), axis=1)
    if not 0 < max_lag < len(frames):
        raise ValueError(f"max_lag must be between 1 and {len(frames) - 1}.")
    out = np.zeros(max_lag + 1)
    for lag in range(1, max_lag + 1):
        out[lag] = np.mean(np.sum((pos[lag:] - pos[:-lag]) ** 2, axis=2))
    return out


def diffusion_coefficient(times_ps: np.ndarray, msd_a2: np.ndarray,
                          fit_from_ps: float) -> float:
    """Einstein relation in 3-D: D = slope(MSD vs t) / 6, fitted for t >= ``fit_from_ps``;
    returns D in cm^2/s (1 A^2/ps = 1e-4 cm^2/s)."""
    keep = np.asarray(times_ps) >= fit_from_ps
    if keep.sum() < 3:
        raise ValueError("Fewer than three MSD points in the fitting window.")
    slope = np.polyfit(np.asarray(times_ps)[keep], np.asarray(msd_a2)[keep], 1)[0]
    return float(slope / 6.0 * 1e-4)


def diffusion_with_error(frames: Sequence[Atoms], species: str, dt_ps: float,
                         fit_from_ps: float, fit_to_ps: float, blocks: int = 2
                         ) -> tuple[float, float]:
    """D (cm^2/s) of ``species`` from the every-origin MSD of the whole run, fitted between
    ``fit_from_ps`` and ``fit_to_ps``, and its standard error from ``blocks`` independent
    blocks of the run (each analysed the same way)."""
    frames = list(frames)
    lag = int(round(fit_to_ps / dt_ps))
    size = len(frames) // blocks
    if size <= lag:
        raise ValueError(f"Blocks of {size} frames are too short for lags up to {fit_to_ps} ps.")

    def fit(part: Sequence[Atoms]) -> float:
        m = msd(part, species, max_lag=lag)
        return diffusion_coefficient(dt_ps * np.arange(lag + 1), m, fit_from_ps)

    per_block = [fit(frames[k * size:(k + 1) * size]) for k in range(blocks)]
    return fit(frames), float(np.std(per_block, ddof=1) / np.sqrt(blocks))


def arrhenius(temperatures_k: Sequence[float], d: Sequence[float]) -> tuple[float, float]:
    """Fit D = D0 exp(-Ea / kB T); returns (Ea in eV, D0 in the units of ``d``)."""
    from ase.units import kB

    t, d = np.asarray(temperatures_k, float), np.asarray(d, float)
    if len(t) < 2 or np.any(d <= 0):
        raise ValueError("arrhenius() needs two or more positive diffusion coefficients.")
    slope, intercept = np.polyfit(1.0 / t, np.log(d), 1)
    return float(-slope * kB), float(np.exp(intercept))


def arrhenius_extrapolate(temperatures_k: Sequence[float], d: Sequence[float],
                          d_err: Sequence[float], at_k: float) -> tuple[float, float]:
    """Weighted Arrhenius fit of ``d`` +- ``d_err`` (any units), evaluated at ``at_k`` K:
    returns the predicted D and its standard error, propagated from the fit's covariance
    (from the error bars, inflated by the reduced chi^2 when the points scatter more than
    their error bars say; at least three temperatures)."""
    t, d, e = (np.asarray(v, float) for v in (temperatures_k, d, d_err))
    if len(t) < 3 or np.any(d <= 0) or np.any(e <= 0):
        raise ValueError("arrhenius_extrapolate() needs three or more positive D with errors.")
    x_fit, y, w = 1.0 / t, np.log(d), d / e                 # sigma(ln D) = e / d
    (slope, icpt), cov = np.polyfit(x_fit, y, 1, w=w, cov="unscaled")
    chi2_red = float(np.sum((w * (y - (slope * x_fit + icpt))) ** 2)) / (len(t) - 2)
    cov = cov * max(1.0, chi2_red)
    x = np.array([1.0 / at_k, 1.0])
    log_d, log_err = x @ [slope, icpt], float(np.sqrt(x @ cov @ x))
    return float(np.exp(log_d)), float(np.exp(log_d) * log_err)


def closest_pair(atoms: Atoms, within: float = 4.0) -> tuple[float, int, int] | None:
    """The shortest interatomic distance in A (periodic images included) and its atoms
    (i <= j; i == j: an atom and its own image), among pairs closer than ``within`` A; None
    when no pair is that close. A short neighbour list, not all N^2 distances."""
    from .descriptors.neighbours import neighbour_vectors

    i, j, vec = neighbour_vectors(atoms, within)
    if len(i) == 0:
        return None
    r = np.linalg.norm(vec, axis=1)
    k = int(np.argmin(r))
    return float(r[k]), int(min(i[k], j[k])), int(max(i[k], j[k]))


def first_collapse(frames: Sequence[Atoms], min_distance: float = 1.5) -> int | None:
    """Index of the first frame in which two atoms are closer than ``min_distance`` A (an MD
    run that fell into an unphysical hole of its potential), or None if there is none."""
    from matscipy.neighbours import neighbour_list

    for k, atoms in enumerate(frames):
        if len(neighbour_list("i", atoms, min_distance)):
            return k
    return None


def stop_if_collapsed(frames: Sequence[Atoms], what: str, advice: str,
                      min_distance: float = 1.5) -> None:
    """For MD scripts: end the run (``SystemExit`` naming ``what``, the first collapsed
    snapshot and ``advice``) when two atoms came closer than ``min_distance`` A."""
    k = first_collapse(frames, min_distance)
    if k is not None:
        raise SystemExit(f"{what}: atoms collapsed at snapshot {k}; {advice}")
