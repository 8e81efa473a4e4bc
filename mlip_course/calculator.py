"""One adapter from any course model to an ASE ``Calculator``.

A course model is anything with ``predict(atoms) -> (energy, forces)`` or
``(energy, forces, stress)``: energy in eV, forces (N, 3) in eV/A, stress (6,) Voigt in
eV/A^3. ``MLIPCalculator(model)`` makes it usable by every ASE tool: optimisers, MD,
phonopy, the GA, equation-of-state fits, ...

>>> atoms.calc = MLIPCalculator(model)
>>> atoms.get_potential_energy(), atoms.get_forces()
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes


class ExactStateCheck:
    """Calculator mixin: what changed since the last call (ASE's ``all_changes`` names),
    told by exact comparison. ASE's default compares every array with a tolerance and took
    two thirds of an MD step of a 13-atom Lennard-Jones cluster."""

    def check_state(self, atoms, tol=1e-15):
        old = self.atoms
        if old is None or len(old) != len(atoms):
            return list(all_changes)
        pairs = {"positions": (old.positions, atoms.positions),
                 "numbers": (old.numbers, atoms.numbers),
                 "cell": (old.cell.array, atoms.cell.array), "pbc": (old.pbc, atoms.pbc)}
        for name in ("initial_charges", "initial_magmoms"):
            pairs[name] = (old.arrays.get(name), atoms.arrays.get(name))
        return [name for name in all_changes
                if name in pairs and not _same(*pairs[name])]


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


@runtime_checkable
class Predictor(Protocol):
    """What the adapter needs from a model."""

    def predict(self, atoms: Atoms) -> tuple: ...


class MLIPCalculator(Calculator):
    """ASE calculator around a course model's ``predict(atoms)``."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, model: Predictor, **kwargs):
        if not isinstance(model, Predictor):
            raise TypeError(
                f"{type(model).__name__} has no predict(atoms) method; a course model must "
                "return (energy [eV], forces [eV/A]) or (energy, forces, stress [eV/A^3])."
            )
        super().__init__(**kwargs)
        self.model = model

    def calculate(self, atoms: Atoms | None = None, properties=("energy",),
                  system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        out = self.model.predict(self.atoms)
        if not isinstance(out, tuple) or len(out) not in (2, 3):
            raise TypeError("predict(atoms) must return (energy, forces) or (energy, forces, stress).")
        energy, forces = float(out[0]), np.asarray(out[1], dtype=float)
        n = len(self.atoms)
        if forces.shape != (n, 3):
            raise ValueError(f"predict returned forces of shape {forces.shape}; expected ({n}, 3).")
        self.results = {"energy": energy, "free_energy": energy, "forces": forces}
        if len(out) == 3 and out[2] is not None:
            stress = np.asarray(out[2], dtype=float)
            if stress.shape == (3, 3):
                stress = stress[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]
            self.results["stress"] = stress
        elif "stress" in properties:
            raise PropertyNotImplementedError(
                f"{type(self.model).__name__} predicts no stress; use NVT MD or fixed-cell "
                "relaxation, or a model that returns stress."
            )


def as_calculator(model: Predictor) -> MLIPCalculator:
    """Shorthand for ``MLIPCalculator(model)``."""
    return MLIPCalculator(model)


__all__ = ["MLIPCalculator", "as_calculator", "Predictor"]
