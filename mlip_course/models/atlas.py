"""The software atlas: every MLIP code of Wang et al. 2024 (Table 2) and the later systems the
reviews discuss, with the review's family, the course's family and where the course runs it.

The table lives in ``atlas.csv`` beside this module. ``here`` is one of ``scratch`` (written in
this package), ``library`` (a package of the course environment), ``partial`` (a building
block from scratch, the full model not yet) or ``no`` (with the reason in ``how``); ``python``
names the objects that prove it (``module.attribute``, several separated by ``;``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

COURSE_FAMILIES = ("neural network", "graph network", "equivariant network", "polynomial",
                   "Gaussian process", "transformer")


def load() -> "pandas.DataFrame":  # noqa: F821
    """The atlas as a DataFrame (one row per model)."""
    import pandas as pd

    table = pd.read_csv(Path(__file__).with_name("atlas.csv"), keep_default_na=False)
    bad = sorted(set(table["course_family"]) - set(COURSE_FAMILIES))
    if bad:
        raise ValueError(f"atlas.csv: unknown course family {bad}; use one of {COURSE_FAMILIES}")
    return table


def resolve(target: str):
    """Import ``package.module.attribute`` and return the attribute."""
    module, _, attribute = target.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def check_runnable(table, quiet: bool = True) -> dict[str, list[str]]:
    """Import every object named in ``python`` for rows the course claims to run; returns
    {model: [failures]} -- empty when every claim holds. ``quiet`` hides the banners and
    warnings some packages print on import."""
    import contextlib
    import io
    import warnings

    if quiet:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return check_runnable(table, quiet=False)
    failures: dict[str, list[str]] = {}
    for _, row in table.iterrows():
        if row["here"] == "no":
            continue
        targets = [t for t in row["python"].split(";") if t]
        if not targets:
            failures[row["model"]] = ["no python target named"]
        for target in targets:
            try:
                resolve(target)
            except Exception as err:  # report, do not hide
                failures.setdefault(row["model"], []).append(f"{target}: {err}")
    return failures
