"""Normal-mode sampling: displace a minimum along its vibrational modes (Smith et al. 2017, ANI).

Near a minimum the energy is harmonic, E(x) ~ E0 + x^T H x / 2 with H the Hessian. The
classical Boltzmann distribution of the displacement x is then Gaussian: along each
eigenvector v_k of H (eigenvalue lambda_k, eV/A^2) the amplitude has variance
kT / lambda_k. Sampling it costs one Hessian (6N force calls by finite differences, done by
``ase.vibrations``) and no MD at all; the mean harmonic energy is (n_modes / 2) kT.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import numpy as np
from ase import Atoms, units
from ase.vibrations import Vibrations


@dataclass
class Modes:
    """Eigenpairs of the Hessian of ``atoms`` (a minimum), rigid-body modes removed."""

    atoms: Atoms
    stiffness: np.ndarray   # (n_modes,) eigenvalues, eV/A^2
    vectors: np.ndarray     # (n_modes, N, 3) unit eigenvectors
    frequencies_cm: np.ndarray  # mass-weighted harmonic frequencies, cm^-1 (all 3N)

    @property
    def n_modes(self) -> int:
        return len(self.stiffness)


def normal_modes(atoms: Atoms, calc, delta: float = 0.01, tol: float = 1e-3) -> Modes:
    """Finite-difference Hessian of ``atoms`` with ``calc`` (ase.vibrations, central
    differences of size ``delta`` A). Modes with |eigenvalue| < ``tol`` eV/A^2 (translations,
    rotations of a free cluster) are dropped; a negative eigenvalue above ``tol`` means
    ``atoms`` is not a minimum, and raises."""
    atoms = atoms.copy()
    atoms.calc = calc
    with tempfile.TemporaryDirectory() as tmp:
        vib = Vibrations(atoms, delta=delta, name=f"{tmp}/vib")
        vib.run()
        data = vib.get_vibrations()
        freqs = np.real_if_close(data.get_frequencies())
    hessian = data.get_hessian_2d()
    lam, vec = np.linalg.eigh(0.5 * (hessian + hessian.T))
    if lam.min() < -tol:
        raise ValueError(f"The Hessian has a negative eigenvalue ({lam.min():.3g} eV/A^2): "
                         "relax the structure to a minimum first.")
    keep = lam > tol
    return Modes(atoms=atoms.copy(), stiffness=lam[keep],
                 vectors=vec[:, keep].T.reshape(-1, len(atoms), 3),
                 frequencies_cm=np.asarray(np.abs(freqs), dtype=float))


def sample_modes(modes: Modes, temperature_k: float, n: int, seed: int = 0) -> list[Atoms]:
    """``n`` configurations drawn from the harmonic Boltzmann distribution at
    ``temperature_k``; each carries ``info['harmonic_energy']`` (eV above the minimum)."""
    rng = np.random.default_rng(seed)
    kt = units.kB * temperature_k
    frames = []
    for _ in range(n):
        q = rng.normal(size=modes.n_modes) * np.sqrt(kt / modes.stiffness)
        atoms = modes.atoms.copy()
        atoms.calc = None
        atoms.positions += np.tensordot(q, modes.vectors, axes=1)
        atoms.info.update(harmonic_energy=float(0.5 * np.sum(modes.stiffness * q**2)),
                          nms_temperature_k=temperature_k)
        frames.append(atoms)
    return frames
