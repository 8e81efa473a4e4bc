"""Phase change (review 000 Fig. 5E): one RESET (melt-quench) and one SET (anneal) of a
640-atom GeTe cell with a fast model that keeps the crystal.

Model: --model (default tnet, the TorchMD-NET transformer) from the models benchmark, plus a
ZBL core per element pair below the shortest distance of that pair in the gete data
(models.repulsion). Choose one that keeps the crystal (scripts/applications/crystal_hold.py):
SNAP in LAMMPS is faster but melts its own crystal at 700 K within 2 ps, and the MTP, which
keeps it, collapsed into a many-body hole during a 640-atom quench.
Cell: rocksalt GeTe, 4 x 4 x 5 conventional cells (a = 6.0 A, 640 atoms, 24 x 24 x 30 A). The
bottom layer of cells (z < 5.9 A, 128 atoms) is held fixed and crystalline: the crystalline
rim that a RESET pulse does not melt in a memory cell. The other 512 atoms move:
  reset   300 -> 1300 K in 5 ps, 10 ps at 1300 K, 1300 -> 300 K in 20 ps (50 K/ps), in
          0.5 ps stages of constant temperature
  set     anneal at each --set-k in chunks of --chunk-ps, up to --set-ps in total
Langevin NVT (ASE, friction 0.01/fs), 2 fs, at the crystal's volume; a snapshot every 0.5 ps.
Resumable: each finished chunk keeps its snapshots and final state (positions and momenta),
and the next chunk starts from that state.
Writes results/applications/phase_change/: results.json (settings, the crystalline fraction
of the moving atoms per snapshot, wall times, provenance) and runs/<chunk>.npz (snapshots,
mlip_course.io.read_trajectory); the notebook recomputes the fractions from them.
Usage: python scripts/applications/phase_change.py [--model tnet] [--set-k 700] [--set-ps 75]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ase.constraints import FixAtoms
from ase.io import read, write

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import results
from mlip_course.analysis import crystalline, first_collapse
from mlip_course.benchmark import pin, reload
from mlip_course.calculator import as_calculator
from mlip_course.data import frames, sources
from mlip_course.data.structures import rocksalt_gete
from mlip_course.io import write_trajectory
from mlip_course.models.repulsion import WithCoreRepulsion
from mlip_course.sampling.md import sample_nvt
from mlip_course.train import as_predictor

STUDY = "applications/phase_change"
DATASETS = sources("gete")      # the pinned model's training data
A = 6.0                     # rocksalt lattice parameter (A)
REPS = (4, 4, 5)
RIM_TOP = 5.9               # atoms below this height (A) stay fixed and crystalline
STAGE = 250                 # steps of one constant-temperature stage (0.5 ps) = one snapshot
STAGE_PS = STAGE * 0.002    # 2 fs steps

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--model", default="tnet")
parser.add_argument("--set-k", type=float, nargs="+", default=[700.0],
                    help="anneal temperatures (K); each SET starts from the RESET end")
parser.add_argument("--set-ps", type=float, default=75.0)
parser.add_argument("--chunk-ps", type=float, default=25.0)
parser.add_argument("--note", default="2 CPU cores; CP2K labelling at nice 19 alongside")
args = parser.parse_args()
started = time.time()

out = results.study_dir(STUDY)
(out / "runs").mkdir(parents=True, exist_ok=True)
runs = results.Progress(STUDY, "runs.json", datasets=DATASETS)
data = frames("gete")               # the core windows come from these frames' shortest pairs
pin(args.model, STUDY)                  # the study keeps the weights it ran with
model = WithCoreRepulsion.from_data(as_predictor(reload(args.model, study=STUDY)), data)
calc = as_calculator(model)
cell = rocksalt_gete(a=A, reps=1).repeat(REPS)
rim = cell.positions[:, 2] < RIM_TOP
print(f"{len(cell)} atoms, {rim.sum()} fixed in the crystalline rim; core windows "
      f"{ {'-'.join(k): tuple(round(x, 2) for x in v) for k, v in model.windows.items()} }",
      flush=True)


def chunk(name: str, temperatures: list[float], start, seed: int, fresh: bool = False):
    """Run one chunk (``STAGE`` steps per temperature) unless done; return its end state.
    With ``fresh``, velocities are drawn anew; otherwise the run continues from ``start``'s."""
    state = out / "runs" / f"{name}.state.xyz"
    if name in runs and state.exists():
        return read(state)
    atoms = start.copy()
    atoms.set_constraint(FixAtoms(mask=rim))
    t = time.time()
    snaps = []
    for k, temp in enumerate(temperatures):               # one stage at a time: stop early
        snaps += sample_nvt(atoms, calc, temp, STAGE, STAGE, seed=seed + 7 * k,
                            init_velocities=fresh and k == 0)
        if first_collapse(snaps[-1:], 1.5) is not None:
            write_trajectory(out / "runs" / f"{name}.collapsed.npz", snaps)
            raise SystemExit(f"{name}: atoms collapsed in stage {k} ({temp:.0f} K); the model "
                             f"is not stable there (snapshots in {name}.collapsed.npz).")
    frac = [round(float(crystalline(s)[~rim].mean()), 4) for s in snaps]
    write_trajectory(out / "runs" / f"{name}.npz", snaps,
                     temperature_k=np.array(temperatures, dtype=float))
    write(state, atoms, format="extxyz")                  # positions and momenta
    wall = time.time() - t
    runs.record(name, {"crystalline_fraction": frac, "temperature_k": temperatures,
                       "wall_s": round(wall, 1), "steps": STAGE * len(temperatures),
                       "ms_per_step": round(1e3 * wall / (STAGE * len(temperatures)), 1)})
    print(f"{name}: {len(frac)} snapshots, crystalline {frac[0]:.2f} -> {frac[-1]:.2f}, "
          f"{wall:.0f} s", flush=True)
    return atoms


heat = list(np.linspace(300.0, 1300.0, 10))                      # 5 ps
hold = [1300.0] * 20                                             # 10 ps
cool = list(np.linspace(1300.0, 300.0, 40))                      # 20 ps
end_of_reset = chunk("reset", heat + hold + cool, cell, seed=1, fresh=True)
n_chunks = int(round(args.set_ps / args.chunk_ps))
stages = int(round(args.chunk_ps / STAGE_PS))
anneals = {}
for temp in args.set_k:
    state = end_of_reset
    for k in range(n_chunks):
        state = chunk(f"set_{temp:.0f}K_{k:02d}", [temp] * stages, state, seed=100 + k)
    frac = [x for k in range(n_chunks) for x in runs[f"set_{temp:.0f}K_{k:02d}"]["crystalline_fraction"]]
    anneals[f"{temp:.0f}"] = {"ps": n_chunks * args.chunk_ps, "start_end": [frac[0], frac[-1]]}

payload = {"runs": dict(runs), "atoms": len(cell), "fixed_rim_atoms": int(rim.sum()),
           "rim_top_A": RIM_TOP, "cell_A": [round(x, 3) for x in cell.cell.lengths()], "a_A": A,
           "model": f"results/models/{args.model} + ZBL core per pair (models.repulsion)",
           "model_key": args.model,
           "core_windows_A": {"-".join(k): [round(x, 3) for x in v]
                              for k, v in model.windows.items()},
           "reset": "300 -> 1300 K (5 ps), 1300 K (10 ps), 1300 -> 300 K (20 ps)",
           "set": anneals, "timestep_fs": 2.0, "snapshot_every_ps": STAGE_PS,
           "thermostat": "Langevin, friction 0.01 /fs, moving atoms", "note": args.note}
results.save(STUDY, payload, started=started, datasets=DATASETS,
             frames=[results.frame_hash(a) for a in data])
print("wrote", out / "results.json")
