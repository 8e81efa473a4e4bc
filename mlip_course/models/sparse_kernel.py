"""Sparse kernel regression and random Fourier features on ACSF, fitted to energies AND forces.

Both write the atomic energy as a linear combination of M basis functions of the (standardised)
descriptor G_i of the atom's element s:

    sparse KRR:  eps_i = sum_m  alpha_sm  k(G_i, G_m^s),   k = exp(-|G - G'|^2 / 2 sigma^2)
    random FFs:  eps_i = sum_m  alpha_sm  sqrt(2/M) cos(w_m . G_i + b_m),  w ~ N(0, 1/sigma^2)

with M representative environments G_m^s (farthest-point sampling: the "sparse points" of GAP)
or M random frequencies (Rahimi & Recht 2007, which approximate the same Gaussian kernel). The
energy, and therefore every force component, is linear in alpha: one ridge solve fits both, as
for the polynomial models. The saving of random features: no kernel between environments is
ever formed, so training costs O(N M^2) and never O(N^3) (review 001, ref. 112).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms

from ..descriptors.acsf import ACSF
from ..descriptors.selection import farthest_point_sampling
from .bpnn import DEFAULT_G2, DEFAULT_G4
from .kernel import typical_distance
from .linear import fit_linear


class KernelPotential:
    """Gaussian-kernel atomic energies on ACSF: ``basis="sparse"`` (KRR) or ``"fourier"`` (RFF)."""

    kind = "krr"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, n_basis: int = 200,
                 basis: str = "sparse", sigma_scale: float = 1.0, ridge: float = 1e-8,
                 force_weight: float = 1.0, seed: int = 0, energy_weight: float = 1.0):
        if basis not in ("sparse", "fourier"):
            raise ValueError(f"basis must be 'sparse' or 'fourier', not {basis!r}")
        self.config = {"species": list(species), "r_cut": r_cut, "n_basis": n_basis,
                       "basis": basis, "sigma_scale": sigma_scale, "ridge": ridge,
                       "force_weight": force_weight, "energy_weight": energy_weight, "seed": seed}
        self.species = list(species)
        self.energy_weight = energy_weight
        self.descriptor = ACSF(species, r_cut, DEFAULT_G2, DEFAULT_G4)
        self.basis, self.n_basis = basis, int(n_basis)
        self.sigma_scale, self.ridge, self.force_weight, self.seed = (
            sigma_scale, ridge, force_weight, seed)
        nf = self.descriptor.n_features
        ns = len(self.species)
        # fitted state (one array so save/load is a single file): see _pack/_unpack
        self.mean, self.std = np.zeros(nf), np.ones(nf)
        self.centres = np.zeros((ns, self.n_basis, nf))     # sparse points or frequencies w
        self.phases = np.zeros((ns, self.n_basis))          # b (Fourier only)
        self.sigma = np.ones(ns)
        self.alpha: np.ndarray | None = None                 # (ns * (1 + M),)

    @property
    def n_parameters(self) -> int:
        return len(self.species) * (1 + self.n_basis)

    # --- basis functions and their derivatives ---------------------------------------------
    def _basis(self, g: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
        """phi (n, M) and dphi/dg (n, M, nf) for standardised features ``g`` of element s."""
        if self.basis == "sparse":
            diff = g[:, None, :] - self.centres[s][None]                 # (n, M, nf)
            phi = np.exp(-0.5 * (diff**2).sum(-1) / self.sigma[s] ** 2)
            return phi, -phi[:, :, None] * diff / self.sigma[s] ** 2
        arg = g @ self.centres[s].T + self.phases[s]
        amp = np.sqrt(2.0 / self.n_basis)
        return amp * np.cos(arg), -amp * np.sin(arg)[:, :, None] * self.centres[s][None]

    def _rows(self, atoms: Atoms, forces: bool = True):
        """Energy row (P,) and force rows (3N, P): energy and forces are linear in alpha."""
        pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
        g = self.descriptor.torch_features(atoms, pos).numpy()
        g = (g - self.mean) / self.std
        kind = self.descriptor._species_index(atoms)
        n, m = len(atoms), self.n_basis
        e_row = np.zeros((len(self.species), 1 + m))
        f_rows = np.zeros((n, 3, len(self.species), 1 + m)) if forces else None
        if forces:     # dG/dr: (n, nf, n, 3), scaled by the standardisation
            # forward mode: 3N inputs << n * nf outputs
            jac = torch.func.jacfwd(lambda p: self.descriptor.torch_features(atoms, p))(pos)
            jac = jac.numpy()
            jac = jac / self.std[None, :, None, None]
        for s in range(len(self.species)):
            sel = np.flatnonzero(kind == s)
            if not len(sel):
                continue
            phi, dphi = self._basis(g[sel], s)
            e_row[s, 0] = len(sel)
            e_row[s, 1:] = phi.sum(0)
            if forces:
                f_rows[:, :, s, 1:] = -np.einsum("imf,ifac->acm", dphi, jac[sel])
        return e_row.reshape(-1), (f_rows.reshape(3 * n, -1) if forces else None)

    # --- fit / predict -------------------------------------------------------------------
    def _setup_basis(self, frames: Sequence[Atoms]) -> None:
        feats = [self.descriptor.create(a) for a in frames]
        kinds = [self.descriptor._species_index(a) for a in frames]
        x = np.concatenate(feats)
        self.mean, self.std = x.mean(axis=0), x.std(axis=0) + 1e-6
        rng = np.random.default_rng(self.seed)
        k_all = np.concatenate(kinds)
        for s in range(len(self.species)):
            xs = (x[k_all == s] - self.mean) / self.std
            if not len(xs):
                continue
            self.sigma[s] = self.sigma_scale * typical_distance(xs)
            if self.basis == "sparse":
                take = farthest_point_sampling(xs, min(self.n_basis, len(xs)))
                self.centres[s, : len(take)] = xs[take]
            else:
                self.centres[s] = rng.normal(0, 1 / self.sigma[s], self.centres[s].shape)
                self.phases[s] = rng.uniform(0, 2 * np.pi, self.n_basis)

    def fit(self, frames: Sequence[Atoms]) -> "KernelPotential":
        """Choose the basis from ``frames``, then one ridge solve on energies and forces."""
        self._setup_basis(frames)
        self.alpha = fit_linear(frames, self._rows, self.ridge, self.force_weight,
                                self.energy_weight)
        return self

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Energy (eV) and forces (eV/A): the same sum in torch, forces by one backward pass."""
        if self.alpha is None:
            raise RuntimeError("The model is not fitted; call fit(frames) first.")
        pos = torch.as_tensor(atoms.positions, dtype=torch.float64).requires_grad_(True)
        g = (self.descriptor.torch_features(atoms, pos) - torch.as_tensor(self.mean)) \
            / torch.as_tensor(self.std)
        kind = self.descriptor._species_index(atoms)
        alpha = torch.as_tensor(self.alpha).reshape(len(self.species), -1)
        energy = g.new_zeros(())
        for s in range(len(self.species)):
            sel = torch.as_tensor(np.flatnonzero(kind == s))
            if not len(sel):
                continue
            c = torch.as_tensor(self.centres[s])
            if self.basis == "sparse":
                phi = torch.exp(-0.5 * torch.cdist(g[sel], c) ** 2 / self.sigma[s] ** 2)
            else:
                phi = np.sqrt(2.0 / self.n_basis) * torch.cos(
                    g[sel] @ c.T + torch.as_tensor(self.phases[s]))
            energy = energy + alpha[s, 0] * len(sel) + (phi @ alpha[s, 1:]).sum()
        (grad,) = torch.autograd.grad(energy, pos)
        return float(energy.detach()), -grad.numpy()

    # --- persistence (used by mlip_course.train.save/load) ---------------------------------
    @property
    def weights(self) -> np.ndarray:
        parts = [self.mean, self.std, self.centres.ravel(), self.phases.ravel(), self.sigma,
                 self.alpha if self.alpha is not None else np.zeros(self.n_parameters)]
        return np.concatenate(parts)

    @weights.setter
    def weights(self, flat: np.ndarray) -> None:
        out = []
        for arr in (self.mean, self.std, self.centres, self.phases, self.sigma):
            out.append(flat[: arr.size].reshape(arr.shape))
            flat = flat[arr.size:]
        self.mean, self.std, self.centres, self.phases, self.sigma = out
        self.alpha = flat.copy()


class RandomFeaturePotential(KernelPotential):
    """Random Fourier features approximating the same Gaussian kernel (no sparse points)."""

    kind = "rff"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, n_basis: int = 200,
                 sigma_scale: float = 1.0, ridge: float = 1e-8, force_weight: float = 1.0,
                 seed: int = 0, energy_weight: float = 1.0, **_):
        super().__init__(species, r_cut, n_basis, "fourier", sigma_scale, ridge, force_weight,
                         seed, energy_weight)
        self.config.pop("basis")
