"""Diffusion in liquid and supercooled GeTe vs temperature with a course model (review 001
Fig. 5a: the error of extrapolating high-temperature diffusion by an Arrhenius law).

For each temperature: the 64-atom liquid cell of the CP2K MD (data/gete_aimd), Bussi (CSVR)
thermostat with a 0.5 ps coupling time (mild: dynamics stay close to NVE), 2 fs steps,
--equil-ps of equilibration, then --ps of production with unwrapped snapshots every 0.1 ps.
A run whose temperature exceeds 3x the target or whose atoms come closer than 1.5 A is stopped
and recorded as unstable (the potential fell into a hole), keeping the frames before.
Writes results/applications/diffusion/T<k>.xyz and results.json. Resumable per temperature.
Seeds follow the order of the temperatures from the highest. The defaults are the committed
runs (`make results` reruns them): python scripts/applications/diffusion.py --model tensornet
    --ps 20 --equil-ps 2 --temperatures 1100 1000 900 800 700 600
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ase import units
from ase.io import write
from ase.md.bussi import Bussi
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.analysis import first_collapse
from mlip_course.benchmark import pin, reload
from mlip_course.calculator import as_calculator
from mlip_course.data import frames, sources
from mlip_course.train import as_predictor

STUDY = "applications/diffusion"
DATASETS = sources("gete", "gete_aimd")  # training data; the start
START_FRAME = 120

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--model", default="tensornet")
parser.add_argument("--temperatures", nargs="+", type=float,
                    default=[1100.0, 1000.0, 900.0, 800.0, 700.0, 600.0])
parser.add_argument("--ps", type=float, default=20.0, help="production per temperature")
parser.add_argument("--equil-ps", type=float, default=2.0)
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
args = parser.parse_args()
started = time.time()
runs = results.Progress(STUDY, "runs.json", datasets=DATASETS)
out = runs.dir
start = frames("gete_aimd")[START_FRAME]
pin(args.model, STUDY)                  # the study keeps the weights it ran with
calc = as_calculator(as_predictor(reload(args.model, study=STUDY)))

for k, temp in enumerate(sorted(args.temperatures, reverse=True)):
    name = f"T{temp:.0f}"
    if name in runs and (out / f"{name}.xyz").exists():
        print(f"{name}: done already")
        continue
    t0 = time.time()
    atoms = start.copy()
    atoms.calc = calc
    MaxwellBoltzmannDistribution(atoms, temperature_K=temp, rng=np.random.default_rng(k))
    Stationary(atoms)
    dyn = Bussi(atoms, 2.0 * units.fs, temperature_K=temp, taut=500 * units.fs,
                rng=np.random.default_rng(100 + k))
    dyn.run(int(args.equil_ps * 500))
    snaps, temps, failed_at = [], [], None
    for block in range(int(args.ps * 10)):
        dyn.run(50)
        snap = atoms.copy()
        snap.calc = None
        if atoms.get_temperature() > 3 * temp or first_collapse([snap]) is not None:
            failed_at = 0.1 * (block + 1)  # the potential failed: keep what came before
            break
        snaps.append(snap)
        temps.append(atoms.get_temperature())
    write(out / f"{name}.xyz", snaps, format="extxyz")
    runs.record(name, {"temperature_k": temp, "mean_temperature_k": round(float(np.mean(temps)), 1),
                       "production_ps": 0.1 * len(snaps), "equilibration_ps": args.equil_ps,
                       "unstable_after_ps": failed_at,
                       "snapshot_every_ps": 0.1, "wall_s": round(time.time() - t0, 1)})
    print(f"{name}: <T> {np.mean(temps):.0f} K, {time.time() - t0:.0f} s", flush=True)

results.save(STUDY, {"model": args.model, "runs": dict(runs), "timestep_fs": 2.0,
                     "thermostat": "Bussi CSVR, taut 0.5 ps", "atoms": len(start),
                     "start": f"data/gete_aimd frame {START_FRAME}", "note": args.note},
             started=started, datasets=DATASETS, frames=[results.frame_hash(start)])
print("wrote", out / "results.json")
