"""Which labels can a model learn? One model, the same frames, two labellings.

Every frame of `gete` relabelled so far (`data.relabel_pairs`: the Gamma-point label and the
2x2x2-mesh label of the same geometry) is used twice: a linear ACE model (the course's `ace`,
solved in closed form, so the run is deterministic) is fitted to one labelling with whole
origins (trajectories) held out, in --folds folds of origins shuffled with a fixed seed, and
predicts the frames it did not see. The same folds serve both labellings.

Writes results/data/learnability/: results.json (folds as candidate ids, errors, provenance)
and predictions.npz (energies and forces of every held-out frame, per labelling and fold), from
which the reference-data page recomputes the errors against both labellings.
About 4 minutes on two cores (six fits of 50-70 frames).
Usage: python scripts/data/learnability.py [--folds 3] [--kind ace]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.data import relabel_pairs
from mlip_course.train import _species, build, errors, fit, predictions

STUDY = "data/learnability"
LABELLINGS = ("gamma", "kpoints")          # index 0 and 1 of each relabel pair

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--folds", type=int, default=3)
parser.add_argument("--kind", default="ace")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--note", default="2 CPU cores; CP2K labelling at nice 19 alongside")
args = parser.parse_args()
started = time.time()

pairs = relabel_pairs("gete")
origins = sorted({a.info["origin"] for a, _ in pairs})
np.random.default_rng(args.seed).shuffle(origins)
held = [set(origins[k::args.folds]) for k in range(args.folds)]
folds = [[a.info["candidate_id"] for a, _ in pairs if a.info["origin"] in h] for h in held]
print(f"{len(pairs)} frames, {len(origins)} origins, {args.folds} folds of "
      f"{[len(f) for f in folds]} frames")

arrays, scores, seconds = {}, {}, {}
for which, labelling in enumerate(LABELLINGS):
    for k, hold in enumerate(held):
        train = [p[which] for p in pairs if p[0].info["origin"] not in hold]
        test = [p[which] for p in pairs if p[0].info["origin"] in hold]
        t = time.time()
        model = build(args.kind, _species(train), seed=args.seed)
        fit(model, train, None, seed=args.seed, progress=False)
        pred = predictions(model, test)
        seconds[f"{labelling}_{k}"] = round(time.time() - t, 1)
        arrays[f"{labelling}_fold{k}_energy"] = np.asarray(pred["energy"])
        arrays[f"{labelling}_fold{k}_forces"] = np.asarray(pred["forces"])
        scores[f"{labelling}_{k}"] = {m: round(v, 2) for m, v in errors(pred, test).items()}
        print(labelling, k, len(train), len(test), scores[f"{labelling}_{k}"], flush=True)

out = results.study_dir(STUDY)
out.mkdir(parents=True, exist_ok=True)
np.savez_compressed(out / "predictions.npz", **arrays)
payload = {"kind": args.kind, "seed": args.seed, "labellings": list(LABELLINGS),
           "folds": folds, "n_frames": len(pairs), "errors": scores, "fit_seconds": seconds,
           "note": args.note}
results.save(STUDY, payload, started=started, datasets=("gete",),
             frames=[results.frame_hash(a) for a, _ in pairs], compares_labels=True)
print(f"wrote {out}")
