"""Ge-Sb-Te with one course model: E-V curves, convex hull, GST225 and Sb-rich Sb-Te glasses.

Stages (resumable: a finished stage is recorded in stages.json and skipped; eos and glass only
when rerun with the same --model, otherwise the script stops and says what to delete):
  model:K    train model kind K (--model, then each --screen kind) on the training splits of
             data/gst and, when it is labelled with the same settings (one level of theory in
             one model), data/gete (early stopping on the validation splits, at most
             --max-minutes); saved in results/applications/gst/K/ with its test errors on
             each test split.
  screen     every trained kind runs 0.4 ps of Langevin MD at 1100 K on the 504-atom start
             below (with its core): the step at which two atoms first come closer than 1.5 A,
             if they do, and the closest pair met. Only a kind that survives goes on.
  eos        the model's energy at every geometry of data/gst_eos (7 crystals x 9 volumes,
             never trained on; the primitive cells repeated to >= 12 A for the model, which
             leaves a periodic model's energy per atom unchanged), saved beside the DFT
             energies; the notebook fits both.
  glass:G    for G in GLASSES: a 63- or 64-atom liquid geometry of data/gst replicated 2x2x2
             (Ge14Sb14Te35 -> 504-atom GST225; Sb42Te22 -> 512-atom Sb-rich Sb66Te34, the
             Sb-Te side of review 000 Fig. 5C), the model + a ZBL core per element pair
             (switched on below the shortest distance of that pair in the training data):
             1100 K for --melt-ps, 1000 K for --liquid-ps (snapshots), quench 1000 -> 300 K in
             50 K stages of 1 ps (~50 K/ps), 300 K for --glass-ps (snapshots every 0.1 ps).
Writes results/applications/gst/: <model>/ (weights), eos.json, liquid_<G>.xyz,
amorphous_<G>.xyz, stages.json and results.json (settings, wall times, provenance).
Usage: python scripts/applications/gst.py [--model tnet] [--screen ace] [--quick]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from ase.io import read, write

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.analysis import closest_pair, first_collapse, stop_if_collapsed
from mlip_course.calculator import as_calculator
from mlip_course.data import candidates, frames, same_level, sources
from mlip_course.data import load as load_data
from mlip_course.data.structures import wider_than
from mlip_course.models.repulsion import WithCoreRepulsion
from mlip_course.sampling.md import sample_nvt
from mlip_course.train import (_species, as_predictor, build, errors, fit, load, n_parameters,
                               predictions, save)

STUDY = "applications/gst"
# data/gete (with its gete_aimd frames) joins only when labelled like data/gst: while the
# course's sets move from Gamma-point to k-point labels, they may differ for a while
TRAINING = ("gete", "gst") if same_level("gete", "gst") else ("gst",)
DATASETS = (sources("gete") if "gete" in TRAINING else ()) + ("gst", "gst_eos")
# (candidate group of data/gst, index) of each glass's start: Ge14Sb14Te35 and Sb42Te22
GLASSES = {"gst225": ("gst_liquid_1100K", 0), "sb66te34": ("sbte_liquid_1100K", 0)}
EVERY = 50                              # snapshot every 50 steps = 0.1 ps

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--model", default="tnet", help="the model of the eos and glass stages")
parser.add_argument("--screen", nargs="*", default=["ace"],
                    help="further kinds trained and put through the stability screen only")
parser.add_argument("--max-minutes", type=float, default=15.0,
                    help="training-time cap of a network (as in scripts/models.py)")
parser.add_argument("--melt-ps", type=float, default=10.0)
parser.add_argument("--liquid-ps", type=float, default=10.0)
parser.add_argument("--glass-ps", type=float, default=10.0)
parser.add_argument("--quick", action="store_true",
                    help="smoke test of the pipeline (tiny training and MD) in results/applications/"
                         "gst_smoke/; no results.json")
parser.add_argument("--note", default="2 CPU cores; CP2K labelling at nice 19 alongside")
args = parser.parse_args()
if args.quick:
    STUDY = "applications/gst_smoke"
    args.melt_ps = args.liquid_ps = args.glass_ps = 0.2
started = time.time()
stages = results.Progress(STUDY, "stages.json", datasets=DATASETS)
out = stages.dir
splits = {name: load_data(name) for name in TRAINING}
train = [a for s in splits.values() for a in s.train]
valid = [a for s in splits.values() for a in s.valid]
test = [a for s in splits.values() for a in s.test]
print(f"training on {' + '.join(TRAINING)}: {len(train)} frames ({len(valid)} validation)")
KINDS = [args.model] + [k for k in args.screen if k != args.model]


def stage(name, run, model=None):
    """Run and record stage ``name`` unless done; ``model``: the --model it runs with, kept in
    the record so that a rerun with another --model is refused instead of reusing its output."""
    if name in stages:
        made_with = stages[name].get("run_with", model)
        if made_with != model:
            raise SystemExit(f"{name} was run with --model {made_with}. To redo it with {model}, "
                             f"delete its entry from {stages.path} (and from {out}, its files).")
        print(f"{name}: done already")
        return
    t = time.time()
    info = run()
    made_with = {"run_with": model} if model else {}
    stages.record(name, {**info, **made_with, "wall_s": round(time.time() - t, 1)})
    print(f"{name}: {time.time() - t:.0f} s", flush=True)


def train_model(kind):
    model = build(kind, _species(train), seed=0, quick_mode=args.quick)
    seconds = fit(model, train, valid, seed=0, quick_mode=args.quick, progress=False,
                  max_seconds=60 * args.max_minutes)          # the cap reaches the torch loop only
    save(model, out / kind)
    test = {name: errors(predictions(model, split.test), split.test)
            for name, split in splits.items()}
    return {"model": kind, "datasets": list(TRAINING), "n_train": len(train), "n_valid": len(valid),
            "train_seconds": round(seconds, 1), "n_parameters": n_parameters(model),
            "test": test}


def with_core(kind):
    return as_calculator(WithCoreRepulsion.from_data(as_predictor(load(out / kind)), train))


def start(glass="gst225"):
    group, index = GLASSES[glass]
    return candidates("gst", group)[index].repeat((2, 2, 2))


def screen():
    """0.4 ps at 1100 K from the 504-atom start, one snapshot per 5 steps, for every kind."""
    found = {}
    for kind in KINDS:
        atoms = start()
        snaps = sample_nvt(atoms, with_core(kind), 1100.0, 200, 5, seed=1)
        k = first_collapse(snaps, 1.5)
        closest = min((shortest_bond(s) for s in snaps), key=lambda p: p[0])
        found[kind] = {"collapsed_at_step": None if k is None else 5 * (k + 1),
                       "closest_distance": round(closest[0], 3), "closest_pair": closest[1],
                       "final_temperature_k": round(float(atoms.get_temperature()), 1)}
        print(kind, found[kind], flush=True)
    if found[args.model]["collapsed_at_step"] is not None:
        raise SystemExit(f"{args.model} collapsed in the screen; choose another --model.")
    return {"steps": 200, "temperature_k": 1100.0, "seed": 1, "kinds": found}


def shortest_bond(atoms):
    r, i, j = closest_pair(atoms)
    return r, "-".join(sorted((atoms[i].symbol, atoms[j].symbol)))


def eos():
    model = as_predictor(load(out / args.model))
    rows = []
    for atoms in frames("gst_eos"):
        wide = wider_than(atoms)
        e_model, _ = model.predict(wide)
        rows.append({"origin": atoms.info["origin"], "formula": atoms.get_chemical_formula(),
                     "atoms": len(atoms), "model_atoms": len(wide),
                     "kpoints": atoms.info.get("cp2k_kpoints"),
                     "volume": atoms.get_volume() / len(atoms),
                     "dft": atoms.get_potential_energy() / len(atoms),
                     "model": float(e_model) / len(wide)})
    (out / "eos.json").write_text(json.dumps(rows, indent=1) + "\n")
    return {"frames": len(rows)}


def check(snaps, what):
    """Stop when the run fell into a hole of the potential (two atoms closer than 1.5 A)."""
    stop_if_collapsed(snaps, what, "the model is not stable there. Choose another --model.")


def amorphous(glass):
    calc = with_core(args.model)
    atoms = start(glass)
    steps = lambda ps: max(EVERY, int(round(ps * 500)))            # 2 fs steps
    check(sample_nvt(atoms, calc, 1100.0, steps(args.melt_ps), EVERY, seed=1), "melt 1100 K")
    liquid = sample_nvt(atoms, calc, 1000.0, steps(args.liquid_ps), EVERY, seed=2,
                        init_velocities=False)
    check(liquid, "liquid 1000 K")
    write(out / f"liquid_{glass}.xyz", liquid, format="extxyz")
    temps = np.arange(950.0, 299.0, -50.0)
    for k, temp in enumerate(temps):                                # 1 ps each
        check(sample_nvt(atoms, calc, float(temp), steps(pick_ps(1.0)), EVERY, seed=10 + k,
                         init_velocities=False), f"quench {temp:.0f} K")
    snaps = sample_nvt(atoms, calc, 300.0, steps(args.glass_ps), EVERY, seed=40,
                       init_velocities=False)
    check(snaps, "glass 300 K")
    write(out / f"amorphous_{glass}.xyz", snaps, format="extxyz")
    return {"atoms": len(atoms), "formula": atoms.get_chemical_formula(),
            "start": f"data/gst candidates {GLASSES[glass][0]}[{GLASSES[glass][1]}] x 2x2x2",
            "core": "ZBL per element pair, switched on over 0.8 A, ending 0.1 A below the "
                    "pair's shortest distance in the training frames",
            "melt": f"1100 K, {args.melt_ps} ps", "liquid": f"1000 K, {args.liquid_ps} ps",
            "quench": f"1000 -> 300 K in 50 K stages of {pick_ps(1.0)} ps",
            "glass": f"300 K, {args.glass_ps} ps", "thermostat": "Langevin, 0.01/fs, 2 fs steps"}


def pick_ps(normal):
    return 0.1 if args.quick else normal


for kind in KINDS:
    stage(f"model:{kind}", lambda: train_model(kind))
stage("screen", screen)
stage("eos", eos, args.model)
for name in GLASSES:
    stage(f"glass:{name}", lambda: amorphous(name), args.model)
if args.quick:
    raise SystemExit(f"smoke test finished in {time.time() - started:.0f} s; its files are in "
                     f"{out} (not a result: delete them)")
payload = {"model": args.model, "stages": dict(stages), "note": args.note}
used = [results.frame_hash(a) for a in train + valid + test + frames("gst_eos")]
results.save(STUDY, payload, started=started, datasets=DATASETS, frames=used)
print(f"saved results/{STUDY} in {time.time() - started:.0f} s")
