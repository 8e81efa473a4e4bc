"""Is the Gamma point enough for 64-atom GeTe cells? The k-point convergence of the labels.

`gete` was labelled with the Gamma point alone. This script labels one liquid and one crystal
frame of it again with Monkhorst-Pack meshes (2x2x2, 3x3x3), all other settings unchanged, and
compares energies and forces with the shipped labels and with each other. Both frames are in
the models benchmark's test split (origins liquid_900K and alpha_rattle_0).
Each calculation is stored as it finishes (results/data/kpoints/progress.json, resumable).
About 4 (2x2x2) and 7 (3x3x3) minutes per calculation on 2 idle cores.
Usage: nice -n 19 python scripts/data/kpoints.py [--nproc 2]
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
from mlip_course.data import original_frames
from mlip_course.data.recipes import settings_for

STUDY = "data/kpoints"
FRAMES = {"liquid": "liquid_900K/013", "crystal": "alpha_rattle_0/000"}
MESHES = [(2, 2, 2), (3, 3, 3)]

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--nproc", type=int, default=2)
args = parser.parse_args()
started = time.time()

# the Gamma-point labels (data/gete/previous/ once gete's relabelling is adopted)
shipped = {a.info["candidate_id"]: a for a in original_frames("gete")}
gamma = replace(settings_for("gete", nproc=args.nproc), kpoints=None)    # their settings
progress = results.Progress(STUDY)
for phase, cid in FRAMES.items():
    atoms = shipped[cid]
    for mesh in MESHES:
        key = f"{phase}_{''.join(map(str, mesh))}"
        if key in progress:
            continue
        settings = replace(gamma, kpoints=mesh)
        with tempfile.TemporaryDirectory() as work:
            new = ref.run_cp2k(atoms, work, settings)
        np.save(results.study_dir(STUDY) / f"{key}_forces.npy", new.get_forces())
        progress.record(key, {
            "candidate_id": cid, "phase": phase, "natoms": len(atoms), "kpoints": list(mesh),
            "energy_ev": new.get_potential_energy(), "stress": new.get_stress().tolist(),
            "cp2k_wall_s": new.info["cp2k_wall_s"], "scf_steps": new.info["cp2k_scf_steps"],
            "settings": ref.settings_dict(settings)})
        print(key, f"{new.info['cp2k_wall_s']:.0f} s", flush=True)

payload = {"frames": FRAMES, "cp2k_version": ref.cp2k_version(),
           "calculations": dict(progress), "gamma_settings": ref.settings_dict(gamma),
           "note": "2 CPU cores; forces of each calculation in <key>_forces.npy (eV/A)"}
path = results.save(STUDY, payload, started=started, datasets=("gete",),
                    frames=[results.frame_hash(shipped[c]) for c in FRAMES.values()],
                    compares_labels=True)
print("->", path)
