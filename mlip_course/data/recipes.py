"""What each dataset labels, and how the candidates were sampled.

A dataset is a list of *groups*. Each group is one sampling run (one origin: a rattled crystal
series, one CHGNet MD trajectory, one melt-quench), makes its candidates deterministically from
its seed, and tags every candidate with ``origin`` (the group), ``phase`` and ``candidate_id``.
Splits hold out whole origins, so correlated frames of one trajectory never straddle
train and test.

Sampling methods used (Ran et al. 2024, "Structure sampling"): random displacements and strains of
crystals; point defects (vacancies, antisites); surfaces; molecular dynamics of the liquid at
several temperatures and melt-quench to the amorphous state, driven by a cheap model (CHGNet
0.3.0, weights in its wheel). CHGNet only *chooses* geometries: every label is CP2K.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from ase import Atoms

from ..reference import CP2KSettings
from . import structures as st


@dataclass(frozen=True)
class Group:
    """One sampling run: ``make(seed)`` returns its candidates (unlabelled Atoms)."""

    name: str
    phase: str
    make: Callable[[int], list[Atoms]]
    seed: int
    needs_driver: bool = False  # True when sampling runs MD with the cheap model

    def candidates(self) -> list[Atoms]:
        frames = self.make(self.seed)
        for k, atoms in enumerate(frames):
            atoms.info.update(origin=self.name, phase=self.phase,
                              candidate_id=f"{self.name}/{k:03d}")
        return frames


_DRIVER = None


def driver():
    """The cheap model that drives MD sampling: CHGNet 0.3.0 (weights ship in its wheel)."""
    global _DRIVER
    if _DRIVER is None:
        import warnings

        warnings.filterwarnings("ignore", module="chgnet")
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        model = CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False)
        _DRIVER = CHGNetCalculator(model=model, use_device="cpu")
    return _DRIVER


# --- group factories ---------------------------------------------------------------------

def rattled(builder: Callable[[], Atoms], n: int, rattle: tuple[float, float],
            strain: float) -> Callable[[int], list[Atoms]]:
    def make(seed: int) -> list[Atoms]:
        rng = np.random.default_rng(seed)
        base = builder()
        return [st.rattle_strain(base, rng, r, strain) for r in np.linspace(*rattle, n)]
    return make


def isotropic_scan(builder: Callable[[], Atoms], scales: tuple[float, ...],
                   rattle: float = 0.02, info: dict | None = None) -> Callable[[int], list[Atoms]]:
    """The crystal scaled by each of ``scales`` (lengths); ``info["scan_scale"]`` records the
    scale, so that a k-point density gives every frame of the scan the same mesh. ``info``
    is added to every frame's (e.g. its own ``kpoint_density``)."""
    def make(seed: int) -> list[Atoms]:
        rng = np.random.default_rng(seed)
        out = []
        for s in scales:
            atoms = builder()
            atoms.set_cell(atoms.cell * s, scale_atoms=True)
            atoms.info.update(info or {})
            atoms.info["scan_scale"] = float(s)
            atoms.positions += rng.normal(0, rattle, atoms.positions.shape)
            out.append(atoms)
        return out
    return make


def defects(builder: Callable[[], Atoms], n: int, element: str, count: int,
            antisite: tuple[str, str] | None = None) -> Callable[[int], list[Atoms]]:
    def make(seed: int) -> list[Atoms]:
        rng = np.random.default_rng(seed)
        out = []
        for r in np.linspace(0.03, 0.12, n):
            atoms = builder()
            if count:
                atoms = st.with_vacancies(atoms, rng, element, count)
            if antisite:
                atoms = st.with_antisite(atoms, rng, *antisite)
            out.append(st.rattle_strain(atoms, rng, r, 0.01))
        return out
    return make


def surface(builder: Callable[[], Atoms], n: int, vacuum: float = 6.0,
            md_temperature_k: float = 0.0) -> Callable[[int], list[Atoms]]:
    def make(seed: int) -> list[Atoms]:
        rng = np.random.default_rng(seed)
        base = st.slab(builder(), vacuum=vacuum)
        if md_temperature_k:
            return st_md(base, md_temperature_k, n, seed)
        return [st.rattle_strain(base, rng, r, 0.0) for r in np.linspace(0.03, 0.12, n)]
    return make


def st_md(atoms: Atoms, temperature_k: float, n: int, seed: int, every: int = 40,
          equilibrate: int = 200) -> list[Atoms]:
    from ..sampling.md import sample_nvt

    return sample_nvt(atoms.copy(), driver(), temperature_k, n * every, every, seed=seed,
                      equilibrate=equilibrate)


def thermal(builder: Callable[[], Atoms], temperature_k: float, n: int) -> Callable[[int], list[Atoms]]:
    def make(seed: int) -> list[Atoms]:
        return st_md(builder(), temperature_k, n, seed)
    return make


def relaxed(make_frames: Callable[[int], list[Atoms]], fmax: float = 0.05,
            steps: int = 400) -> Callable[[int], list[Atoms]]:
    """The frames of ``make_frames`` with their atoms relaxed by the cheap model (the MD driver,
    CHGNet) in their fixed cells, to ``fmax`` eV/A: relaxed-ion geometries for the DFT label,
    e.g. an E-V scan of a disordered crystal whose ideal sites are far from its minimum.
    ``info["relax_steps"]`` records the optimiser steps (``steps`` at most)."""
    def make(seed: int) -> list[Atoms]:
        from ase.optimize import FIRE

        out = []
        for atoms in make_frames(seed):
            atoms.calc = driver()
            opt = FIRE(atoms, logfile=None)
            opt.run(fmax=fmax, steps=steps)
            atoms.calc = None
            atoms.info["relax_steps"] = int(opt.nsteps)
            out.append(atoms)
        return out
    return make


def phonon_displacements(builder: Callable[[], Atoms], supercell_matrix,
                         distance: float = 0.03) -> Callable[[int], list[Atoms]]:
    """The perfect supercell, then phonopy's symmetry-reduced displaced supercells (the
    finite-difference set for force constants; ``mlip_course.properties`` rebuilds the same)."""
    def make(seed: int) -> list[Atoms]:
        from ..properties import displaced_supercells

        return displaced_supercells(builder(), supercell_matrix, distance)
    return make


def voigt_strains(builder: Callable[[], Atoms], magnitude: float = 0.01) -> Callable[[int], list[Atoms]]:
    """The cell strained by -magnitude and +magnitude in each of the six Voigt components
    (atoms follow the cell: clamped-ion elastic constants from the stresses)."""
    def make(seed: int) -> list[Atoms]:
        from ..properties import strained

        return [strained(builder(), k, sign * magnitude) for k in range(6) for sign in (-1, 1)]
    return make


def melt(symbols: list[str], density: float, temperature_k: float, n: int,
         melt_k: float = 2500.0) -> Callable[[int], list[Atoms]]:
    """Random packing -> melt at ``melt_k`` -> sample the liquid at ``temperature_k``."""
    def make(seed: int) -> list[Atoms]:
        from ..sampling.md import sample_nvt

        atoms = st.random_packing(symbols, density, seed=seed)
        sample_nvt(atoms, driver(), melt_k, 300, 300, seed=seed)
        return sample_nvt(atoms, driver(), temperature_k, n * 40, 40, seed=seed + 1,
                          equilibrate=300, init_velocities=False)
    return make


def melt_quench(symbols: list[str], density: float, n: int, liquid_k: float = 1100.0,
                quench_to_k: float = 300.0) -> Callable[[int], list[Atoms]]:
    """Melt, quench stepwise from ``liquid_k`` to ``quench_to_k`` (8 stages of 150 steps,
    i.e. ~3e14 K/s -- far faster than experiment, as in most AIMD studies), then sample
    the glass at ``quench_to_k``."""
    def make(seed: int) -> list[Atoms]:
        from ..sampling.md import quench, sample_nvt

        atoms = st.random_packing(symbols, density, seed=seed)
        sample_nvt(atoms, driver(), 2500.0, 300, 300, seed=seed)
        sample_nvt(atoms, driver(), liquid_k, 300, 300, seed=seed + 1, init_velocities=False)
        temps = np.linspace(liquid_k, quench_to_k, 8)
        frames = quench(atoms, driver(), temps[1:-1], 150, seed=seed + 2, keep_last=1)
        frames = frames[-(n // 3):]
        frames += sample_nvt(atoms, driver(), quench_to_k, (n - len(frames)) * 40, 40,
                             seed=seed + 3, equilibrate=100, init_velocities=False)
        return frames
    return make


def from_trajectory(path: str, every: int, start: int = 0) -> Callable[[int], list[Atoms]]:
    """Active learning: every ``every``-th snapshot of a committed MD run of a course model
    (``path`` relative to the repository), so that CP2K labels the configurations the model
    itself visits. Positions, numbers and cell only; a missing file says which script makes it."""

    def make(seed: int) -> list[Atoms]:
        from ase.io import read

        from .. import repo_root

        source = repo_root() / path
        if not source.exists():
            raise FileNotFoundError(f"{path} is missing: it is written by the study under "
                                    f"scripts/ that ran this model (see its results folder).")
        return [Atoms(a.numbers, a.positions, cell=a.cell, pbc=True)
                for a in read(source, f"{start}::{every}")]

    return make


# --- datasets ----------------------------------------------------------------------------

GETE64 = ["Ge"] * 32 + ["Te"] * 32


def _gete() -> list[Group]:
    g: list[Group] = []
    for k in range(4):
        g.append(Group(f"rocksalt_rattle_{k}", "crystal",
                       rattled(st.rocksalt_gete, 6, (0.04, 0.15), 0.03), 100 + k))
        g.append(Group(f"alpha_rattle_{k}", "crystal",
                       rattled(st.alpha_gete, 6, (0.04, 0.15), 0.03), 200 + k))
    g.append(Group("rocksalt_eos", "crystal",
                   isotropic_scan(st.rocksalt_gete, (0.95, 0.97, 0.99, 1.0, 1.01, 1.03, 1.05, 1.07)), 300))
    g.append(Group("alpha_eos", "crystal",
                   isotropic_scan(st.alpha_gete, (0.95, 0.97, 0.99, 1.0, 1.01, 1.03, 1.05, 1.07)), 301))
    g.append(Group("alpha_md_300K", "crystal", thermal(st.alpha_gete, 300.0, 8), 310, True))
    g.append(Group("alpha_md_600K", "crystal", thermal(st.alpha_gete, 600.0, 8), 311, True))
    # hot crystal where a SET anneal runs (GeTe is rocksalt-like above ~700 K): added after
    # models trained without it lost the crystal at 700 K within picoseconds (page 6a)
    g.append(Group("rocksalt_md_700K", "crystal", thermal(st.rocksalt_gete, 700.0, 8), 312, True))
    g.append(Group("rocksalt_md_900K", "crystal", thermal(st.rocksalt_gete, 900.0, 8), 313, True))
    for k, (builder, el, cnt) in enumerate([(st.alpha_gete, "Ge", 1), (st.alpha_gete, "Ge", 2),
                                            (st.rocksalt_gete, "Ge", 2), (st.rocksalt_gete, "Te", 1)]):
        g.append(Group(f"vacancy_{k}", "defect", defects(builder, 6, el, cnt), 400 + k))
    g.append(Group("antisite_0", "defect", defects(st.alpha_gete, 5, "Ge", 0, ("Ge", "Te")), 410))
    g.append(Group("antisite_1", "defect", defects(st.alpha_gete, 5, "Ge", 1, ("Ge", "Te")), 411))
    for k, builder in enumerate([st.rocksalt_gete, st.alpha_gete, st.rocksalt_gete]):
        g.append(Group(f"slab_{k}", "surface", surface(builder, 6), 500 + k))
    g.append(Group("slab_md_600K_0", "surface", surface(st.alpha_gete, 6, md_temperature_k=600.0), 510, True))
    g.append(Group("slab_md_600K_1", "surface", surface(st.rocksalt_gete, 6, md_temperature_k=600.0), 511, True))
    for k, temp in enumerate((900.0, 1000.0, 1100.0, 1200.0)):
        g.append(Group(f"liquid_{int(temp)}K", "liquid",
                       melt(GETE64, st.LIQUID_DENSITY_ATOMS_PER_A3["GeTe"], temp, 18), 600 + k, True))
    for k in range(4):
        g.append(Group(f"amorphous_{k}", "amorphous",
                       melt_quench(GETE64, st.LIQUID_DENSITY_ATOMS_PER_A3["GeTe"], 15), 700 + k, True))
    # active learning: tnet's own 64-atom liquid at 1000 K (every 2 ps), added after its liquid
    # and glass built more Ge-Ge bonds than the CP2K MD (pages 6a, 6g)
    g.append(Group("al_tnet_liquid", "liquid",
                   from_trajectory("results/applications/gete_structure/liquid64_tnet.xyz", 20), 800))
    return g


def _gst() -> list[Group]:
    g: list[Group] = []
    gst58 = lambda seed: (lambda: st.rocksalt_gst(seed=seed))  # noqa: E731
    for k in range(4):
        g.append(Group(f"gst_rocksalt_rattle_{k}", "crystal",
                       rattled(gst58(k), 6, (0.04, 0.15), 0.03), 1100 + k))
    for k in range(2):
        g.append(Group(f"sb2te3_rattle_{k}", "crystal", rattled(st.sb2te3, 6, (0.04, 0.15), 0.03), 1200 + k))
    g.append(Group("ge_diamond_rattle", "crystal", rattled(st.diamond_ge, 5, (0.04, 0.15), 0.03), 1300))
    g.append(Group("sb_a7_rattle", "crystal", rattled(st.a7_sb, 5, (0.04, 0.15), 0.03), 1301))
    g.append(Group("te_trigonal_rattle", "crystal", rattled(st.trigonal_te, 5, (0.04, 0.15), 0.03), 1302))
    g.append(Group("gst_rocksalt_md_600K", "crystal", thermal(gst58(9), 600.0, 6), 1310, True))
    g.append(Group("sb2te3_vacancy", "defect", defects(st.sb2te3, 6, "Te", 1), 1400))
    g.append(Group("gst_antisite", "defect", defects(gst58(5), 6, "Ge", 0, ("Ge", "Sb")), 1401))
    g.append(Group("sb2te3_slab", "surface", surface(st.sb2te3, 6), 1500))
    g.append(Group("gst_slab", "surface", surface(gst58(7), 6), 1501))
    # more defects and surfaces, so that defect/surface frames reach >= 15 % of the set
    g.append(Group("gst_te_vacancy", "defect", defects(gst58(11), 6, "Te", 1), 1402))
    g.append(Group("sb2te3_antisite", "defect", defects(st.sb2te3, 6, "Sb", 0, ("Sb", "Te")), 1403))
    g.append(Group("gst_slab_1", "surface", surface(gst58(12), 6), 1502))
    gst63 = ["Ge"] * 14 + ["Sb"] * 14 + ["Te"] * 35
    sbte = ["Sb"] * 42 + ["Te"] * 22  # Sb-rich Sb2Te-like liquid/glass (Sb66Te34)
    for k, temp in enumerate((900.0, 1100.0)):
        g.append(Group(f"gst_liquid_{int(temp)}K", "liquid",
                       melt(gst63, st.LIQUID_DENSITY_ATOMS_PER_A3["GST"], temp, 14), 1600 + k, True))
        g.append(Group(f"sbte_liquid_{int(temp)}K", "liquid",
                       melt(sbte, st.LIQUID_DENSITY_ATOMS_PER_A3["SbTe"], temp, 8), 1610 + k, True))
    for k in range(2):
        g.append(Group(f"gst_amorphous_{k}", "amorphous",
                       melt_quench(gst63, st.LIQUID_DENSITY_ATOMS_PER_A3["GST"], 14), 1700 + k, True))
        g.append(Group(f"sbte_amorphous_{k}", "amorphous",
                       melt_quench(sbte, st.LIQUID_DENSITY_ATOMS_PER_A3["SbTe"], 8), 1710 + k, True))
    return g


def _gete_props() -> list[Group]:
    prim = st.alpha_gete_primitive
    return [Group("alpha_phonons", "crystal",
                  phonon_displacements(prim, st.ALPHA_SUPERCELL), 2000),
            Group("alpha_strains", "crystal", voigt_strains(st.alpha_gete), 2001)]


def _gete_aimd_k() -> list[Group]:
    # the group keeps the origin of the MD frames, so splits hold the whole run out together
    return [Group("gete_aimd_1000K", "liquid", from_trajectory("data/gete_aimd/frames.xyz", 10),
                  0)]


def cluster_search(symbols: str, potential: str, n_keep: int = 8, box: float = 14.0,
                   **search) -> Callable[[int], list[Atoms]]:
    """The ``n_keep`` lowest distinct minima of a cluster found by basin hopping and a GA
    with ``potential`` ("tersoff": the classical potential; "chgnet": the universal MLIP),
    each centred in a periodic cubic box of ``box`` A for the DFT label. ``search`` sets the
    budget (see :func:`mlip_course.sampling.minima.low_lying_minima`)."""

    def make(seed: int) -> list[Atoms]:
        from ..sampling.clusters import InVacuum, tersoff
        from ..sampling.minima import low_lying_minima

        if potential == "tersoff":
            calc, fmax = tersoff(), 0.005
        elif potential == "chgnet":
            calc, fmax = InVacuum(driver()), 0.02   # CHGNet forces are noisier
        else:
            raise ValueError(f"Unknown search potential {potential!r}: tersoff or chgnet.")
        out = []
        for m in low_lying_minima(symbols, calc, n_keep, seed=seed, fmax=fmax, **search):
            atoms = Atoms(m.numbers, m.positions, cell=[box] * 3, pbc=True)
            atoms.center()
            atoms.info.update(search_potential=potential, search_energy=m.info["energy"],
                              found_by=m.info["found_by"])
            out.append(atoms)
        return out

    return make


def _isolated(atoms: Atoms, vacuum: float) -> Atoms:
    """A molecule in a cubic box with at least ``vacuum`` A on every side, not periodic
    (CP2K's wavelet Poisson solver for isolated systems needs a cube)."""
    atoms.pbc = False
    extent = np.ptp(atoms.positions, axis=0).max()
    atoms.cell = [extent + 2 * vacuum] * 3
    atoms.center()
    return atoms


def dimer_scan(distances: tuple[float, ...], vacuum: float) -> Callable[[int], list[Atoms]]:
    """The water dimer at each O-O distance (A), its O-O axis along x, isolated (a box with
    ``vacuum`` A on every side, no periodic images)."""

    def make(seed: int) -> list[Atoms]:
        out = []
        for r in distances:
            atoms = _isolated(st.move_molecule(st.water_dimer(), r, direction=[1, 0, 0]), vacuum)
            atoms.info["r_oo"] = r
            out.append(atoms)
        return out

    return make


def random_dimers(n: int, r_range: tuple[float, float], vacuum: float, rattle: float = 0.02,
                  min_contact: float = 1.5) -> Callable[[int], list[Atoms]]:
    """``n`` water dimers with random rigid orientations of both molecules, O-O distance
    uniform in ``r_range`` (A), atoms rattled by ``rattle`` A, no intermolecular contact below
    ``min_contact`` A; isolated (``vacuum`` A on every side)."""

    def make(seed: int) -> list[Atoms]:
        from scipy.spatial.transform import Rotation

        rng = np.random.default_rng(seed)
        base = st.water_dimer()
        mol = base.arrays["molecule"]
        out = []
        while len(out) < n:
            atoms = base.copy()
            for m in (0, 1):
                sel = mol == m
                centre = atoms.positions[sel][0]
                rot = Rotation.random(random_state=rng.integers(2**31))
                atoms.positions[sel] = rot.apply(atoms.positions[sel] - centre) + centre
            atoms = st.move_molecule(atoms, rng.uniform(*r_range), direction=rng.normal(size=3))
            atoms.positions += rng.normal(0.0, rattle, atoms.positions.shape)
            d = atoms.get_all_distances()[np.ix_(mol == 0, mol == 1)]
            if d.min() < min_contact:
                continue
            atoms = _isolated(atoms, vacuum)
            atoms.info["r_oo"] = float(np.linalg.norm(atoms.positions[3] - atoms.positions[0]))
            out.append(atoms)
        return out

    return make


def monomers(vacuum: float) -> Callable[[int], list[Atoms]]:
    """The two molecules of the S22 water dimer alone (their dimer geometries), isolated:
    E(A) + E(B) is the dimer's energy at infinite separation."""

    def make(seed: int) -> list[Atoms]:
        dimer = st.water_dimer()
        out = []
        for m in (0, 1):
            out.append(_isolated(dimer[dimer.arrays["molecule"] == m], vacuum))
        return out

    return make


def _water_dimer() -> list[Group]:
    vacuum = 4.0
    scan = (2.6, 2.75, 2.9, 3.1, 3.4, 3.8, 4.3, 5.0, 5.8, 6.6, 7.5)
    return [Group("dimer_scan", "molecule", dimer_scan(scan, vacuum), 5000),
            Group("random_dimers", "molecule",
                  random_dimers(20, (2.6, 6.5), vacuum, min_contact=1.8), 5001),
            Group("monomers", "molecule", monomers(vacuum), 5002)]


def _ge_clusters() -> list[Group]:
    # Tersoff is cheap: a budget large enough that its own global minimum is found reliably
    # (two seeds agree), so that its ranking, not its search, is what DFT tests
    tersoff_budget = dict(bh_runs=4, bh_steps=50, ga_relaxations=200)
    return [Group("tersoff_minima", "cluster",
                  cluster_search("Ge10", "tersoff", **tersoff_budget), 3000),
            Group("chgnet_minima", "cluster", cluster_search("Ge10", "chgnet"), 3001,
                  needs_driver=True)]


#: linear scale factors of the equation-of-state scans (volume -11 % to +26 %: PBE without a
#: dispersion correction puts the minimum of the layered crystals well above the experimental
#: volume)
EOS_SCALES = (0.96, 0.98, 0.99, 1.0, 1.01, 1.02, 1.04, 1.06, 1.08)


#: k-points per reciprocal Angstrom of the E-V scans (``SETTINGS``): the 2-3-atom cells come within
#: 1.4 meV/atom of a 16x16x16 mesh at 6 (12x12x12 on A7 Sb, the slowest to converge; 6x6x6 was
#: 13 meV/atom off there, scripts/data/eos_kpoints.py). Two cells get less, as their own
#: ``info["kpoint_density"]``: Sb2Te3 (6x6x6 on its 5-atom cell; 12x12x12 would take hours a
#: frame) and the 58-atom GST (2x2x2, the mesh of the training cells; 4x4x4 is out of reach).
EOS_KPOINT_DENSITY = 6.0
EOS_KPOINT_DENSITY_OF = {"sb2te3": 3.0, "gst_rocksalt": 3.0}


def _gst_eos() -> list[Group]:
    """Energy-volume scans of the crystals of the Ge-Sb-Te system at their experimental shape and
    internal coordinates (no rattle): the Sb-Te E-V curves and the formation-energy (convex hull)
    check of the applications chapter. Ordered crystals as primitive cells (2-5 atoms), labelled
    with a k-point density (``EOS_KPOINT_DENSITY``, one mesh per scan); the disordered rocksalt
    GST needs its 58-atom cell."""
    builders = {"ge_diamond": lambda: st.diamond_ge(primitive=True),
                "sb_a7": lambda: st.a7_sb(primitive=True),
                "te_trigonal": lambda: st.trigonal_te(primitive=True),
                "gete_alpha": st.alpha_gete_primitive,
                "gete_rocksalt": st.rocksalt_gete_primitive,
                "sb2te3": lambda: st.sb2te3(primitive=True),
                "gst_rocksalt": lambda: st.rocksalt_gst(seed=0)}

    def scan(name: str) -> Callable[[int], list[Atoms]]:
        return isotropic_scan(builders[name], EOS_SCALES, rattle=0.0,
                              info={"kpoint_density": EOS_KPOINT_DENSITY_OF[name]}
                              if name in EOS_KPOINT_DENSITY_OF else None)

    # the GST cell's ideal rocksalt sites are far from its minimum (vacancies, two cations):
    # the same scan with the atoms relaxed by the cheap model in each cell, labelled by CP2K
    return [Group(f"{name}_eos", "crystal", scan(name), 3000 + k)
            for k, name in enumerate(builders)] + [
        Group("gst_rocksalt_relaxed_eos", "crystal", relaxed(scan("gst_rocksalt")), 3007,
              needs_driver=True)]


DATASETS: dict[str, Callable[[], list[Group]]] = {"gete": _gete, "gst": _gst,
                                                  "gst_eos": _gst_eos,
                                                  "gete_props": _gete_props,
                                                  "gete_aimd_k": _gete_aimd_k,
                                                  "ge_clusters": _ge_clusters,
                                                  "water_dimer": _water_dimer}
DESCRIPTIONS = {
    "gete": "GeTe: rocksalt and alpha crystals (rattled, strained, thermal), vacancies and "
            "antisites, surfaces, liquid at 900-1200 K, melt-quenched amorphous, and (active "
            "learning) the liquid of the course's tnet model at 1000 K; 62-64 atoms.",
    "gst": "Ge-Sb-Te: metastable rocksalt GST (Ge13Sb13Te32), Sb2Te3, Ge/Sb/Te elements, "
           "defects, surfaces, liquid and amorphous Ge14Sb14Te35 and Sb-rich Sb42Te22.",
    "gst_eos": "Energy-volume scans (9 isotropic scalings of the lattice, -11 % to +26 % in "
               "volume, experimental shape and internal positions, no rattle) of diamond Ge, "
               "A7 Sb, trigonal Te, alpha- and rocksalt GeTe, Sb2Te3 (primitive cells of 2-5 "
               "atoms) and metastable rocksalt GST (Ge13Sb13Te32, 58 atoms), labelled with one "
               "even k-point mesh per scan: 6 per reciprocal Angstrom on the 2-3-atom cells "
               "(12x12x12 on the 2-atom ones), 3 on Sb2Te3 (6x6x6) and the 58-atom cell (2x2x2); "
               "and the GST scan again with its atoms relaxed by CHGNet in each cell (the "
               "ideal sites are far from a minimum): Sb-Te E-V curves and formation energies.",
    "gete_aimd_k": "Every 10th step of the CP2K MD gete_aimd (liquid GeTe at 1000 K, run at "
                   "the Gamma point), labelled again as single points with the k-point mesh: "
                   "the MD's share of the training data once gete is relabelled.",
    "gete_props": "alpha-GeTe (64-atom pseudo-cubic cell, experimental geometry): phonopy "
                  "finite displacements (0.03 A) and +-1 % Voigt strains, for the DFT phonons "
                  "and clamped-ion elastic constants of the applications chapter.",
    "ge_clusters": "Ge10 clusters in a 14 A box: the 8 lowest distinct minima found by basin "
                   "hopping + a GA with Tersoff's potential and 8 with CHGNet, for the "
                   "structure-search ranking check of the applications chapter.",
    "water_dimer": "Isolated water dimers (cubic boxes, >= 4 A vacuum, not periodic): a rigid "
                   "O-O scan (2.6-7.5 A) of the S22 dimer, "
                   "its two molecules alone, and 20 randomly oriented, slightly rattled dimers "
                   "(O-O 2.6-6.5 A), for the long-range (electrostatics) example of the "
                   "perspectives chapter. Not built: with the shared 300 Ry cutoff the first "
                   "O/H frames failed verify's net-force check (0.07-0.55 eV/A; hard O "
                   "pseudopotential) and already took as long as a 64-atom GeTe frame (7-24 min "
                   "on the shared machine; the grid fills the box); this recipe's 600 Ry in a "
                   "cube of up to 18 A costs several times more. The long-range page labels "
                   "these geometries with GFN2-xTB instead.",
}


# Reference settings that differ from the shared ones (mlip_course.reference.CP2KSettings), per
# dataset; the manifest records what was used. O and H have hard GTH pseudopotentials: at the
# shared 300 Ry the grid breaks translation symmetry (net forces up to 0.55 eV/A); molecules
# are isolated (no periodic images: a dipole would feel its own). A cluster in a box needs no
# k-points. The Ge-Sb-Te sets were labelled at the Gamma point before the k-point mesh was measured
# (scripts/data/kpoints.py); `python -m mlip_course.data relabel NAME` labels them again with the
# mesh, and each entry goes when its relabelled frames replace the old ones.
GAMMA_ONLY = {"kpoints": None}
SETTINGS: dict[str, dict[str, object]] = {
    "water_dimer": {"cutoff_ry": 600.0, "rel_cutoff_ry": 60.0, "periodic": False},
    "ge_clusters": GAMMA_ONLY,
    "gete": GAMMA_ONLY, "gete_aimd": GAMMA_ONLY,
    "gst_eos": {"kpoint_density": EOS_KPOINT_DENSITY}}


def settings_for(name: str, **overrides) -> CP2KSettings:
    """The CP2K settings of dataset ``name``: the shared ones with its own changes (and
    ``overrides``, e.g. ``nproc``)."""
    return replace(CP2KSettings(), **{**SETTINGS.get(name, {}), **overrides})


def groups(name: str) -> list[Group]:
    if name not in DATASETS:
        raise KeyError(f"Unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}.")
    return DATASETS[name]()


def _gete_aimd_start() -> Atoms:
    """Last CHGNet snapshot of the 1000 K GeTe liquid (64 atoms) from the gete candidates."""
    from ase.io import read

    from .build import data_dir

    path = data_dir("gete") / "candidates" / "liquid_1000K.xyz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `python -m mlip_course.data sample gete` first.")
    atoms = read(path, index=-1, format="extxyz")
    atoms.info = {"origin": "gete/liquid_1000K (CHGNet melt)"}
    return atoms


# AIMD datasets: name -> (starting structure, MD temperature in K, default number of steps)
AIMD: dict[str, tuple[Callable[[], Atoms], float, int]] = {
    "gete_aimd": (_gete_aimd_start, 1000.0, 200),
}
DESCRIPTIONS["gete_aimd"] = ("GeTe liquid, 64 atoms, CP2K Born-Oppenheimer MD (NVT, CSVR) at 1000 K "
                             "from a CHGNet-melted cell: the DFT structural reference (RDF).")


def _gst_relax_start() -> Atoms:
    """The CHGNet-relaxed rocksalt GST cell of ``gst_eos`` nearest the minimum of its E-V curve."""
    from . import frames

    cid = "gst_rocksalt_relaxed_eos/005"
    atoms = next(a for a in frames("gst_eos") if a.info["candidate_id"] == cid)
    start = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=True)
    start.info = {"origin": f"gst_eos {cid} (atoms relaxed by CHGNet)", "phase": "crystal"}
    return start


# DFT relaxations of the atoms in a fixed cell (``python -m mlip_course.data relax NAME``):
# name -> starting structure
RELAX: dict[str, Callable[[], Atoms]] = {"gst_relax": _gst_relax_start}
DESCRIPTIONS["gst_relax"] = ("Rocksalt GST (Ge13Sb13Te32, 58 atoms) relaxed by CP2K (BFGS, fixed "
                             "cell, 2x2x2 mesh) from the CHGNet-relaxed cell of gst_eos nearest "
                             "its E-V minimum: every optimisation step is a frame; the last one "
                             "is the DFT energy of relaxed GST for the convex hull.")

# Frames of other datasets that ``data.load(name)`` adds, subsampled (every k-th MD step):
# the DFT MD of the liquid is both a structural reference and training/test data.
INCLUDES: dict[str, dict[str, int]] = {"gete": {"gete_aimd": 10}}
