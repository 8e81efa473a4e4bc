"""TorchMD-NET's equivariant transformer and TensorNet (Thölke & De Fabritiis 2022; Simeon &
De Fabritiis 2023) as course models: the library's representation, our readout and loop.

The library builds its own neighbour list, which needs a box in a reduced form and a cutoff
below half its width. We hand it the course's periodic neighbour list instead (any cell, any
size), so the library's layers see exactly the edges our from-scratch models see. A small MLP
reads each atom's scalar features out to an atomic energy; :func:`mlip_course.train.train`
fits it like every other torch model.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

import torch
from ase import Atoms
from ase.data import atomic_numbers
from torch import nn

from ..descriptors.neighbours import species_index
from .bpnn import mlp
from .edges import GivenEdges, edges, no_self_images, with_self_loops


@contextlib.contextmanager
def _c_stderr_silenced():
    """Send file descriptor 2 to /dev/null for a moment (C code ignores sys.stderr)."""
    import os
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


class TorchMDNet(nn.Module):
    """A torchmd-net representation (``arch`` = "et" or "tensornet") + MLP readout + sum."""

    kind = "tnet"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 layers: int = 2, n_rbf: int = 16, arch: str = "et", heads: int = 4,
                 seed: int = 0):
        super().__init__()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                _c_stderr_silenced():
            # NVIDIA Warp's start-up banner and its "no CUDA driver" note
            from torchmdnet.models.tensornet import TensorNet
            from torchmdnet.models.torchmd_et import TorchMD_ET
        try:                                                  # and its kernel-loading log
            import warp

            warp.config.quiet = True
            warp.config.log_level = warp.LOG_WARNING
            with _c_stderr_silenced():      # its C library prints the CUDA note at init
                warp.init()
        except ImportError:         # pragma: no cover - older torchmd-net without Warp kernels
            pass

        if arch not in ("et", "tensornet"):
            raise ValueError(f"arch must be 'et' or 'tensornet', not {arch!r}")
        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "layers": layers, "n_rbf": n_rbf, "arch": arch, "heads": heads,
                       "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        common = dict(hidden_channels=width, num_layers=layers, num_rbf=n_rbf,
                      cutoff_upper=r_cut, max_z=max(atomic_numbers[s] for s in species) + 1,
                      dtype=torch.float64)
        if arch == "et":
            self.representation = TorchMD_ET(num_heads=heads, **common)
        else:
            self.representation = TensorNet(static_shapes=False, **common)
        self.representation.distance = GivenEdges()
        self.readout = mlp(width, [width // 2])
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.register_buffer("numbers", torch.tensor([atomic_numbers[s] for s in species]))
        self.double()

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        dev = positions.device
        e = edges(atoms, positions, self.r_cut)
        no_self_images(e, self.r_cut)
        n = len(atoms)
        self.representation.distance.current = with_self_loops(e, n)
        kind = torch.as_tensor(species_index(atoms, self.species), device=dev)
        z = self.numbers[kind]
        batch = torch.zeros(n, dtype=torch.long, device=dev)
        try:
            x = self.representation(z, positions, batch)[0]
        finally:
            self.representation.distance.current = None
        return self.readout(x).sum() + self.reference[kind].sum()


class TensorNetModel(TorchMDNet):
    """TensorNet (Cartesian rank-2 tensor messages) from torchmd-net."""

    kind = "tensornet"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 layers: int = 2, n_rbf: int = 16, seed: int = 0, **_):
        super().__init__(species, r_cut, width, layers, n_rbf, arch="tensornet", seed=seed)
        self.config.pop("heads")
        self.config.pop("arch")
