"""Models F: from descriptors to energy (forces by differentiation).

Every model has ``fit(frames)`` (or is trained by :mod:`mlip_course.train`) and
``predict(atoms) -> (energy, forces[, stress])``, so :class:`mlip_course.calculator.MLIPCalculator`
turns it into an ASE calculator.
"""

from .linear import LinearPotential

__all__ = ["LinearPotential"]
