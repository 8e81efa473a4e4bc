"""Phonons and elastic constants of alpha-GeTe: CP2K (data/gete_props) vs the course's models.

Two DFT rows: ``cp2k`` (the shipped labels, 2x2x2 k-point mesh) and ``cp2k_gamma`` (the same
structures labelled at the Gamma point alone, data/gete_props/previous/), the reference the
models' training labels (data/gete) were computed with until that set is relabelled too.

Both sides use the same structures (experimental alpha-GeTe, the 64-atom pseudo-cubic cell):
phonopy's finite displacements (0.03 A, residual forces of the perfect cell subtracted) and
+-1 % Voigt strains (clamped-ion elastic constants from stresses; the models' stresses by finite
differences of their energy). Writes results/applications/properties/results.json with the
frequencies at the high-symmetry points and along a path, and the 6x6 constants (GPa).
Usage: python scripts/applications/properties.py [--models mtp tensornet ace snap]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlip_course import properties, results
from mlip_course.benchmark import reload
from mlip_course.calculator import as_calculator
from mlip_course.data import frames, previous_frames, same_level, sources
from mlip_course.data import structures as st
from mlip_course.train import as_predictor

STUDY = "applications/properties"
#: reduced q-points of the rhombohedral primitive cell (alpha < 60 deg setting)
POINTS = {"Γ": [0, 0, 0], "T": [0.5, 0.5, 0.5], "L": [0.5, 0, 0], "F": [0.5, 0.5, 0]}
PATH = ["Γ", "L", "F", "Γ", "T"]

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--models", nargs="+", default=["mtp", "tensornet", "ace", "snap"])
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
args = parser.parse_args()
started = time.time()
prim, matrix = st.alpha_gete_primitive(), st.ALPHA_SUPERCELL


def summary(phonon, stresses):
    dist, bands = properties.band_path(phonon, [POINTS[p] for p in PATH])
    return {"points_thz": {p: properties.frequencies_thz(phonon, [q])[0].tolist()
                           for p, q in POINTS.items()},
            "path_distance": dist.tolist(), "path_thz": bands.tolist(),
            "dos": [x.tolist() for x in properties.density_of_states(phonon)],
            "elastic_gpa": properties.elastic_constants(stresses).tolist()}


def dft_row(labelled: list) -> tuple[dict, list, list]:
    """The DFT phonons and elastic constants from a labelled gete_props (row, displaced, strained)."""
    dft = {a.info["candidate_id"]: a for a in labelled}
    disp = [dft[f"alpha_phonons/{k:03d}"] for k in range(len(dft))
            if f"alpha_phonons/{k:03d}" in dft]
    strains = [a for cid, a in sorted(dft.items()) if cid.startswith("alpha_strains")]
    if len(disp) < 5 or len(strains) < 12:
        raise SystemExit(f"data/gete_props is incomplete ({len(disp)}/5 displacement and "
                         f"{len(strains)}/12 strain frames); run "
                         "`python -m mlip_course.data build gete_props` first.")
    stress = {(int(a.info["strain_component"]), float(a.info["strain"])): a.get_stress()
              for a in strains}
    forces = [a.get_forces() for a in disp]
    return summary(properties.force_constants(prim, matrix, forces), stress), disp, strains


rows = {}
rows["cp2k"], disp, strains = dft_row(frames("gete_props"))
rows["cp2k_gamma"] = dft_row(previous_frames("gete_props"))[0]
for kind in args.models:
    t = time.time()
    calc = as_calculator(as_predictor(reload(kind)))
    phonon = properties.phonons_with(calc, prim, matrix)
    rows[kind] = summary(phonon, properties.model_stresses(calc, strains))
    rows[kind]["wall_s"] = round(time.time() - t, 1)
    gamma = np.array(rows[kind]["points_thz"]["Γ"])
    print(f"{kind}: Γ {gamma.round(2)} THz, C11 {rows[kind]['elastic_gpa'][0][0]:.0f} GPa",
          flush=True)

# the DFT row computed like the models' training labels (gete): what they can be expected to match
reference = "cp2k" if same_level("gete", "gete_props") else "cp2k_gamma"
results.save(STUDY, {"rows": rows, "points": POINTS, "path": PATH, "distance_a": 0.03,
                     "strain": 0.01, "note": args.note,
                     "models_reference": reference},
             started=started, datasets=sources("gete", "gete_props"),
             # its own frames and those the models were trained on: relabelled data make it stale
             frames=[results.frame_hash(a) for a in disp + strains]
             + results.load("models")["provenance"]["frames_used"])
print("wrote", results.study_dir(STUDY) / "results.json")
