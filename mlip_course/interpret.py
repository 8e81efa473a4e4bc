"""Looking inside a local potential: per-atom energies and feature attributions.

A local MLIP writes the energy as a sum of atomic contributions, E = sum_i E_i, so every model
of the course has per-atom energies "for free" (:func:`atomic_energies`). They are not
observables: only the sum is fixed by the data, and two models that agree on E may split it
differently. Feature attribution asks which inputs of one atom's network make its E_i differ
from a reference environment; :func:`integrated_gradients` (Sundararajan et al. 2017) answers
with attributions that add up exactly to that difference (completeness), the property
SHAP values also have.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from ase import Atoms



def atomic_energies(model, atoms: Atoms) -> np.ndarray:
    """Per-atom energies (eV), summing to the model's total energy: for the course's atomic
    networks (BPNN, DeepPot-SE) and linear potentials (MTP, ACE, SNAP-like)."""
    if isinstance(model, torch.nn.Module) and hasattr(model, "atomic_energies"):
        with torch.no_grad():
            pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
            return model.atomic_energies(atoms, pos).numpy()
    if hasattr(model, "atomic_energies"):
        return model.atomic_energies(atoms)
    raise TypeError(f"{type(model).__name__} has no per-atom energies here; use a BPNN, "
                    "DeepPot-SE or linear (MTP/ACE) model.")


def integrated_gradients(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                         baseline: torch.Tensor, steps: int = 64) -> np.ndarray:
    """Attributions (n, n_features) of ``f`` (rows -> one value per row) at inputs ``x``
    (n, n_features) against ``baseline`` (n_features,): (x - x0) times the gradient averaged
    along the straight path from x0 to x (midpoint rule). They sum to f(x) - f(x0) up to the
    quadrature error, which shrinks as ``steps`` grows."""
    alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps
    total = torch.zeros_like(x)
    for a in alphas:
        point = (baseline + a * (x - baseline)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(point).sum(), point)
        total += grad
    return ((x - baseline) * total / steps).detach().numpy()


def network_attributions(model, atoms: Atoms, element: str, baseline: np.ndarray,
                         steps: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Integrated-gradient attributions of the per-atom energies of ``element`` atoms in an
    atomic network (BPNN), against the raw descriptor vector ``baseline``; returns
    (attributions (n_element_atoms, n_features), E_i - E(baseline) (n_element_atoms,))."""
    pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
    sel = np.flatnonzero(np.array(atoms.get_chemical_symbols()) == element)
    if not len(sel):
        raise ValueError(f"{atoms.get_chemical_formula()} has no {element} atoms.")
    with torch.no_grad():
        x = (model.descriptor.torch_features(atoms, pos)[sel] - model.mean) / model.std
        x0 = (torch.as_tensor(baseline) - model.mean) / model.std
        net = model.nets[element]
        delta = (net(x) - net(x0[None])).squeeze(-1).numpy()
    return integrated_gradients(lambda z: net(z).squeeze(-1), x, x0, steps), delta
