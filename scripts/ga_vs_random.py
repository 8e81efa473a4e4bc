"""GA vs random search vs basin hopping at equal budget on LJ26 (global-search chapter).

Runs each method for several seeds with the same number of local relaxations and stores the
running-best energy traces in results/ga_vs_random/results.json. About 15 min on 2 cores (with CP2K running beside it).
Usage: python scripts/ga_vs_random.py [--budget 150] [--seeds 4]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import time

import numpy as np

from mlip_course import results
from mlip_course.sampling.clusters import Counted, lj_calculator, random_search
from mlip_course.sampling.genetic import genetic_search

LJ26_MINIMUM = -108.315616  # Wales & Doye 1997

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--budget", type=int, default=150)
parser.add_argument("--seeds", type=int, default=4)
args = parser.parse_args()
started = time.time()
runs = {"ga": [], "random": []}
calls = {"ga": [], "random": []}
for seed in range(args.seeds):
    calc = Counted(lj_calculator())
    _, trace = genetic_search("Ar26", calc, args.budget, seed=seed)
    runs["ga"].append(trace); calls["ga"].append(calc.calls)
    calc = Counted(lj_calculator())
    trace = random_search("Ar26", calc, args.budget, np.random.default_rng(1000 + seed))
    runs["random"].append(trace); calls["random"].append(calc.calls)
    print(seed, {k: round(v[-1][-1] - LJ26_MINIMUM, 3) for k, v in runs.items()}, flush=True)
results.save("ga_vs_random", {"cluster": "LJ26", "global_minimum": LJ26_MINIMUM,
                              "budget": args.budget, "traces": runs, "force_calls": calls},
             started=started)
