"""Liquid and amorphous GeTe with the course's models, for comparison with the CP2K MD.

Stages (each resumable: a finished stage's trajectory file is kept and skipped):
  liquid64_<model>  the 64-atom cell and density of the CP2K MD (data/gete_aimd), Langevin NVT
                    at 1000 K, 2 fs: 2 ps equilibration, then --liquid-ps of production;
                    one run per model in --models.
  liquid512         the same cell replicated 2x2x2 (512 atoms), decorrelated at 1100 K (10 ps),
                    then 1000 K production (--liquid-ps), with --big-model plus a ZBL core
                    per element pair below the shortest distance of that pair in the data
                    (WithCoreRepulsion.from_data): without a core the MTP fell into a hole
                    of its surface within 5 ps at 1100 K in this cell, and with one global
                    core (1.2-2.0 A) after 9 ps; tnet with the per-pair core ran through.
  amorphous512      continues liquid512: quench 1000 -> 300 K in 50 K stages of 1 ps
                    (~47 K/ps), then 300 K production (10 ps).
Writes results/applications/gete_structure/<stage>.xyz (snapshots every 0.1 ps, positions only)
and results.json (settings, wall times, provenance). The notebook computes the RDFs,
coordination numbers and bond angles from these files.
Usage: python scripts/applications/gete_structure.py [--models mtp tensornet ace tnet]
       [--big-model tnet] [--liquid-ps 20]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ase.io import read, write

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.analysis import stop_if_collapsed
from mlip_course.benchmark import pin, reload
from mlip_course.calculator import as_calculator
from mlip_course.data import frames, sources
from mlip_course.models.repulsion import WithCoreRepulsion
from mlip_course.sampling.md import sample_nvt
from mlip_course.train import as_predictor

STUDY = "applications/gete_structure"
DATASETS = sources("gete", "gete_aimd")  # training data; the start
START_FRAME = 120               # a CP2K MD frame (64 atoms, liquid, ~1000 K) to start from
EVERY = 50                      # snapshot every 50 steps = 0.1 ps

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--models", nargs="+", default=["mtp", "tensornet", "ace", "tnet"])
parser.add_argument("--big-model", default="tnet")
parser.add_argument("--liquid-ps", type=float, default=20.0)
parser.add_argument("--skip-big", action="store_true")
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
args = parser.parse_args()
started = time.time()
stages = results.Progress(STUDY, "stages.json", datasets=DATASETS)
out = stages.dir
start = frames("gete_aimd")[START_FRAME]
steps = int(round(args.liquid_ps * 500))


def calculator(kind, core=False):
    pin(kind, STUDY)                    # the study keeps the weights it ran with
    model = as_predictor(reload(kind, study=STUDY))
    return as_calculator(WithCoreRepulsion.from_data(model, frames("gete")) if core else model)


def check(snaps, what):
    """Stop when a run fell into a hole of the potential (two atoms closer than 1.5 A)."""
    stop_if_collapsed(snaps, what, "this model is not stable there. Choose another "
                      "--big-model or a lower temperature.")


def stage(name, run):
    """Run one stage unless its trajectory exists; record its settings and wall time."""
    path = out / f"{name}.xyz"
    if path.exists() and name in stages:
        print(f"{name}: done already")
        return read(path, ":")
    t = time.time()
    snaps, info = run()
    write(path, snaps, format="extxyz")
    stages.record(name, {**info, "frames": len(snaps), "wall_s": round(time.time() - t, 1)})
    print(f"{name}: {len(snaps)} frames, {time.time() - t:.0f} s", flush=True)
    return snaps


for kind in args.models:
    def liquid(kind=kind):
        atoms = start.copy()
        snaps = sample_nvt(atoms, calculator(kind), 1000.0, steps, EVERY, equilibrate=1000,
                           seed=1)
        return snaps, {"model": kind, "atoms": 64, "temperature_k": 1000.0,
                       "equilibration_ps": 2.0, "production_ps": args.liquid_ps}
    stage(f"liquid64_{kind}", liquid)

if not args.skip_big:
    calc = calculator(args.big_model, core=True)
    core = ("ZBL core per element pair, switched on over 0.8 A and ending 0.1 A below the "
            "pair's shortest distance in the gete data (WithCoreRepulsion.from_data)")
    state = out / "liquid512_end.xyz"

    def liquid512():
        atoms = start.repeat((2, 2, 2))
        melt = sample_nvt(atoms, calc, 1100.0, 5000, 500, seed=2)              # 10 ps
        check(melt, "liquid512 (1100 K)")
        snaps = sample_nvt(atoms, calc, 1000.0, steps, EVERY, equilibrate=1000, seed=3,
                           init_velocities=False)
        write(state, atoms, format="extxyz")                                    # with velocities
        check(snaps, "liquid512")
        return snaps, {"model": args.big_model, "core": core, "atoms": 512,
                       "melt": "1100 K, 10 ps",
                       "temperature_k": 1000.0, "equilibration_ps": 2.0,
                       "production_ps": args.liquid_ps}
    stage("liquid512", liquid512)

    def amorphous512():
        atoms = read(state)
        temps = np.arange(950.0, 299.0, -50.0)
        for k, temp in enumerate(temps):                                       # 1 ps each
            check(sample_nvt(atoms, calc, float(temp), 500, 500, seed=10 + k,
                             init_velocities=False), f"quench {temp:.0f} K")
        snaps = sample_nvt(atoms, calc, 300.0, 5000, EVERY, seed=40, init_velocities=False)
        check(snaps, "amorphous512")
        return snaps, {"model": args.big_model, "core": core, "atoms": 512,
                       "quench": f"1000 -> 300 K in 50 K stages of 1 ps "
                                 f"({700 / (len(temps)):.0f} K/ps)",
                       "temperature_k": 300.0, "production_ps": 10.0}
    stage("amorphous512", amorphous512)

results.save(STUDY, {"stages": dict(stages), "start": f"data/gete_aimd frame {START_FRAME}",
                     "timestep_fs": 2.0, "thermostat": "Langevin, friction 0.01 /fs",
                     "snapshot_every_steps": EVERY, "note": args.note},
             started=started, datasets=DATASETS,
             frames=[results.frame_hash(start)])
print("wrote", out / "results.json")
