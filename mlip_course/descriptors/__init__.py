"""Descriptors D(S): turn an atomic structure into numbers a model can learn from.

Every descriptor has the dscribe shape: a constructor taking ``species`` and its
hyper-parameters, ``create(atoms)`` returning (n_atoms, n_features) for a local descriptor or
(n_features,) for a global one, and the attributes ``local`` and ``n_features``. Torch-based
ones also offer ``torch_features(atoms, positions)`` so forces follow by autograd.

- ``radial``: element-resolved Gaussian radial functions (used by the linear warm-up model);
- ``acsf``: Behler-Parrinello symmetry functions and weighted ACSF, from scratch;
- ``mtp``: moment-tensor invariants; ``ace``: a 2-/3-body atomic cluster expansion;
- ``deeppot``: the Deep Potential (smooth edition) learned descriptor (torch);
- ``graph``: CGCNN crystal graph and convolutions (torch);
- ``wyckoff``: space group and Wyckoff occupation (spglib);
- ``library``: Coulomb/Ewald/sine matrices, MBTR, SOAP (dscribe) and the bispectrum (quippy);
- ``selection``: farthest-point sampling and CUR; ``checks``: the seven criteria as numbers;
- ``neighbours``: neighbour lists, cutoff and radial functions shared by the above.
"""

__all__ = ["RadialBasis"]


def __getattr__(name: str):
    # lazily, so that the torch-free helpers (neighbours) load without torch
    if name == "RadialBasis":
        from .radial import RadialBasis

        return RadialBasis
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
