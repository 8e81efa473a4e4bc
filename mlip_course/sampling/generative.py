"""A small denoising diffusion model (DDPM; Ho, Jain & Abbeel 2020) over cluster coordinates.

Training adds Gaussian noise to known structures and teaches a network to predict it,

    x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,     loss = |eps - eps_theta(x_t, t)|^2;

sampling runs the noise backwards from pure Gaussian noise. The denoiser is E(n)-equivariant
(Satorras et al. 2021): messages depend only on interatomic distances and coordinates move
along interatomic vectors, so rotating or permuting the atoms rotates or permutes the
prediction -- no canonical frame is needed (a principal-axes frame is degenerate for
symmetric clusters such as the icosahedron). Noise is kept centred (no net translation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn


def separate(positions: np.ndarray, min_distance: float, iterations: int = 200) -> np.ndarray:
    """Push apart pairs closer than ``min_distance`` (a sample may put two atoms on top of
    each other, which a local optimiser cannot recover from)."""
    x = np.array(positions, dtype=float)
    for _ in range(iterations):
        diff = x[:, None] - x[None]
        d = np.linalg.norm(diff, axis=-1) + np.eye(len(x)) * 1e9
        if d.min() >= min_distance:
            break
        push = np.where(d < min_distance, (min_distance - d) / 2 / np.maximum(d, 1e-6), 0.0)
        x += np.einsum("ij,ijk->ik", push, diff)
    return x


class EquivariantBlock(nn.Module):
    """One EGNN layer on a fully connected cluster: distance-based messages, coordinate
    updates along interatomic vectors, feature updates from summed messages."""

    def __init__(self, hidden: int):
        super().__init__()
        self.message = nn.Sequential(nn.Linear(2 * hidden + 1, hidden), nn.SiLU(),
                                     nn.Linear(hidden, hidden), nn.SiLU())
        self.weight = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1))
        self.update = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.SiLU(),
                                    nn.Linear(hidden, hidden))

    def forward(self, h: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, f = h.shape
        diff = x[:, :, None] - x[:, None]
        d2 = (diff**2).sum(-1, keepdim=True)
        mask = (1 - torch.eye(n, dtype=x.dtype))[None, :, :, None]
        m = self.message(torch.cat([h[:, :, None].expand(b, n, n, f),
                                    h[:, None].expand(b, n, n, f), d2], -1)) * mask
        x = x + (diff * self.weight(m) * mask).sum(2) / (n - 1)
        h = h + self.update(torch.cat([h, m.sum(2)], -1))
        return h, x


class EquivariantDenoiser(nn.Module):
    """eps_theta(x_t, t): a time embedding, ``layers`` equivariant blocks, centred output."""

    def __init__(self, n_steps: int, hidden: int = 32, layers: int = 3):
        super().__init__()
        self.time = nn.Embedding(n_steps, hidden)
        self.blocks = nn.ModuleList(EquivariantBlock(hidden) for _ in range(layers))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h = self.time(t)[:, None].expand(-1, x.shape[1], -1)
        y = x
        for block in self.blocks:
            h, y = block(h, y)
        eps = y - x
        return eps - eps.mean(1, keepdim=True)


def _centred_noise(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    z = torch.randn(shape, generator=generator)
    return z - z.mean(1, keepdim=True)


class ClusterDiffusion:
    """DDPM over the coordinates of clusters of one composition."""

    def __init__(self, n_steps: int = 100, beta_max: float = 0.05, hidden: int = 32,
                 layers: int = 3, seed: int = 0):
        self.n_steps = n_steps
        self.betas = torch.linspace(1e-4, beta_max, n_steps)
        self.abar = torch.cumprod(1 - self.betas, dim=0)
        self.generator = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.net = EquivariantDenoiser(n_steps, hidden, layers)
        self.symbols: list[str] = []
        self.scale = 1.0
        self.min_distance = 0.0

    def fit(self, frames: Sequence[Atoms], iterations: int = 800, batch: int = 32,
            lr: float = 2e-3) -> list[float]:
        """Train on ``frames`` (one composition); return the loss every 100 iterations."""
        if len({a.get_chemical_formula() for a in frames}) != 1:
            raise ValueError("All training structures must have the same composition.")
        self.symbols = list(frames[0].get_chemical_symbols())
        x0 = torch.tensor(np.array([a.positions - a.positions.mean(0) for a in frames]),
                          dtype=torch.float32)
        self.scale = float(x0.std())
        x0 = x0 / self.scale
        self.min_distance = 0.8 * min(float(a.get_all_distances()[np.triu_indices(len(a), 1)].min())
                                      for a in frames)
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        losses = []
        for it in range(iterations):
            idx = torch.randint(0, len(x0), (batch,), generator=self.generator)
            t = torch.randint(0, self.n_steps, (batch,), generator=self.generator)
            eps = _centred_noise((batch, *x0.shape[1:]), self.generator)
            ab = self.abar[t][:, None, None]
            loss = ((self.net(ab.sqrt() * x0[idx] + (1 - ab).sqrt() * eps, t) - eps) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if it % 100 == 0:
                losses.append(float(loss.detach()))
        return losses

    @torch.no_grad()
    def sample(self, n: int) -> list[Atoms]:
        """``n`` new structures by ancestral sampling, overlapping atoms pushed apart."""
        if not self.symbols:
            raise RuntimeError("Train the model first: fit(frames).")
        x = _centred_noise((n, len(self.symbols), 3), self.generator)
        for t in reversed(range(self.n_steps)):
            beta, ab = self.betas[t], self.abar[t]
            eps = self.net(x, torch.full((n,), t, dtype=torch.long))
            x = (x - beta / (1 - ab).sqrt() * eps) / (1 - beta).sqrt()
            if t > 0:
                x = x + beta.sqrt() * _centred_noise(tuple(x.shape), self.generator)
        return [Atoms(self.symbols, positions=separate(p, self.min_distance))
                for p in (x * self.scale).double().numpy()]
