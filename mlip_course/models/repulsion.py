"""A short-range core repulsion (ZBL) added to a learned model.

A model trained on DFT frames knows nothing about distances shorter than the shortest in its
data; there it may predict attraction, and a hot MD run can fall into that hole (two atoms
fuse). The usual cure, besides more data, is a physical repulsive core: the universal
Ziegler-Biersack-Littmark (ZBL) screened nuclear repulsion, switched off smoothly between
``r_inner`` and ``r_outer``, so that nothing changes where the data are (DeePMD, ACE and
LAMMPS' ``pair_style zbl`` do the same).

    E_ZBL(r) = Z_i Z_j e^2 / (4 pi eps0 r) * phi(r / a),  a = 0.46850 / (Z_i^0.23 + Z_j^0.23) A
    phi(x) = 0.18175 e^(-3.19980 x) + 0.50986 e^(-0.94229 x) + 0.28022 e^(-0.40290 x)
             + 0.02817 e^(-0.20162 x)
"""

from __future__ import annotations

import numpy as np
from ase import Atoms, units
from ase.data import chemical_symbols

_C = np.array([0.18175, 0.50986, 0.28022, 0.02817])
_D = np.array([3.19980, 0.94229, 0.40290, 0.20162])
_KE = units.Hartree * units.Bohr                        # e^2 / (4 pi eps0) in eV A


def zbl_pair(r: np.ndarray, z1: np.ndarray, z2: np.ndarray, r_inner: float | np.ndarray,
             r_outer: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Switched ZBL energy (eV) and its derivative dE/dr (eV/A) for pair distances ``r``."""
    a = 0.46850 / (z1**0.23 + z2**0.23)
    x = r / a
    phi = (_C * np.exp(-_D * x[:, None])).sum(1)
    dphi = -(_C * _D * np.exp(-_D * x[:, None])).sum(1) / a
    pre = _KE * z1 * z2
    e = pre * phi / r
    de = pre * (dphi / r - phi / r**2)
    t = np.clip((r - r_inner) / (r_outer - r_inner), 0.0, 1.0)          # cosine switch 1 -> 0
    s = 0.5 * (1 + np.cos(np.pi * t))
    ds = np.where((t > 0) & (t < 1), -0.5 * np.pi * np.sin(np.pi * t) / (r_outer - r_inner), 0.0)
    return e * s, de * s + e * ds


def shortest_pairs(frames, cutoff: float = 4.0) -> dict[tuple[str, str], float]:
    """The shortest distance (A) of every element pair in ``frames`` (pairs closer than
    ``cutoff``), keys sorted alphabetically, e.g. ``{("Ge", "Te"): 2.25, ...}``."""
    from ase.neighborlist import neighbor_list

    out: dict[tuple[str, str], float] = {}
    for atoms in frames:
        i, j, d = neighbor_list("ijd", atoms, cutoff)
        code = 1000 * np.minimum(atoms.numbers[i], atoms.numbers[j]) + np.maximum(
            atoms.numbers[i], atoms.numbers[j])
        for c in np.unique(code):
            key = tuple(sorted((chemical_symbols[c // 1000], chemical_symbols[c % 1000])))
            out[key] = min(out.get(key, np.inf), float(d[code == c].min()))
    return out


class WithCoreRepulsion:
    """``model`` plus a ZBL core between ``r_inner`` and ``r_outer`` A (zero beyond): a
    predictor like every course model (``predict(atoms) -> (energy, forces)``).

    ``windows`` gives each element pair its own ``(r_inner, r_outer)``; pairs not in it use the
    global pair. :meth:`from_data` places each window just below the shortest distance of that
    pair in the training frames, so the core is as strong as possible where the model has no
    data and exactly zero where it has.
    """

    def __init__(self, model, r_inner: float = 1.2, r_outer: float = 2.0,
                 windows: dict[tuple[str, str], tuple[float, float]] | None = None):
        self.windows = {tuple(sorted(k)): tuple(v) for k, v in (windows or {}).items()}
        for r_in, r_out in [(r_inner, r_outer), *self.windows.values()]:
            if not 0 < r_in < r_out:
                raise ValueError("Need 0 < r_inner < r_outer (A) for the repulsive core.")
        self.model, self.r_inner, self.r_outer = model, r_inner, r_outer

    @classmethod
    def from_data(cls, model, frames, width: float = 0.8,
                  margin: float = 0.1) -> "WithCoreRepulsion":
        """A core for each element pair ending ``margin`` A below its shortest distance in
        ``frames`` and switching on over ``width`` A."""
        windows = {k: (r - margin - width, r - margin) for k, r in shortest_pairs(frames).items()}
        return cls(model, windows=windows)

    def _window(self, atoms: Atoms, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r_in, r_out = np.full(len(i), self.r_inner), np.full(len(i), self.r_outer)
        sym = np.array(atoms.get_chemical_symbols())
        for (a, b), (lo, hi) in self.windows.items():
            pick = ((sym[i] == a) & (sym[j] == b)) | ((sym[i] == b) & (sym[j] == a))
            r_in[pick], r_out[pick] = lo, hi
        return r_in, r_out

    def core(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Energy (eV) and forces (eV/A) of the repulsive core alone."""
        from ase.neighborlist import neighbor_list

        reach = max([self.r_outer, *(hi for _, hi in self.windows.values())])
        i, j, d, vec = neighbor_list("ijdD", atoms, reach)
        r_in, r_out = self._window(atoms, i, j)
        z = atoms.numbers
        e, de = zbl_pair(d, z[i].astype(float), z[j].astype(float), r_in, r_out)
        forces = np.zeros((len(atoms), 3))
        pair_force = (de / d)[:, None] * vec                   # dE/dr_j for pair (i, j)
        np.add.at(forces, i, pair_force)
        np.add.at(forces, j, -pair_force)
        return 0.5 * float(e.sum()), 0.5 * forces               # every pair listed twice

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        e_model, f_model = self.model.predict(atoms)[:2]
        e_core, f_core = self.core(atoms)
        return e_model + e_core, np.asarray(f_model) + f_core


def pair_scan(model, atoms: Atoms, i: int, j: int, distances) -> np.ndarray:
    """Energy change (eV) of ``model`` when atom ``j`` is moved along the (minimum-image) line
    from atom ``i`` to the given distances (A), everything else fixed: a probe of what a model
    predicts at short contacts its training data never showed."""
    vec = atoms.get_distance(i, j, mic=True, vector=True)
    unit = vec / np.linalg.norm(vec)
    e0 = model.predict(atoms)[0]
    out = []
    for r in distances:
        moved = atoms.copy()
        moved.positions[j] = moved.positions[i] + unit * r
        out.append(model.predict(moved)[0] - e0)
    return np.array(out)
