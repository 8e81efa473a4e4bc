"""Reproducibility and convergence of the CP2K labels (page "Reference data", its solutions).

Re-labels shipped `gete` frames with CP2K and compares with the stored labels:
  * reproducibility: two seeded frames with the settings they were labelled with
    (`recipes.settings_for("gete")`: the Gamma point until the relabelling is adopted);
    issue acceptance: energy within 1 meV/atom, forces within 10 meV/A;
  * convergence: one liquid frame with a higher plane-wave cutoff (400 Ry instead of 300)
    and with a lower electronic smearing (500 K instead of 1000 K).
Each calculation is stored as it finishes (results/data/convergence/progress.json), so a
killed run resumes. About 4 CPU-minutes per calculation on an idle core (more at 400 Ry).
Usage: nice -n 19 python scripts/data/convergence.py [--nproc 1]
"""

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import reference as ref
from mlip_course import results
from mlip_course.data import frames
from mlip_course.data.recipes import settings_for

STUDY = "data/convergence"
SEED = 2024

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--nproc", type=int, default=1)
args = parser.parse_args()
started = time.time()

shipped = frames("gete")
rng = np.random.default_rng(SEED)
repro = [int(k) for k in rng.choice(len(shipped), size=2, replace=False)]
liquid = [k for k, a in enumerate(shipped) if a.info.get("phase") == "liquid"]
conv = int(liquid[int(rng.integers(len(liquid)))])
base = settings_for("gete", nproc=args.nproc)    # the settings the shipped labels were made with
jobs = {f"repro_{k}": (k, base) for k in repro}
jobs |= {f"cutoff400_{conv}": (conv, replace(base, cutoff_ry=400.0)),
         f"smear500_{conv}": (conv, replace(base, smear_temperature_k=500.0))}

progress = results.Progress(STUDY)
for key, (k, settings) in jobs.items():
    if key in progress:
        continue
    atoms = shipped[k]
    with tempfile.TemporaryDirectory() as work:
        new = ref.run_cp2k(atoms, work, settings)
    n = len(atoms)
    df = new.get_forces() - atoms.get_forces()
    progress.record(key, {
        "frame": k, "origin": atoms.info.get("origin"), "phase": atoms.info.get("phase"),
        "natoms": n, "settings": ref.settings_dict(settings),
        "energy_shipped_ev": atoms.get_potential_energy(),
        "energy_new_ev": new.get_potential_energy(),
        "denergy_mev_per_atom": 1000 * (new.get_potential_energy()
                                        - atoms.get_potential_energy()) / n,
        "dforce_max_mev_per_ang": 1000 * float(np.abs(df).max()),
        "dforce_rms_mev_per_ang": 1000 * float(np.sqrt(np.mean(df ** 2))),
        "force_rms_mev_per_ang": 1000 * float(np.sqrt(np.mean(atoms.get_forces() ** 2))),
        "cp2k_wall_s": new.info["cp2k_wall_s"], "scf_steps": new.info["cp2k_scf_steps"]})
    print(key, {k: round(v, 3) for k, v in progress[key].items()
                if isinstance(v, float)}, flush=True)

used = sorted({k for k, _ in jobs.values()})
payload = {"seed": SEED, "cp2k_version": ref.cp2k_version(), "calculations": dict(progress),
           "note": "2 CPU cores shared with the CP2K labelling (nice 19)"}
path = results.save(STUDY, payload, started=started, datasets=("gete",),
                    frames=[results.frame_hash(shipped[k]) for k in used])
print("->", path)
