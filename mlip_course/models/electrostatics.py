"""Long-range electrostatics added to a local model: fixed point charges between molecules.

A local MLIP sees nothing beyond its cutoff, so the slow 1/r^n tail of the interaction between
charged or polar fragments is invisible to it. The simplest fix (the idea behind
"third-generation" NN potentials, here with fixed instead of environment-dependent charges)
adds a Coulomb term between atoms of *different* molecules and fits the local model to what
remains:

    E = E_local(cutoff) + sum_{i<j, mol(i) != mol(j)} k q_i q_j / r_ij

The Coulomb energy scales as q^2, so for one charge parameter q the whole term is q^2 times
its value at q = 1 (``coulomb(..., scale)``). Finite systems only (molecules in a box, with
no periodic images in the sum); a periodic crystal needs an Ewald sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from ase import Atoms, units

from ..analysis import fragments

#: k = 1 / (4 pi eps0) in eV A / e^2
COULOMB_K = units.Hartree * units.Bohr


def molecules(atoms: Atoms, bond: float = 1.3) -> np.ndarray:
    """Molecule index of every atom: connected components of bonds shorter than ``bond`` A."""
    return fragments(atoms, bond)


def coulomb(atoms: Atoms, charges: Mapping[str, float], bond: float = 1.3
            ) -> tuple[float, np.ndarray]:
    """Coulomb energy (eV) and forces (eV/A) between point charges ``charges[element]`` (e)
    on atoms of different molecules; atoms of one molecule do not interact."""
    missing = sorted(set(atoms.get_chemical_symbols()) - set(charges))
    if missing:
        raise ValueError(f"No charge for {missing}; give charges={{element: e, ...}} for all.")
    q = np.array([charges[s] for s in atoms.get_chemical_symbols()])
    mol = molecules(atoms, bond)
    for m in np.unique(mol):
        if abs(q[mol == m].sum()) > 1e-6:
            raise ValueError(f"Molecule {m} carries charge {q[mol == m].sum():+.3f} e; the fixed "
                             "charges must make every molecule neutral (e.g. q_O = -2 q_H).")
    vec = atoms.positions[None] - atoms.positions[:, None]                  # r_j - r_i
    r = np.linalg.norm(vec, axis=-1)
    other = mol[:, None] != mol[None]
    inv = np.where(other, 1.0 / np.where(other, r, 1.0), 0.0)
    qq = COULOMB_K * q[:, None] * q[None]
    energy = 0.5 * float(np.sum(qq * inv))
    # F_i = -dE/dr_i = sum_j k q_i q_j (r_i - r_j) / r_ij^3, and vec[i, j] = r_j - r_i
    forces = -np.einsum("ij,ijk->ik", qq * inv**3, vec)
    return energy, forces


def interaction_frames(frames: Sequence[Atoms], calc, bond: float = 1.3) -> list[Atoms]:
    """Copies of molecular ``frames`` labelled with their interaction energy and forces,
    E(AB..) - E(A) - E(B) - ..., each molecule computed alone by ``calc`` at its geometry in
    the frame. What is left is what the molecules do to each other."""
    from ase.calculators.singlepoint import SinglePointCalculator

    out = []
    for atoms in frames:
        mol = molecules(atoms, bond)
        energy, forces = atoms.get_potential_energy(), atoms.get_forces().copy()
        for m in np.unique(mol):
            part = atoms[mol == m]
            part.calc = calc
            energy -= part.get_potential_energy()
            forces[mol == m] -= part.get_forces()
        copy = atoms.copy()
        copy.calc = SinglePointCalculator(copy, energy=energy, forces=forces)
        out.append(copy)
    return out


class LocalPlusCoulomb:
    """A fitted local model plus the fixed-charge Coulomb term: ``predict(atoms)`` returns
    (energy, forces) like every course model, so ``as_calculator`` works on it."""

    def __init__(self, local, charges: Mapping[str, float], bond: float = 1.3):
        self.local, self.charges, self.bond = local, dict(charges), bond

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        e_local, f_local = self.local.predict(atoms)[:2]
        e_c, f_c = coulomb(atoms, self.charges, self.bond)
        return e_local + e_c, np.asarray(f_local) + f_c


def without_coulomb(design, charges_of, q: float):
    """``design`` (a :class:`mlip_course.committee.Design`) with the Coulomb term of charge
    parameter ``q`` subtracted from its labels: what the local model has to fit.
    ``charges_of(q)`` maps q to ``{element: charge}``; the term scales as q^2."""
    unit = [coulomb(a, charges_of(1.0)) for a in design.frames]
    e_unit = np.array([e for e, _ in unit]) / design.n_atoms
    return design.with_labels(design.energy - q**2 * e_unit,
                              [f - q**2 * u.reshape(-1) for f, (_, u) in zip(design.forces, unit)])


def fit_charge(design, indices, groups, charges_of, grid) -> tuple[float, dict[float, float]]:
    """The charge parameter q (from ``grid``) whose Coulomb term, subtracted from the labels,
    leaves the residual the local model of ``design`` (a :class:`mlip_course.committee.Design`)
    fits best in leave-one-group-out cross-validation. ``charges_of(q)`` maps q to
    ``{element: charge}``. Returns the best q and the CV force RMSE (meV/A) per q."""
    scores = {}
    for q in grid:
        residual = without_coulomb(design, charges_of, q)
        _, cv = residual.select_ridge(indices, groups, grid=(residual.model.ridge,))
        scores[float(q)] = next(iter(cv.values()))
    return min(scores, key=scores.get), scores
