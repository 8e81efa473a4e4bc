"""The seven criteria for a good descriptor (Wang et al. 2024, Table 1), as measurements.

Each function returns a number, so a notebook can assert both passes and known failures:

- invariance to translation, rotation, permutation: max |D(T x) - D(x)| under random T;
- uniqueness: the descriptor distance between two structures that are *not* the same;
- continuity: |D(x + h d) - D(x)| / h for a small random displacement (a Lipschitz estimate),
  and the jump when a neighbour crosses the cutoff;
- compactness: features per atom and the effective rank over a set of structures;
- efficiency: wall time per atom.

A descriptor is any object with ``create(atoms)`` and a boolean ``local`` (per-atom rows).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from scipy.spatial.transform import Rotation


def _create(desc, atoms: Atoms) -> np.ndarray:
    return np.asarray(desc.create(atoms), float)


def translation_error(desc, atoms: Atoms, trials: int = 3, seed: int = 0) -> float:
    """Max |D(x + t) - D(x)| over random translations t (periodic atoms are wrapped)."""
    rng = np.random.default_rng(seed)
    ref = _create(desc, atoms)
    worst = 0.0
    for _ in range(trials):
        moved = atoms.copy()
        moved.translate(rng.uniform(-3, 3, size=3))
        if moved.pbc.any():
            moved.wrap()
        worst = max(worst, float(np.abs(_create(desc, moved) - ref).max()))
    return worst


def rotation_error(desc, atoms: Atoms, trials: int = 3, seed: int = 0) -> float:
    """Max |D(R x) - D(x)| over random rotations R (the cell rotates with the atoms)."""
    ref = _create(desc, atoms)
    worst = 0.0
    for k in range(trials):
        rot = Rotation.random(random_state=seed + k).as_matrix()
        moved = atoms.copy()
        if moved.pbc.any():
            moved.set_cell(np.asarray(atoms.cell) @ rot.T, scale_atoms=True)
        else:
            moved.positions = atoms.positions @ rot.T
        worst = max(worst, float(np.abs(_create(desc, moved) - ref).max()))
    return worst


def permutation_error(desc, atoms: Atoms, trials: int = 3, seed: int = 0) -> float:
    """Max |D(P x) - P D(x)| over random re-orderings P of the atoms (rows follow the atoms
    for a local descriptor; a global one must not change at all)."""
    rng = np.random.default_rng(seed)
    ref = _create(desc, atoms)
    worst = 0.0
    for _ in range(trials):
        perm = rng.permutation(len(atoms))
        out = _create(desc, atoms[perm])
        expected = ref[perm] if desc.local else ref
        worst = max(worst, float(np.abs(out - expected).max()))
    return worst


def distance(desc, a: Atoms, b: Atoms, centre: int | None = 0) -> float:
    """|D(a) - D(b)|: of atom ``centre`` for a local descriptor (mean over atoms if None)."""
    da, db = _create(desc, a), _create(desc, b)
    if desc.local:
        da, db = (da.mean(axis=0), db.mean(axis=0)) if centre is None else (da[centre], db[centre])
    return float(np.linalg.norm(da - db))


def lipschitz(desc, atoms: Atoms, h: float = 1e-4, trials: int = 3, seed: int = 0) -> float:
    """max |D(x + h d) - D(x)| / h over random unit displacements d (finite = continuous)."""
    rng = np.random.default_rng(seed)
    ref = _create(desc, atoms)
    worst = 0.0
    for _ in range(trials):
        d = rng.normal(size=atoms.positions.shape)
        d /= np.linalg.norm(d)
        moved = atoms.copy()
        moved.positions = atoms.positions + h * d
        worst = max(worst, float(np.linalg.norm(_create(desc, moved) - ref)) / h)
    return worst


def cutoff_jump(desc, r_cut: float, centre: str = "Ge", neighbour: str = "Te",
                delta: float = 1e-4, spectator: float = 2.6) -> float:
    """|D(r_c - delta) - D(r_c + delta)| / (2 delta) for the centre when a neighbour crosses
    the cutoff: a finite slope (like :func:`lipschitz`) means no jump; a jump gives ~1/delta.

    The centre keeps one spectator neighbour at ``spectator`` A so its environment is not empty.
    """
    def build(r: float) -> Atoms:
        return Atoms([centre, neighbour, neighbour],
                     positions=[[0, 0, 0], [r, 0, 0], [0, spectator, 0]], pbc=False)
    return distance(desc, build(r_cut - delta), build(r_cut + delta)) / (2 * delta)


def effective_rank(x: np.ndarray) -> float:
    """exp(entropy) of the normalised singular values of the (centred) feature matrix: the
    number of directions the data really use (Roy & Vetterli 2007)."""
    s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def time_per_atom(desc, atoms: Atoms, repeats: int = 3) -> float:
    """Best of ``repeats`` wall times of ``create`` divided by the number of atoms (s)."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        desc.create(atoms)
        best = min(best, time.perf_counter() - t0)
    return best / len(atoms)


def degenerate_environments(radius: float = 2.5, centre: str = "Ge", neighbour: str = "Te"
                            ) -> tuple[Atoms, Atoms]:
    """Two different environments that every 3-body descriptor maps to the same point.

    Four neighbours on a circle of eight equally spaced sites, at sites {0,1,3,4} or {0,1,2,5}.
    Seen from the centre, both sets have the same neighbour distances and the same six pair
    angles (45, 45, 90, 135, 135 and 180 degrees), yet no rotation or reflection maps one onto
    the other (a homometric pair, cf. Pozdnyakov et al. 2020). The
    centre atom is index 0.
    """
    def ring(sites: Sequence[int]) -> Atoms:
        ang = 2 * np.pi * np.asarray(sites) / 8
        pos = np.c_[radius * np.cos(ang), radius * np.sin(ang), np.zeros(len(sites))]
        return Atoms(centre + neighbour * len(sites), positions=np.vstack([[0, 0, 0], pos]),
                     pbc=False)
    return ring([0, 1, 3, 4]), ring([0, 1, 2, 5])


def evaluate(desc, atoms: Atoms, dataset: Sequence[Atoms], pair: tuple[Atoms, Atoms],
             reference_pair: tuple[Atoms, Atoms], r_cut: float | None = None) -> dict[str, float]:
    """All seven criteria for one descriptor, as a dict of numbers (one table row).

    ``atoms`` is the test structure for invariance, continuity and timing; ``dataset`` gives
    the effective rank; ``pair`` should be hard to tell apart and ``reference_pair`` an
    ordinary pair of different structures: uniqueness = d(pair) / d(reference_pair), so ~0
    means the descriptor confuses the pair. ``r_cut`` (local descriptors) adds the slope
    across the cutoff.
    """
    rows = [np.atleast_2d(_create(desc, a)) for a in dataset]
    x = np.concatenate(rows)
    return {
        "translation": translation_error(desc, atoms),
        "rotation": rotation_error(desc, atoms),
        "permutation": permutation_error(desc, atoms),
        "uniqueness": distance(desc, *pair) / max(distance(desc, *reference_pair), 1e-300),
        "lipschitz": lipschitz(desc, atoms),
        "cutoff_slope": cutoff_jump(desc, r_cut) if r_cut else float("nan"),
        "features": float(x.shape[1]),
        "effective_rank": effective_rank(x),
        "us_per_atom": 1e6 * time_per_atom(desc, atoms),
    }
