"""mlip_course: the helper package of the course on machine-learning interatomic potentials.

The package holds what repeats; the notebooks in ``book/`` hold the story. This module is
tiny and imports nothing heavy, so ``import mlip_course`` is instant:

- :func:`quick` -- is the course running in quick (smoke/CI) mode? (``MLIP_COURSE_QUICK=1``)
- :func:`device` -- the torch device to use: CUDA when present, CPU otherwise
  (``MLIP_COURSE_DEVICE=cpu|cuda`` overrides).
- :func:`seed` -- seed Python, NumPy and (if imported) torch in one call.
- :func:`pick` -- choose a value for quick mode or normal mode.
- :func:`repo_root` -- the checkout the package lives in (for ``data/`` and ``results/``).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TypeVar

__version__ = "0.1.0"

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick() -> bool:
    """True when ``MLIP_COURSE_QUICK`` is set to a true value (the tests set it).

    Quick mode shrinks every notebook to a smoke run (<= 60 s): fewer frames, fewer epochs,
    smaller cells. Heavy results are then loaded from ``results/`` instead of recomputed.
    """
    value = os.environ.get("MLIP_COURSE_QUICK", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"MLIP_COURSE_QUICK={value!r} is not understood; use 1 (quick mode) or 0 (normal mode)."
    )


def pick(normal: T, quick_value: T) -> T:
    """Return ``quick_value`` in quick mode and ``normal`` otherwise."""
    return quick_value if quick() else normal


def device() -> "torch.device":  # noqa: F821 (torch is imported lazily)
    """The torch device for training and inference.

    ``MLIP_COURSE_DEVICE`` (``cpu`` or ``cuda``) wins; otherwise CUDA when available.
    Asking for ``cuda`` on a machine without it is an error, not a silent fallback.
    """
    import torch

    wanted = os.environ.get("MLIP_COURSE_DEVICE", "").strip().lower()
    if wanted in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if wanted == "cpu":
        return torch.device("cpu")
    if wanted.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"MLIP_COURSE_DEVICE={wanted} but torch sees no CUDA device; "
                "unset MLIP_COURSE_DEVICE (or set it to cpu) to run on the CPU."
            )
        return torch.device(wanted)
    raise ValueError(f"MLIP_COURSE_DEVICE={wanted!r} is not understood; use cpu or cuda.")


def seed(value: int = 0) -> int:
    """Seed ``random``, NumPy and torch (when already imported); return the seed."""
    import numpy as np

    random.seed(value)
    np.random.seed(value)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(value)
    return value


def repo_root() -> Path:
    """The course checkout (the folder holding ``data/``, ``results/`` and ``book/``).

    ``MLIP_COURSE_ROOT`` overrides, for an installed (non-editable) package.
    """
    env = os.environ.get("MLIP_COURSE_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


__all__ = ["quick", "pick", "device", "seed", "repo_root", "__version__"]
