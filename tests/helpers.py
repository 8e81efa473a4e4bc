"""Small EMT-labelled (toy) Cu frames that every unit test can afford."""

from __future__ import annotations

import numpy as np
from ase.build import bulk

from mlip_course.reference import emt_toy, label_frames


def rattled_cu(n: int, seed: int = 0, amplitude: float = 0.08, origin: str = "rattle"):
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)  # 32 atoms
        atoms.positions += rng.normal(0.0, amplitude, atoms.positions.shape)
        frames.append(atoms)
    return label_frames(frames, emt_toy(), origin=origin)


