"""Reproduce Rupp et al. (PRL 108, 058301, 2012): Coulomb-matrix KRR for atomization energies.

Molecules with at most 7 heavy atoms (C, N, O, F) from QM9 (qm9pack wheel; B3LYP/6-31G(2df,p)
U0), atomization energy = U0 minus the free-atom U0 of QM9's atom reference table. Descriptors:
the sorted eigenvalues of the Coulomb matrix with a Gaussian kernel (Rupp's choice) and the
row-norm-sorted matrix with a Laplacian kernel (Hansen et al. 2013). Writes
results/rupp2012_cm_qm9/results.json. About 10 min on 2 busy cores.
Usage: python scripts/rupp2012_cm_qm9.py [--sizes 250 500 1000 2000 3400] [--test 500]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from ase.units import Hartree, kcal, mol

from mlip_course import results
from mlip_course.data.databases import qm9, qm9_atoms
from mlip_course.descriptors.library import coulomb_matrix
from mlip_course.models.kernel import learning_curve

#: U0 of the free atoms in QM9's reference table (Hartree), B3LYP/6-31G(2df,p).
QM9_ATOM_U0 = {"H": -0.500273, "C": -37.846772, "N": -54.583861, "O": -75.064579,
               "F": -99.718730}
KCAL_PER_MOL = kcal / mol   # eV

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000, 3400])
parser.add_argument("--test", type=int, default=500)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
started = time.time()

table = qm9(max_heavy=7)
mols = [qm9_atoms(row) for _, row in table.iterrows()]
atomization = np.array([m.get_potential_energy() - Hartree * sum(QM9_ATOM_U0[s] for s in
                        m.get_chemical_symbols()) for m in mols]) / KCAL_PER_MOL   # kcal/mol
n_max = max(len(m) for m in mols)
features = {
    "eigenspectrum_gaussian": np.array([coulomb_matrix(n_max, "eigenspectrum").create(m)
                                        for m in mols]),
    "sorted_laplacian": np.array([coulomb_matrix(n_max, "sorted_l2").create(m) for m in mols]),
}
kernels = {"eigenspectrum_gaussian": "gaussian", "sorted_laplacian": "laplacian"}
curves = {}
for name, x in features.items():
    scale = float(np.median(np.linalg.norm(x[:500, None] - x[None, :500], axis=-1)))
    sigmas = scale * np.logspace(-2, 2, 9)
    lambdas = np.logspace(-10, -2, 5)
    t0 = time.time()
    curves[name] = learning_curve(x, atomization, args.sizes, n_test=args.test,
                                  kernel=kernels[name], sigmas=sigmas, lambdas=lambdas,
                                  seed=args.seed)
    print(name, [round(v, 2) for v in curves[name]["mae"]], f"{time.time() - t0:.0f} s",
          flush=True)
results.save("rupp2012_cm_qm9", {
    "n_molecules": len(mols), "max_heavy_atoms": 7, "n_atoms_max": n_max,
    "atomization_kcal_mol": {"mean": float(atomization.mean()), "std": float(atomization.std())},
    "test_size": args.test, "seed": args.seed, "curves": curves,
    "paper": {"reference": "Rupp et al. PRL 108, 058301 (2012)", "mae_kcal_mol": 9.9,
              "training_size": 7000, "data": "GDB-13 subset, <= 7 heavy atoms, PBE0"},
}, started=started)
