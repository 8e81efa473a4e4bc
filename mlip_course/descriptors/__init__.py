"""Descriptors D(S): turn an atomic structure into numbers a model can learn from.

Every descriptor has the dscribe shape: a constructor taking ``species`` and its
hyper-parameters, and ``create(atoms) -> (n_atoms, n_features)`` array. Torch-based ones also
offer ``torch_features(atoms, positions)`` so forces follow by automatic differentiation.
"""

from .radial import RadialBasis

__all__ = ["RadialBasis"]
