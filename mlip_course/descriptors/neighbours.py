"""Neighbour lists and species bookkeeping shared by the local descriptors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers


def check_species(species: Sequence[str]) -> list[str]:
    """Return ``species`` as a list; a clear error for names that are not elements."""
    unknown = [s for s in species if s not in atomic_numbers]
    if unknown:
        raise ValueError(f"Unknown element(s) {unknown}; use chemical symbols like 'Cu'.")
    if not species:
        raise ValueError("Give at least one element in `species`, e.g. species=['Ge', 'Te'].")
    return list(species)


def species_index(atoms: Atoms, species: Sequence[str]) -> np.ndarray:
    """Position of each atom's element in ``species``; an error names missing elements."""
    symbols = atoms.get_chemical_symbols()
    missing = sorted(set(symbols) - set(species))
    if missing:
        raise ValueError(f"The descriptor was built for {list(species)}; the structure also "
                         f"has {missing}. Add them to `species`.")
    lookup = {s: k for k, s in enumerate(species)}
    return np.array([lookup[s] for s in symbols], dtype=int)


def neighbour_pairs(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, shift) for every ordered pair closer than ``cutoff`` (periodic images included).

    The Cartesian shift of j is ``shift @ cell``. A finite system (pbc all False) is boxed.
    """
    from matscipy.neighbours import neighbour_list

    if atoms.pbc.any() and np.any(atoms.cell.lengths()[atoms.pbc] == 0):
        raise ValueError("Periodic atoms need a cell; set atoms.cell or atoms.pbc = False.")
    if not atoms.pbc.any():
        atoms = atoms.copy()
        span = np.ptp(atoms.positions, axis=0) + 2 * cutoff + 1.0
        atoms.cell = np.diag(span)
        atoms.center()
    i, j, shift = neighbour_list("ijS", atoms, cutoff)
    return i, j, shift


def neighbour_vectors(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, vec): pairs within ``cutoff``, sorted by i, with vec = r_j - r_i (images included)."""
    i, j, shift = neighbour_pairs(atoms, cutoff)
    vec = atoms.positions[j] - atoms.positions[i] + shift @ np.asarray(atoms.cell)
    order = np.argsort(i, kind="stable")
    return i[order], j[order], vec[order]


def cosine_cutoff(r: np.ndarray, cutoff: float) -> np.ndarray:
    """f_c(r) = (cos(pi r / r_c) + 1) / 2 for r < r_c, else 0: smooth to zero at the cutoff."""
    return np.where(r < cutoff, 0.5 * (np.cos(np.pi * r / cutoff) + 1.0), 0.0)


def chebyshev_radial(r: np.ndarray, cutoff: float, n: int, r_min: float = 0.0) -> np.ndarray:
    """(len(r), n) radial basis: Chebyshev polynomials T_k of r scaled to [-1, 1] on
    [r_min, cutoff], times (1 - r/cutoff)^2 so that value and slope vanish at the cutoff
    (the form used by moment tensor potentials)."""
    x = np.clip(2 * (r - r_min) / (cutoff - r_min) - 1, -1, 1)
    t = np.polynomial.chebyshev.chebvander(x, n - 1)
    envelope = np.where(r < cutoff, (1 - r / cutoff) ** 2, 0.0)
    return t * envelope[:, None]


def torch_radial_channels(atoms: Atoms, positions: "torch.Tensor", species: Sequence[str],
                          cutoff: float, n: int, r_min: float = 0.0):
    """Differentiable pieces shared by the moment-tensor and ACE bases: unit vectors u (P, 3),
    Chebyshev radial functions f (P, n) as in :func:`chebyshev_radial`, and for each pair and
    radial index the flat slot ``i * C + c`` (P * n,) of its centre atom and channel c =
    element(j) * n + k, with C = len(species) * n."""
    import torch

    dev, dt = positions.device, positions.dtype
    i, j, shift = neighbour_pairs(atoms, cutoff)
    cell = torch.as_tensor(np.asarray(atoms.cell), dtype=dt, device=dev)
    vec = positions[j] - positions[i] + torch.as_tensor(shift, dtype=dt, device=dev) @ cell
    r = torch.linalg.norm(vec, dim=1)
    x = torch.clamp(2 * (r - r_min) / (cutoff - r_min) - 1, -1, 1)
    cheb = [torch.ones_like(x), x]
    for _ in range(2, n):
        cheb.append(2 * x * cheb[-1] - cheb[-2])
    f = torch.stack(cheb[:n], dim=1) * ((1 - r / cutoff) ** 2)[:, None]
    c = len(species) * n
    chan = torch.as_tensor(species_index(atoms, species)[j][:, None] * n + np.arange(n),
                           device=dev)
    row = torch.as_tensor(i, device=dev)[:, None].expand(-1, n)
    return vec / r[:, None], f, (row * c + chan).reshape(-1), c
