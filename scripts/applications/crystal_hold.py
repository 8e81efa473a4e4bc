"""Does a fitted model keep GeTe crystalline at 700 K? A stability screen of the benchmark
models before one of them anneals a glass (page 6g, phase change).

Every saved model of results/models (through the ASE calculator, no core repulsion) runs
Langevin NVT at 700 K (GeTe melts near 1000 K) on a 64-atom rocksalt cell (a = 6.0 A) for
3 ps, two seeds; the crystalline fraction (analysis.crystalline: q4 ten Wolde-Frenkel bonds)
is recorded every 0.5 ps, with the shortest distance seen. Test-set errors do not predict
the outcome; this screen measures it.
Writes results/applications/crystal_hold/results.json (resumable per model).
Usage: python scripts/applications/crystal_hold.py [--kinds mtp tnet ...] [--seeds 1 2]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.analysis import closest_pair, crystalline
from mlip_course.benchmark import DATASETS as BENCHMARK_DATA
from mlip_course.benchmark import reload
from mlip_course.calculator import as_calculator
from mlip_course.data.structures import rocksalt_gete
from mlip_course.sampling.md import sample_nvt
from mlip_course.train import as_predictor

STUDY = "applications/crystal_hold"
DATASETS = BENCHMARK_DATA               # the models' training data
T_K, STEPS, EVERY = 700.0, 1500, 250          # 3 ps at 2 fs, a snapshot every 0.5 ps

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--kinds", nargs="+", help="default: every model of the stored benchmark")
parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
parser.add_argument("--note", default="2 CPU cores; CP2K labelling at nice 19 alongside")
args = parser.parse_args()
started = time.time()
done = results.Progress(STUDY, "runs.json", datasets=DATASETS)
benchmark = results.load("models")

for kind in args.kinds or list(benchmark["payload"]["rows"]):
    if kind in done:
        continue
    if not (results.study_dir("models") / kind).exists():
        print(f"{kind}: no saved model in results/models, skipped", flush=True)
        continue
    t = time.time()
    calc = as_calculator(as_predictor(reload(kind)))
    runs = {}
    for seed in args.seeds:
        atoms = rocksalt_gete(a=6.0)
        snaps = [atoms.copy()] + sample_nvt(atoms, calc, T_K, STEPS, EVERY, seed=seed)
        runs[str(seed)] = {
            "crystalline_fraction": [round(float(crystalline(s).mean()), 3) for s in snaps],
            "min_distance_A": round(min(closest_pair(s)[0] for s in snaps), 3)}
    done.record(kind, {"runs": runs, "wall_s": round(time.time() - t, 1)})
    print(kind, {s: r["crystalline_fraction"][-1] for s, r in runs.items()},
          f"{time.time() - t:.0f} s", flush=True)

payload = {"models": dict(done), "benchmark_finished": benchmark["provenance"]["finished"],
           "temperature_k": T_K, "steps": STEPS, "timestep_fs": 2.0,
           "snapshot_every_ps": EVERY * 0.002, "cell": "rocksalt GeTe 2x2x2 cubic, a = 6.0 A",
           "thermostat": "Langevin, friction 0.01 /fs", "note": args.note}
results.save(STUDY, payload, started=started, datasets=DATASETS,
             frames=benchmark["provenance"]["frames_used"])
print("wrote", results.study_dir(STUDY) / "results.json")
