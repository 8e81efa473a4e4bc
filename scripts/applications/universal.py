"""Universal models: CHGNet 0.3.0 zero-shot on our CP2K test set, fine-tuned on 50 of our
frames, and the same architecture trained from scratch on the same 50 (plus two course models
from scratch for scale).

Uses the models benchmark's split (results/models/split.json, by frame hash): 50 training
frames drawn (seed 0) from its training part, its validation and test parts unchanged.
Zero-shot = the pretrained weights with only the per-element reference energies refitted by
least squares (CP2K's GTH energies are on another absolute scale than the VASP data CHGNet
learned; forces do not depend on it).
Writes results/applications/universal/<name>/ (model, test predictions, metrics) and
results.json with provenance. Resumable: a finished entry is skipped.
Usage: python scripts/applications/universal.py [--scratch-epochs 40] [--only NAME ...]
"""

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.benchmark import DATASETS as BENCHMARK_DATA
from mlip_course.benchmark import recorded_split, run_kind

STUDY = "applications/universal"
N_TRAIN = 50

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--scratch-epochs", type=int, default=40)
parser.add_argument("--finetune-epochs", type=int, default=6)
parser.add_argument("--only", nargs="+", default=None)
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
args = parser.parse_args()
started = time.time()

ENTRIES = {   # name: (kind, hyper-parameter overrides)
    "chgnet_zero_shot": ("chgnet", {"epochs": 0}),
    "chgnet_fine_tuned": ("chgnet", {"epochs": args.finetune_epochs}),
    "chgnet_fine_tuned_all": ("chgnet", {"epochs": args.finetune_epochs, "layers": "all",
                                         "lr": 3e-4}),
    "chgnet_scratch": ("chgnet", {"epochs": args.scratch_epochs, "start": "scratch"}),
    "chgnet_fine_tuned_all_long": ("chgnet", {"epochs": args.scratch_epochs, "layers": "all",
                                              "lr": 3e-4}),       # as many epochs as scratch
    "mtp_scratch": ("mtp", {}),
    "tensornet_scratch": ("tensornet", {}),
}

benchmark = json.loads((results.study_dir("models") / "split.json").read_text())
split = SimpleNamespace(**recorded_split({"payload": {"split": benchmark}}))
fraction = N_TRAIN / len(split.train)
out = results.study_dir(STUDY)
out.mkdir(parents=True, exist_ok=True)
for name, (kind, overrides) in ENTRIES.items():
    if args.only and name not in args.only:
        continue
    path = out / name / "metrics.json"
    if path.exists():
        print(f"{name}: done already")
        continue
    t = time.time()
    m = run_kind(kind, split, out / name, fraction=fraction, overrides=overrides,
                 keep_model=True, time_inference=False, max_seconds=15 * 60)
    m["name"], m["overrides"] = name, overrides
    path.write_text(json.dumps(m, indent=1) + "\n")
    print(f"{name}: F {m['force_rmse_mev_per_ang']:.0f} meV/A, E "
          f"{m['energy_rmse_mev_per_atom']:.1f} meV/atom, {time.time() - t:.0f} s", flush=True)

rows = {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/metrics.json"))}
results.save(STUDY, {"split": benchmark, "n_train": N_TRAIN, "rows": rows, "note": args.note},
             started=started, datasets=BENCHMARK_DATA,
             frames=sorted({h for v in benchmark.values() for h in v}))
print("wrote", out / "results.json")
