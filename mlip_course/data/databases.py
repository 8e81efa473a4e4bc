"""Open databases that ship inside installed packages (no download at run time).

- ``ase.collections``: ``dcdft`` (the elemental crystals of the Delta test, 71 elements) and
  ``g2`` (162 small molecules of the G2 test set) -- use them directly;
- QM9 (134k organic molecules, B3LYP/6-31G(2df,p); Ramakrishnan et al. 2014), stored as CSV
  files in the ``qm9pack`` wheel. :func:`qm9` reads them with pandas (the package's own
  ``__init__`` needs ``pkg_resources``, which modern setuptools no longer provides).
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.units import Hartree

QM9_COLUMNS = ["Index", "SMILES", "N_atoms", "Stoichiometry", "Elements", "XYZ_Ang",
               "HOMO_LUMO_gap_au", "InternalEnergy_0K_au"]


def qm9_files() -> list[Path]:
    """The three QM9 CSV parts inside the installed ``qm9pack`` wheel."""
    spec = importlib.util.find_spec("qm9pack")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("QM9 ships in the `qm9pack` wheel: pip install qm9pack "
                                  "(it is in the course's requirements; run `make setup`).")
    folder = Path(spec.submodule_search_locations[0]) / "data"
    files = sorted(folder.glob("qm9_part*.csv"))
    if len(files) != 3:
        raise FileNotFoundError(f"Expected qm9_part1-3.csv in {folder}; reinstall qm9pack.")
    return files


def qm9(columns: list[str] | None = None, max_heavy: int | None = None) -> "pandas.DataFrame":  # noqa: F821
    """QM9 as a DataFrame (one row per molecule), optionally only molecules with at most
    ``max_heavy`` non-hydrogen atoms. Adds ``n_heavy`` and ``U0_eV`` (internal energy at 0 K,
    eV) when the needed columns are read."""
    import pandas as pd

    cols = list(dict.fromkeys((columns or QM9_COLUMNS) + ["N_atoms", "Stoichiometry"]))
    table = pd.concat([pd.read_csv(f, usecols=cols) for f in qm9_files()], ignore_index=True)
    # Stoichiometry is "[nH,nC,nN,nO,nF]"
    counts = np.array([json.loads(s) for s in table["Stoichiometry"]])
    table["n_heavy"] = table["N_atoms"] - counts[:, 0]
    if "InternalEnergy_0K_au" in table:
        table["U0_eV"] = table["InternalEnergy_0K_au"] * Hartree
    if max_heavy is not None:
        table = table[table["n_heavy"] <= max_heavy].reset_index(drop=True)
    return table


def qm9_atoms(row) -> Atoms:
    """An ``Atoms`` object for one QM9 row (needs ``Elements`` and ``XYZ_Ang``); its energy
    (U0, eV) is attached when the row has ``U0_eV``. Molecules: no cell, no periodicity."""
    symbols = ast.literal_eval(row["Elements"])
    positions = np.array(ast.literal_eval(row["XYZ_Ang"]), dtype=float)  # has "0." -- not JSON
    atoms = Atoms(symbols, positions=positions)
    atoms.info.update(qm9_index=int(row["Index"]), smiles=row.get("SMILES", ""))
    if "U0_eV" in row:
        atoms.calc = SinglePointCalculator(atoms, energy=float(row["U0_eV"]))
    return atoms
