"""The Models benchmark: every model kind of the course on one gete split (normal mode).

Trains each kind with its default hyper-parameters (mlip_course.train.DEFAULTS) on the gete
training split (with the gete_aimd frames it includes), evaluates on the test split, times
inference at 64 and 4096 atoms, saves the model and its test predictions into
results/models/<kind>/, then learning curves for three families, and results/models/results.json
with provenance. Resumable: the split is recorded (frame hashes) in results/models/split.json
and reused, and a kind whose metrics.json exists is skipped; delete results/models to start anew.
Several hours on 2 busy cores (each network stops at --max-minutes). --long KIND=MINUTES
trains KIND once more with a longer cap (results/models/long/KIND/, model kept): what the
budget buys, shown beside the equal-budget table.
Usage: python scripts/models.py [--kinds bpnn mtp ...] [--max-minutes 15] [--no-curves]
                                [--long dimenet=60]
       python scripts/models.py --retime gap   (re-measure inference cost only)
"""

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlip_course import results
from mlip_course.benchmark import (DATASETS, STUDY, recorded_split, reload, run_kind,
                                   split_hashes, timings)
from mlip_course.data import load
from mlip_course.train import DEFAULTS, FAMILIES, family

ORDER = [k for kinds in FAMILIES.values() for k in kinds]
CURVES = {"mtp": (0.25, 0.5), "gap": (0.25, 0.5), "schnet": (0.25, 0.5)}

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--kinds", nargs="+", default=ORDER, choices=sorted(DEFAULTS))
parser.add_argument("--max-minutes", type=float, default=15.0)
parser.add_argument("--no-curves", action="store_true")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)",
                    help="where and how it ran, stored with the results")
parser.add_argument("--long", nargs="*", default=[], metavar="KIND=MINUTES",
                    help="also train KIND with a cap of MINUTES (a budget study)")
parser.add_argument("--retime", nargs="+", default=[], choices=sorted(DEFAULTS),
                    help="only re-measure the inference cost of these saved models")
args = parser.parse_args()
started = time.time()

out = results.study_dir(STUDY)
out.mkdir(parents=True, exist_ok=True)
split_file = out / "split.json"
if split_file.exists():        # resuming: the recorded split, found by frame hash in today's data
    hashes = json.loads(split_file.read_text())
    split = SimpleNamespace(**recorded_split({"payload": {"split": hashes}}))
else:
    split = load("gete")
    hashes = split_hashes(split)
    split_file.write_text(json.dumps(hashes) + "\n")
print(f"split: train {len(split.train)}, valid {len(split.valid)}, test {len(split.test)}")


def done(path: Path) -> bool:
    return path.exists() and "force_rmse_mev_per_ang" in json.loads(path.read_text())


for kind in args.retime:
    path = out / kind / "metrics.json"
    m = json.loads(path.read_text())
    model = reload(kind)
    m.update(timings(model, split.test[0]))
    path.write_text(json.dumps(m, indent=1) + "\n")
    print(f"{kind}: re-timed {m['us_per_atom_step_64']:.0f} us/atom/step at 64 atoms")

for kind in args.kinds if not args.retime else []:
    if done(out / kind / "metrics.json"):
        print(f"{kind}: done already")
        continue
    t = time.time()
    m = run_kind(kind, split, out / kind, seed=args.seed, max_seconds=60 * args.max_minutes)
    print(f"{kind}: F {m['force_rmse_mev_per_ang']:.0f} meV/A, E "
          f"{m['energy_rmse_mev_per_atom']:.1f} meV/atom, {time.time() - t:.0f} s", flush=True)

if not args.no_curves and not args.retime:
    for kind, fractions in CURVES.items():
        for frac in fractions:
            where = out / "curves" / f"{kind}_{frac}"
            if done(where / "metrics.json"):
                continue
            m = run_kind(kind, split, where, seed=args.seed, fraction=frac,
                         max_seconds=60 * args.max_minutes / 2, time_inference=False)
            print(f"curve {kind} {frac}: F {m['force_rmse_mev_per_ang']:.0f}", flush=True)

for item in args.long if not args.retime else []:
    kind, minutes = item.split("=")
    where = out / "long" / kind
    if done(where / "metrics.json"):
        continue
    m = run_kind(kind, split, where, seed=args.seed, max_seconds=60 * float(minutes),
                 time_inference=False, keep_model=True)
    print(f"long {kind} ({minutes} min): F {m['force_rmse_mev_per_ang']:.0f}", flush=True)



def collected(folder: Path) -> dict:
    """The metrics.json of every run below ``folder``, by run name."""
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(folder.glob("*/metrics.json"))}


rows, curves, long = collected(out), collected(out / "curves"), collected(out / "long")
for kind, m in rows.items():
    m["family"] = family(kind)
total = sum(m["wall_s"] for m in [*rows.values(), *curves.values(), *long.values()])
results.save(STUDY, {"split": hashes, "rows": rows, "curves": curves, "long": long,
                     "max_minutes": args.max_minutes, "total_wall_s": round(total, 1),
                     "machine": args.note},
             started=started,
             datasets=DATASETS, frames=sorted({h for v in hashes.values() for h in v}))
print(f"wrote {out / 'results.json'} ({time.time() - started:.0f} s)")
