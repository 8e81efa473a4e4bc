"""The case studies the book reproduces: the paper's finding and value beside ours.

Each :class:`Case` names the figure or table of a review (and the original paper), states the
finding in our words, gives the paper's value, and measures ours from what the repository
ships (``results/`` and ``data/``), so the index page recomputes every number. ``supports``
says whether our measurement supports the paper's finding; a reproduction that does not is
reported as such, not hidden.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import pick, results


@dataclass(frozen=True)
class Case:
    """One reproduced figure: where it is from, what it says, the paper's number and ours."""

    key: str
    figure: str            # e.g. "W Fig. 5A; Sosso et al. 2012"
    finding: str           # the paper's claim, in our words
    paper: str             # the paper's value (or "qualitative")
    page: str              # the book page (path below book/, no suffix)
    measure: Callable[[], tuple[float, str]]     # -> (our number, one line saying what it is)
    supports: Callable[[float], bool]            # does our number support the finding?


def _rupp() -> tuple[float, str]:
    run = results.load("rupp2012_cm_qm9")["payload"]
    best = min(run["curves"].items(), key=lambda kv: kv[1]["mae"][-1])
    name, curve = best
    return curve["mae"][-1], (f"{curve['mae'][-1]:.1f} kcal/mol MAE ({name.replace('_', ' ')}, "
                              f"{curve['sizes'][-1]} QM9 molecules)")


def _atlas() -> tuple[float, str]:
    from .models import atlas

    table = atlas.load()
    n = int((table["in_table2"] == "yes").sum())
    here = int(((table["in_table2"] == "yes") & (table["here"] != "no")).sum())
    return float(n), f"{n} systems catalogued, {here} of them run in the book"


def _attention() -> tuple[float, str]:
    from .benchmark import reload
    from .data import frames

    att = reload("attention").attention(frames("gete_aimd")[-1])
    ratios = [w[att["r"] < 3.3].mean() / w[att["r"] > 3.6].mean() for w in att["weights"]]
    return min(ratios), (f"first-shell / farther weight ratio {min(ratios):.1f}-"
                         f"{max(ratios):.1f} over the layers (trained attention model)")


def _rff() -> tuple[float, str]:
    from .data import frames
    from .descriptors.acsf import ACSF
    from .models.bpnn import DEFAULT_G2, DEFAULT_G4
    from .models.kernel import training_times, typical_distance

    acsf = ACSF(["Ge", "Te"], 5.0, DEFAULT_G2, DEFAULT_G4)
    x = np.concatenate([acsf.create(a) for a in frames("gete")[:: pick(4, 8)][:24]])
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    y = np.sin(x[:, 0]) + 0.1 * x[:, 1]                   # any target: only the cost matters
    full, rff = training_times(x, y, 300, typical_distance(x))
    saving = 1.0 - rff / full
    return saving, (f"{100 * saving:.0f} % less training time with 300 random features than "
                    f"with the full kernel, N = {len(x)} environments")


def _sosso() -> tuple[float, str]:
    from ase.io import read

    from .analysis import first_peak, rdf
    from .data import frames

    study = "applications/gete_structure"
    stages = results.load(study)["payload"]["stages"]
    bench = results.load("models")["payload"]["rows"]
    liquids = [s for s in stages if s.startswith("liquid64_")]
    best = min(liquids, key=lambda s: bench[s.split("_", 1)[1]]["force_rmse_mev_per_ang"])
    traj = read(results.study_dir(study) / f"{best}.xyz", f"::{pick(1, 4)}")
    peak = first_peak(*rdf(traj, 6.0, 120), r_range=(2.3, 3.4))
    ref = first_peak(*rdf(frames("gete_aimd")[40:], 6.0, 120), r_range=(2.3, 3.4))
    return abs(peak - ref), (f"first g(r) peak {peak:.2f} Å ({best.split('_', 1)[1]}) vs "
                             f"{ref:.2f} Å (CP2K MD): |Δ| = {abs(peak - ref):.3f} Å")


def _diffusion() -> tuple[float, str]:
    from ase.io import read

    from .analysis import arrhenius_extrapolate, diffusion_with_error

    study = "applications/diffusion"
    runs = results.load(study)["payload"]["runs"]
    temps = sorted(v["temperature_k"] for v in runs.values())
    hot, cold = [t for t in temps if t >= 900.0], min(temps)
    d = {t: diffusion_with_error(read(results.study_dir(study) / f"T{t:.0f}.xyz", ":"), "Ge",
                                 0.1, 1.5, 4.0, blocks=4) for t in [cold, *hot]}
    pred, _ = arrhenius_extrapolate(hot, [d[t][0] for t in hot], [d[t][1] for t in hot], cold)
    ratio = pred / d[cold][0]
    return ratio, (f"Ge: D({cold:.0f} K) extrapolated from {min(hot):.0f}-{max(hot):.0f} K is "
                   f"{ratio:.1f}x the value measured at {cold:.0f} K")


def _structure_search() -> tuple[float, str]:
    from .data import frames

    clusters = frames("ge_clusters")
    e = np.array([a.get_potential_energy() for a in clusters])
    by = np.array([a.info["search_potential"] for a in clusters])
    gap = e[by == "tersoff"].min() - e[by == "chgnet"].min()
    return gap, f"Tersoff's best Ge10 lies {gap:.2f} eV above CHGNet's best in CP2K"


def _universal() -> tuple[float, str]:
    rows = results.load("applications/universal")["payload"]["rows"]
    zero = rows["chgnet_zero_shot"]["force_rmse_mev_per_ang"]
    tuned = min(v["force_rmse_mev_per_ang"] for k, v in rows.items()
                if k.startswith("chgnet_fine_tuned"))
    return zero / tuned, (f"CHGNet force RMSE {zero:.0f} meV/Å zero-shot -> {tuned:.0f} "
                          f"fine-tuned on 50 frames")


def _device_scale() -> tuple[float, str]:
    from .analysis import power_law

    runs = [r for r in results.load("applications/scaling")["payload"]["lammps"].values()
            if r["ranks"] == 2]
    n = np.array([r["atoms"] for r in runs])
    t = np.array([r["seconds"] / r["steps"] for r in runs])
    b, _ = power_law(n, t, (1e3, 2e5))
    return b, f"time per step ∝ N^{b:.2f} (SNAP in LAMMPS, 10^3-{n.max():,} atoms, 2 cores)"


def _phonons() -> tuple[float, str]:
    run = results.load("applications/properties")["payload"]
    rows, reference = run["rows"], run.get("models_reference", "cp2k")

    def rms_to(ref: str) -> dict[str, float]:
        path = np.array(rows[ref]["path_thz"])
        return {k: float(np.sqrt(np.mean((np.array(v["path_thz"]) - path) ** 2)))
                for k, v in rows.items() if not k.startswith("cp2k")}

    rms = rms_to(reference)                 # against the DFT computed like the training labels
    best = min(rms, key=rms.get)
    text = (f"alpha-GeTe phonons along the path: {best} within {rms[best]:.2f} THz (RMS) of "
            f"CP2K computed like its training labels; worst model {max(rms.values()):.2f} THz")
    if reference != "cp2k":
        text += (f" (against k-point converged CP2K: {min(rms_to('cp2k').values()):.2f} THz; "
                 "the training labels are not converged, see page 6d)")
    return rms[best], text


def _complexity() -> tuple[float, str]:
    rows = results.load("perspectives/complexity")["payload"]["rows"]
    ace = sorted((v["n_parameters"], v["force_rmse_mev_per_ang"]) for k, v in rows.items()
                 if k.startswith("ace_"))
    (n0, f0), (n1, f1), (n2, f2) = ace[0], ace[len(ace) // 2], ace[-1]
    late = (f1 - f2) / (f0 - f2)
    return late, (f"linear ACE: force RMSE {f0:.0f} -> {f1:.0f} -> {f2:.0f} meV/Å at {n0}, {n1}, "
                  f"{n2} weights; the larger half of the sweep gains {100 * late:.0f} % "
                  "of the total")


def _ga() -> tuple[float, str]:
    run = results.load("ga_vs_random")["payload"]
    calls = {k: float(np.mean(v)) for k, v in run["force_calls"].items()}
    ratio = calls["ga"] / calls["random"]
    return ratio, (f"{run['cluster']}: the GA needs {ratio:.2f}x the force calls of random "
                   f"search for the same number of relaxations")


@functools.cache
def _dft_scans() -> tuple[dict, dict]:
    """E-V fits of data/gst_eos by CP2K, and each scan's composition."""
    from .data import frames
    from .properties import composition, eos_fits

    eos = frames("gst_eos")
    return eos_fits(eos), {a.info["origin"].removesuffix("_eos"): composition(a) for a in eos}


@functools.cache
def _chgnet_scans() -> dict:
    """E-V fits of data/gst_eos by CHGNet zero-shot."""
    from .data import frames
    from .data.recipes import driver
    from .properties import eos_fits

    eos = frames("gst_eos")
    chgnet = driver()
    return eos_fits(eos, [chgnet.get_potential_energy(a) / len(a) for a in eos])


def _sbte_eos() -> tuple[float, str]:
    (dft, _), chgnet = _dft_scans(), _chgnet_scans()
    dv = {c: 100 * (chgnet[c]["v0"] / dft[c]["v0"] - 1) for c in ("sb_a7", "te_trigonal", "sb2te3")}
    worst = max(dv.values(), key=abs)
    return abs(worst), ("CHGNet (a graph network, zero-shot) vs CP2K: V0 of Sb, Te and Sb2Te3 "
                        f"within {abs(worst):.1f} % (" + ", ".join(f"{v:+.1f}" for v in dv.values())
                        + " %)")


ELEMENT_PHASES = {"Ge": "ge_diamond", "Sb": "sb_a7", "Te": "te_trigonal"}


def _wrong_side(fits: dict[str, dict[str, float]]) -> list[str]:
    """Crystals of data/gst_eos that ``fits`` (a model's E-V fits) put on the other side of the
    CP2K convex hull: stable where CP2K says metastable, or the reverse."""
    from .properties import hull_table

    dft, units = _dft_scans()
    stable = []
    for f in (dft, fits):
        table = hull_table({c: (units[c], f[c]["e0"]) for c in dft}, ELEMENT_PHASES)
        stable.append(set(table.index[table["above hull (meV/atom)"] < 1]))
    return sorted(stable[0] ^ stable[1])


def _hull() -> tuple[float, str]:
    wrong, n = _wrong_side(_chgnet_scans()), len(_dft_scans()[1])
    return float(len(wrong)), (f"CHGNet zero-shot puts {len(wrong)} of {n} crystals on the "
                               f"wrong side of the CP2K hull ({', '.join(wrong)})")


def _model_hull() -> tuple[float, str]:
    import json

    from .data import frames
    from .properties import scan_e0

    run = results.load("applications/gst")["payload"]            # refuses stale results
    rows = json.loads((results.study_dir("applications/gst") / "eos.json").read_text())
    e0 = scan_e0(frames("gst_eos"), [r["model"] for r in rows])
    fits = {c: {"e0": e} for c, e in e0.items()}
    wrong = _wrong_side(fits)
    return float(len(wrong)), (f"the course's {run['model']}, trained on our Ge-Sb-Te frames, puts "
                               f"{len(wrong)} of {len(fits)} crystals on the wrong side of the "
                               "CP2K hull" + (f" ({', '.join(wrong)})" if wrong else ""))


def _gst_rings() -> tuple[float, str]:
    from ase.io import read

    from .analysis import ring_statistics

    results.load("applications/gst")                             # refuses stale results
    folder = results.study_dir("applications/gst")
    share = {}
    for glass in ("gst225", "sb66te34"):
        snaps = read(folder / f"amorphous_{glass}.xyz", f"-{pick(5, 2)}:")
        share[glass] = ring_statistics(snaps, 3.2, {"Ge", "Sb"}, {"Te"})["ABAB of 4-rings"]
    gap = share["gst225"] - share["sb66te34"]
    return gap, (f"ABAB share of four-membered rings: GST225 {share['gst225']:.2f}, "
                 f"Sb66Te34 {share['sb66te34']:.2f} (course model glasses, 504 and 512 atoms)")


CASES = [
    Case("rupp", "R, Global descriptors; Rupp et al. 2012",
         "the Coulomb matrix with kernel ridge regression learns atomization energies",
         "9.9 kcal/mol MAE (7 000 GDB molecules, PBE0)", "04_descriptors/global_descriptors",
         _rupp, lambda v: v <= 15.0),
    Case("ga", "R, Static structure sampling; Deaven & Ho 1995",
         "a genetic algorithm finds cluster minima with less work than random search",
         "qualitative", "03_sampling/global_search", _ga, lambda v: v < 0.8),
    Case("table2", "W Table 2", "45 implemented MLIPs in six families", "45 systems",
         "05_models/atlas", _atlas, lambda v: v == 45),
    Case("attention", "W Fig. 4E", "attention weights show which neighbours a transformer uses",
         "qualitative", "05_models/transformers", _attention, lambda v: v > 1.0),
    Case("rff", "R, Kernel methods; Dhaliwal et al. 2022",
         "random features cut the training time of a kernel potential",
         "96 % less training time", "05_models/gaussian_process", _rff, lambda v: v > 0.5),
    Case("sosso", "W Fig. 5A; Sosso et al. 2012",
         "an MLIP reproduces the DFT radial distribution function of liquid GeTe",
         "g(r) on top of the DFT one", "06_applications/gete_structure", _sosso,
         lambda v: v <= 0.05),
    Case("diffusion", "R Fig. 5a", "diffusion extrapolated from high-temperature runs is wrong "
         "at low temperature; long MLIP runs measure it directly", "qualitative",
         "06_applications/diffusion", _diffusion, lambda v: v > 1.2),
    Case("phonons", "W, Prediction of material properties",
         "MLIPs predict phonons close to DFT", "qualitative", "06_applications/properties",
         _phonons, lambda v: v < 1.0),
    Case("search", "W Fig. 7", "structure search with an MLIP finds minima a classical "
         "potential misses", "qualitative", "06_applications/structure_search",
         _structure_search, lambda v: v > 1.0),
    Case("universal", "W Fig. 8", "a pretrained universal model improves when fine-tuned on "
         "a few system-specific frames", "qualitative", "06_applications/universal_models",
         _universal, lambda v: v > 1.0),
    Case("scaling", "W Fig. 5E; R Fig. 5d; Zhou et al. 2023",
         "an MLIP scales linearly with size, DFT cubically; device models of > 500 000 atoms",
         "O(N) vs O(N^3); 5x10^5 atoms", "06_applications/device_scale", _device_scale,
         lambda v: 0.9 <= v <= 1.2),
    Case("sbte_eos", "W Fig. 5D; Wang et al. 2023",
         "a graph network reproduces the DFT energy-volume curves of Sb-Te crystals",
         "qualitative", "06_applications/gst", _sbte_eos, lambda v: v < 3.0),
    Case("hull", "W Fig. 6C; Seko 2020",
         "an MLIP reproduces the DFT convex hull: the same stable phases", "qualitative",
         "06_applications/gst", _hull, lambda v: v == 0),
    Case("hull_model", "W Fig. 6C; Seko 2020",
         "an MLIP trained on the system's own DFT data reproduces its convex hull", "qualitative",
         "06_applications/gst", _model_hull, lambda v: v == 0),
    Case("gst_rings", "W Fig. 5B-C; Mocanu et al. 2018; Ahmed et al. 2021",
         "glasses near the GeTe-Sb2Te3 line hold more ABAB squares than Sb-rich Sb-Te glasses",
         "qualitative", "06_applications/gst", _gst_rings, lambda v: v > 0),
    Case("complexity", "W, Trade-off between accuracy and complexity",
         "accuracy grows with model complexity, with diminishing returns", "qualitative",
         "07_perspectives/complexity", _complexity, lambda v: v < 0.5),
]
