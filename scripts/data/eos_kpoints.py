"""How dense a k-point mesh do the crystals of the E-V scans (data/gst_eos) need?

`gst_eos` labels primitive cells of 2-5 atoms with a k-point density (ASE's kptdensity: points
per reciprocal Angstrom). This script labels each crystal at its experimental volume (the
scale-1.00 geometry of its scan) with a series of densities, all other settings as in
`gst_eos`, and stores the energy per atom of each, so that the page can show how the energy
converges with the mesh and the recipe can pick the density.
Each calculation is stored as it finishes (results/data/eos_kpoints/progress.json, resumable).
Seconds per calculation for the 2-3-atom cells; minutes for Sb2Te3 (5 atoms) at the densest
meshes and for the 58-atom GST cell (--gst: 2x2x2 and 3x3x3).
Usage: nice -n 19 python scripts/data/eos_kpoints.py [--nproc 1] [--gst]
"""

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import reference as ref
from mlip_course import results
from mlip_course.data.recipes import EOS_SCALES, _gst_eos, settings_for

STUDY = "data/eos_kpoints"
DENSITIES = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
EXPENSIVE = {"sb2te3_eos": (2.0, 3.0, 4.0, 5.0)}            # 5 atoms: the densest take long
GST_MESHES = ((2, 2, 2), (3, 3, 3))

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--nproc", type=int, default=1)
parser.add_argument("--gst", action="store_true", help="also the 58-atom GST cell (slow)")
args = parser.parse_args()
started = time.time()

base = settings_for("gst_eos", nproc=args.nproc)
unit = EOS_SCALES.index(1.0)
progress = results.Progress(STUDY)
for group in _gst_eos():
    atoms = group.make(group.seed)[unit]
    if group.name == "gst_rocksalt_eos":
        if not args.gst:
            continue
        runs = [(f"mesh_{''.join(map(str, m))}", replace(base, kpoint_density=None, kpoints=m))
                for m in GST_MESHES]
    else:
        runs = [(f"density_{d:g}", replace(base, kpoint_density=d))
                for d in EXPENSIVE.get(group.name, DENSITIES)]
    for name, settings in runs:
        key = f"{group.name}/{name}"
        if key in progress:
            continue
        with tempfile.TemporaryDirectory() as work:
            new = ref.run_cp2k(atoms, work, settings)
        mesh = settings.mesh(atoms)
        progress.record(key, {"crystal": group.name.removesuffix("_eos"), "natoms": len(atoms),
                              "density": settings.kpoint_density, "mesh": list(mesh),
                              "energy_per_atom_ev": new.get_potential_energy() / len(atoms),
                              "cp2k_wall_s": new.info["cp2k_wall_s"],
                              "scf_steps": new.info["cp2k_scf_steps"]})
        print(key, "x".join(map(str, mesh)), f"{new.info['cp2k_wall_s']:.0f} s", flush=True)

payload = {"cp2k_version": ref.cp2k_version(), "calculations": dict(progress),
           "settings": ref.settings_dict(base), "scale": 1.0,
           "note": "2 CPU cores, shared with CP2K labelling at nice 19"}
path = results.save(STUDY, payload, started=started)     # its own geometries: no dataset
print("->", path)
