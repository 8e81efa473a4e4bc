"""Keep three benchmark models trained on the Gamma-point labels of `gete` (page "Reference
data", "What the models learned from Gamma-point labels").

The benchmark (scripts/models.py) is retrained once the k-point relabelling of `gete` is
adopted, and its Gamma-trained models are then gone. This study pins copies of three of them
(`benchmark.pin`: weights, benchmark row, the split they were trained on) into
results/data/gamma_models/, so the page can still show what a model makes of unconverged
labels. It is a study of the labels (``compares_labels``): it stays valid after the adoption,
as long as the Gamma labels are kept in data/gete/previous/.
Must run while results/models still holds Gamma-trained models; a second run keeps the copies.
Usage: python scripts/data/gamma_models.py [--kinds mtp tensornet chgnet]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.benchmark import DATASETS, pin
from mlip_course.data import same_level

STUDY = "data/gamma_models"

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--kinds", nargs="+", default=["mtp", "tensornet", "chgnet"])
args = parser.parse_args()
started = time.time()

folder = results.study_dir(STUDY)
missing = [k for k in args.kinds if not (folder / k / "pinned.json").exists()]
if missing and same_level("gete", "gete_props"):      # gete_props carries the k-point mesh
    raise SystemExit(f"data/gete is already labelled with the k-point mesh, so results/models no "
                     f"longer holds Gamma-trained models to pin ({', '.join(missing)}). Restore "
                     "them from the commit before the relabelling was adopted "
                     "(git log -- results/models) into results/models/ first.")
pinned = {kind: pin(kind, STUDY) for kind in args.kinds}
frames = sorted({h for info in pinned.values() for hashes in info["split"].values()
                 for h in hashes})
payload = {"kinds": {kind: {"benchmark_finished": info["benchmark_finished"],
                            "force_rmse_mev_per_ang": info["benchmark_row"]["force_rmse_mev_per_ang"],
                            "n_train": info["benchmark_row"]["n_train"]}
                     for kind, info in pinned.items()},
           "labels": "Gamma point (data/gete/previous/ once the relabelling is adopted)"}
path = results.save(STUDY, payload, started=started, datasets=DATASETS, frames=frames,
                    compares_labels=True)
print("->", path, {k: v["force_rmse_mev_per_ang"] for k, v in payload["kinds"].items()})
