"""DeepPot-SE (Zhang et al. 2018): per-element networks on a *learned* smooth descriptor.

The same per-element sum as Behler-Parrinello (:class:`~mlip_course.models.bpnn.AtomicNetwork`),
but the descriptor's embedding network (see :mod:`mlip_course.descriptors.deeppot`) is trained
together with the fitting networks, so the model learns which radial features matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..descriptors.deeppot import DeepPotDescriptor
from .bpnn import AtomicNetwork


class DeepPotSE(AtomicNetwork):
    """Embedding nets (one per neighbour element) -> D_i (m1 x m2) -> per-element MLP -> sum."""

    kind = "deeppot"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, r_smooth: float = 4.0,
                 m1: int = 16, m2: int = 4, embed_hidden: int = 16,
                 hidden: Sequence[int] = (32, 32), seed: int = 0):
        super().__init__()
        self.config = {"species": list(species), "r_cut": r_cut, "r_smooth": r_smooth, "m1": m1,
                       "m2": m2, "embed_hidden": embed_hidden, "hidden": list(hidden),
                       "seed": seed}
        torch.manual_seed(seed)
        descriptor = DeepPotDescriptor(species, r_cut, r_smooth, m1=m1, m2=m2,
                                       hidden=embed_hidden, seed=seed)
        self._build(species, descriptor, hidden)
