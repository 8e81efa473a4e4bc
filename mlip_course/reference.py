"""Reference labels: the course's CP2K setup, fixed in one place, and the EMT warm-up toy.

The quantum-mechanical reference of every Ge-Sb-Te dataset is CP2K (Quickstep, GPW):

- PBE exchange-correlation, GTH pseudopotentials (Ge q4, Sb q5, Te q6), DZVP-MOLOPT-SR-GTH basis;
- plane-wave cutoff 300 Ry, relative cutoff 50 Ry, 4 multigrids, EPS_DEFAULT 1e-12;
- diagonalisation with Fermi-Dirac smearing at 1000 K, Broyden mixing (alpha 0.2),
  ADDED_MOS = 1.5 x number of atoms, SCF to 1e-6;
- a 2 x 2 x 2 Monkhorst-Pack k-point mesh on the ~12 A cells. The Gamma point alone is not
  enough even at 64 atoms (``scripts/data/kpoints.py``, against 3 x 3 x 3: a liquid GeTe
  frame's forces off by 0.14 eV/A RMS, a crystal frame's by 0.5 eV/A and its energy by
  0.3 eV/atom; 2 x 2 x 2 is within 0.02 eV/A and 2 meV/atom). Gamma only (``kpoints=None``)
  for molecules and clusters in a box, and for the datasets labelled before the mesh was
  measured (``recipes.SETTINGS``) until they are relabelled;
- analytical stress tensor.

These settings converged in 12-19 SCF steps on 64-atom GeTe cells and take 3-5 min per frame
on 2 cores (1.5 min at the Gamma point). The energy is CP2K's total FORCE_EVAL energy (the
Mermin free energy with smearing, consistent with the forces). Units are converted to eV,
eV/A and eV/A^3 on parsing.

:func:`emt_toy` is ASE's EMT, an effective-medium model for Cu/Ag/Au/Ni/Pd/Pt/Al. It is only a
warm-up labeller and is named as such wherever it is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.units import Bohr, GPa, Hartree

from .io import label

CP2K_BINARY = "cp2k.psmp"
INSTALL_HINT = (
    "CP2K is not installed. On Debian/Ubuntu: `sudo apt-get install cp2k cp2k-data "
    "libopenblas0-openmp` (cp2k.psmp, the GTH/MOLOPT data files, and a fast BLAS: see "
    "`blas_warning`); with conda: "
    "`conda install -c conda-forge cp2k`. Shipped datasets in data/ need no CP2K."
)

GTH_POTENTIALS = {"Ge": "GTH-PBE-q4", "Sb": "GTH-PBE-q5", "Te": "GTH-PBE-q6",
                  "Cu": "GTH-PBE-q11", "Si": "GTH-PBE-q4", "H": "GTH-PBE-q1",
                  "O": "GTH-PBE-q6"}


class CP2KNotFound(RuntimeError):
    """cp2k.psmp (or mpirun) is not on PATH."""


class CP2KFailed(RuntimeError):
    """CP2K ran but did not produce a converged energy/force result."""


@dataclass(frozen=True)
class CP2KSettings:
    """Every setting that defines the reference; stored in each dataset's manifest."""

    xc: str = "PBE"
    basis: str = "DZVP-MOLOPT-SR-GTH"
    potentials: dict[str, str] = field(default_factory=lambda: dict(GTH_POTENTIALS))
    cutoff_ry: float = 300.0
    rel_cutoff_ry: float = 50.0
    ngrids: int = 4
    eps_default: float = 1.0e-12
    eps_scf: float = 1.0e-6
    max_scf: int = 200
    smear_temperature_k: float = 1000.0
    mixing_alpha: float = 0.2
    nbroyden: int = 8
    added_mos_per_atom: float = 1.5
    stress: bool = True
    periodic: bool = True            # False: an isolated molecule (wavelet Poisson solver)
    kpoints: tuple[int, int, int] | None = (2, 2, 2)    # Monkhorst-Pack mesh; None: Gamma only
    #: k-points per reciprocal Angstrom (ASE's ``kptdensity``): when set, each cell gets its own
    #: even mesh (2 x 2 x 2 on the ~12 A training cells at 3.0, 6 x 6 x 6 on a 2-atom primitive
    #: cell) instead of ``kpoints``; for data sets that mix cell sizes. See :meth:`mesh`.
    kpoint_density: float | None = None
    nproc: int = 2

    def mesh(self, cell=None) -> tuple[int, int, int] | None:
        """The Monkhorst-Pack mesh for ``cell`` (an ASE cell or ``Atoms``); None: Gamma only.

        With ``kpoint_density`` the mesh is even (an odd one holds the Gamma point: on diamond
        Ge, 7x7x7 gave 9 meV/atom more than 6x6x6, which is within 0.4 meV/atom of 12x12x12).
        A frame of an energy-volume scan (``atoms.info["scan_scale"]``, the linear scale of
        its cell) gets the mesh of the unscaled cell, so that the mesh does not change along
        the curve (a change put steps of 2-9 meV/atom into the scans). A structure's own
        ``info["kpoint_density"]`` overrides the settings' density (e.g. a cell too big for
        the density of the others)."""
        if not self.periodic:
            return None
        if self.kpoint_density is None:
            return None if self.kpoints is None else tuple(int(n) for n in self.kpoints)
        if cell is None:
            raise ValueError("CP2KSettings.kpoint_density chooses the mesh from the cell; "
                             "pass the structure (or its cell).")
        from ase import Atoms
        from ase.calculators.calculator import kptdensity2monkhorstpack

        atoms = cell if isinstance(cell, Atoms) else Atoms(cell=cell, pbc=True)
        scale = float(atoms.info.get("scan_scale", 1.0))
        density = float(atoms.info.get("kpoint_density", self.kpoint_density))
        grid = Atoms(cell=np.asarray(atoms.cell) / scale, pbc=True)
        return tuple(int(n) for n in kptdensity2monkhorstpack(grid, density, even=True))

    def added_mos(self, natoms: int) -> int:
        return int(np.ceil(self.added_mos_per_atom * natoms))


def blas_library(binary: str = CP2K_BINARY) -> str | None:
    """The file that ``binary``'s ``libblas.so.3`` resolves to (via ``ldd``), or None when
    that cannot be told (no binary, no ldd, static BLAS)."""
    path = shutil.which(binary)
    if path is None or shutil.which("ldd") is None:
        return None
    out = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"libblas\.so\.3 => (\S+)", out)
    return os.path.realpath(match.group(1)) if match else None


def blas_warning(binary: str = CP2K_BINARY) -> str | None:
    """A warning when CP2K runs on the reference (netlib) BLAS/LAPACK, else None.

    Debian's cp2k links ``libblas.so.3``/``liblapack.so.3``, which point at the reference
    implementation unless an optimised one is installed. Measured here on a 64-atom GeTe frame
    with the 2x2x2 mesh (one rank; most of the time goes into complex diagonalisation):
    469 s with the reference libraries, 280 s with OpenBLAS (on a busier machine), energies
    equal to 3e-14 eV/atom and forces to 5e-9 eV/A."""
    lib = blas_library(binary)
    if lib is None or "openblas" in lib or "blis" in lib or "mkl" in lib:
        return None
    return (f"CP2K uses the reference BLAS ({lib}): k-point labelling runs about 1.7x slower "
            "than it needs to. Fix: `sudo apt-get install libopenblas0-openmp` (Debian switches "
            "libblas.so.3 to it; the labels stay the same).")


def cp2k_version(binary: str = CP2K_BINARY) -> str:
    """The CP2K version string, e.g. ``CP2K version 2023.1``; raises :class:`CP2KNotFound`."""
    if shutil.which(binary) is None:
        raise CP2KNotFound(INSTALL_HINT)
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    match = re.search(r"CP2K version [\w.\-]+", out.stdout + out.stderr)
    return match.group(0) if match else (out.stdout.strip().splitlines() or ["unknown"])[0]


def _cell_block(atoms: Atoms, periodic: bool = True) -> str:
    if periodic and not atoms.pbc.all():
        raise ValueError(
            "The course's CP2K setup is periodic; put the structure in a box "
            "with vacuum (atoms.center(vacuum=...); atoms.pbc = True) first, or use "
            "CP2KSettings(periodic=False) for an isolated molecule."
        )
    lengths = atoms.cell.lengths()
    cubic = atoms.cell.orthorhombic and atoms.cell.rank == 3 and np.ptp(lengths) < 1e-6
    if not periodic and (atoms.pbc.any() or not cubic):
        raise ValueError("An isolated molecule (CP2KSettings(periodic=False)) needs "
                         "atoms.pbc = False and a cubic box (CP2K's wavelet Poisson solver "
                         "aborts on other cells) with >= 4 A of vacuum on every side.")
    rows = ["    &CELL"]
    for name, vec in zip("ABC", atoms.cell):
        rows.append(f"      {name} {vec[0]:.10f} {vec[1]:.10f} {vec[2]:.10f}")
    rows += [f"      PERIODIC {'XYZ' if periodic else 'NONE'}", "    &END CELL"]
    return "\n".join(rows)


def _coord_block(atoms: Atoms) -> str:
    rows = ["    &COORD"]
    rows += [f"      {s} {x:.10f} {y:.10f} {z:.10f}"
             for s, (x, y, z) in zip(atoms.get_chemical_symbols(), atoms.positions)]
    rows.append("    &END COORD")
    return "\n".join(rows)


def _kind_blocks(atoms: Atoms, settings: CP2KSettings) -> str:
    rows = []
    for symbol in sorted(set(atoms.get_chemical_symbols())):
        if symbol not in settings.potentials:
            raise ValueError(
                f"No GTH pseudopotential is configured for {symbol}; add it to "
                f"CP2KSettings.potentials (known: {', '.join(sorted(settings.potentials))})."
            )
        rows += [f"    &KIND {symbol}", f"      BASIS_SET {settings.basis}",
                 f"      POTENTIAL {settings.potentials[symbol]}", "    &END KIND"]
    return "\n".join(rows)


def _kpoints_block(settings: CP2KSettings, cell=None) -> str:
    mesh = settings.mesh(cell)
    if mesh is None:
        return ""
    mesh = " ".join(str(n) for n in mesh)
    return f"""
    &KPOINTS
      SCHEME MONKHORST-PACK {mesh}
    &END KPOINTS"""


def _poisson_block(settings: CP2KSettings) -> str:
    if settings.periodic:
        return ""
    return """
    &POISSON
      PERIODIC NONE
      POISSON_SOLVER WAVELET
    &END POISSON"""


def dft_block(natoms: int, settings: CP2KSettings, cell=None) -> str:
    """The &DFT section: everything that defines the level of theory (``cell``: for a mesh
    chosen by ``settings.kpoint_density``)."""
    s = settings
    return f"""  &DFT
    BASIS_SET_FILE_NAME BASIS_MOLOPT
    POTENTIAL_FILE_NAME GTH_POTENTIALS
    &MGRID
      CUTOFF {s.cutoff_ry:g}
      REL_CUTOFF {s.rel_cutoff_ry:g}
      NGRIDS {s.ngrids}
    &END MGRID
    &QS
      EPS_DEFAULT {s.eps_default:.1E}
    &END QS{_poisson_block(s)}
    &SCF
      SCF_GUESS ATOMIC
      EPS_SCF {s.eps_scf:.1E}
      MAX_SCF {s.max_scf}
      ADDED_MOS {s.added_mos(natoms)}
      &DIAGONALIZATION
        ALGORITHM STANDARD
      &END DIAGONALIZATION
      &SMEAR ON
        METHOD FERMI_DIRAC
        ELECTRONIC_TEMPERATURE [K] {s.smear_temperature_k:g}
      &END SMEAR
      &MIXING
        METHOD BROYDEN_MIXING
        ALPHA {s.mixing_alpha:g}
        NBROYDEN {s.nbroyden}
      &END MIXING
      &PRINT
        &RESTART OFF
        &END RESTART
      &END PRINT
    &END SCF
    &XC
      &XC_FUNCTIONAL {s.xc}
      &END XC_FUNCTIONAL
    &END XC{_kpoints_block(s, cell)}
  &END DFT"""


def cp2k_input(atoms: Atoms, settings: CP2KSettings | None = None, *, project: str = "frame",
               run_type: str = "ENERGY_FORCE", motion: str = "", ext_restart: str = "") -> str:
    """Render the full CP2K input for ``atoms`` (single point by default, or MD via ``motion``)."""
    s = settings or CP2KSettings()
    stress = s.stress and s.periodic and run_type == "ENERGY_FORCE"
    print_section = ["  &PRINT", "    &FORCES ON", "    &END FORCES"]
    if stress:
        print_section += ["    &STRESS_TENSOR ON", "    &END STRESS_TENSOR"]
    print_section.append("  &END PRINT")
    parts = [
        "&GLOBAL", f"  PROJECT {project}", f"  RUN_TYPE {run_type}", "  PRINT_LEVEL LOW",
        *([] if s.periodic else ["  PREFERRED_FFT_LIBRARY FFTSG"]),      # wavelet solver
        "&END GLOBAL",
    ]
    if ext_restart:
        parts += ["&EXT_RESTART", f"  RESTART_FILE_NAME {ext_restart}",
                  "  RESTART_COUNTERS T", "  RESTART_POS T", "  RESTART_VEL T",
                  "  RESTART_THERMOSTAT T", "&END EXT_RESTART"]
    parts += ["&FORCE_EVAL", "  METHOD Quickstep"]
    if stress:
        parts.append("  STRESS_TENSOR ANALYTICAL")
    parts += [dft_block(len(atoms), s, atoms.cell), "  &SUBSYS", _cell_block(atoms, s.periodic),
              _coord_block(atoms), _kind_blocks(atoms, s), "  &END SUBSYS"]
    if run_type == "ENERGY_FORCE":
        parts += print_section
    parts.append("&END FORCE_EVAL")
    if motion:
        parts.append(motion)
    return "\n".join(parts) + "\n"


_FLOAT = r"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?"


def first_energy(text: str) -> float:
    """The first total energy (eV) in a CP2K log: the single point's, or the starting
    geometry's of a geometry optimisation."""
    m = re.search(r"ENERGY\| Total FORCE_EVAL \( QS \) energy \[a\.u\.\]:\s+(" + _FLOAT + ")", text)
    if m is None:
        raise CP2KFailed("No 'ENERGY| Total FORCE_EVAL' line in the CP2K output.")
    return float(m.group(1)) * Hartree


def parse_cp2k_output(text: str, natoms: int) -> dict[str, object]:
    """Energy (eV), forces (eV/A), stress (eV/A^3, ASE sign) and SCF steps from a CP2K log."""
    if "SCF run NOT converged" in text:
        raise CP2KFailed("SCF did not converge; see the CP2K output file.")
    result: dict[str, object] = {"energy": first_energy(text)}
    steps = re.findall(r"SCF run converged in\s+(\d+) steps", text)
    result["scf_steps"] = int(steps[-1]) if steps else -1
    block = text.split("ATOMIC FORCES in [a.u.]")
    if len(block) < 2:
        raise CP2KFailed("No 'ATOMIC FORCES' block in the CP2K output.")
    rows = [line.split() for line in block[-1].splitlines()[3:3 + natoms]]
    try:
        f = np.array([[float(v) for v in r[3:6]] for r in rows])
    except (ValueError, IndexError) as err:
        raise CP2KFailed(f"Malformed ATOMIC FORCES block: {err}") from err
    if f.shape != (natoms, 3):
        raise CP2KFailed(f"Read {f.shape} forces for {natoms} atoms.")
    result["forces"] = f * Hartree / Bohr
    if "STRESS| Analytical stress tensor [GPa]" in text:
        tail = text.split("STRESS| Analytical stress tensor [GPa]")[-1].splitlines()
        sigma = np.array([[float(v) for v in tail[i].split()[2:5]] for i in (2, 3, 4)])
        # CP2K prints a pressure-like tensor (positive under compression); ASE's stress is
        # its negative, in eV/A^3, Voigt order xx yy zz yz xz xy.
        st = -sigma * GPa
        result["stress"] = np.array([st[0, 0], st[1, 1], st[2, 2], st[1, 2], st[0, 2], st[0, 1]])
    return result


def mpi_command(nproc: int, binary: str = CP2K_BINARY) -> list[str]:
    """The command line that runs CP2K on ``nproc`` MPI ranks (nice'd, so it yields the CPU)."""
    if shutil.which(binary) is None:
        raise CP2KNotFound(INSTALL_HINT)
    cmd = ["nice", "-n", "19"]
    if nproc > 1:
        if shutil.which("mpirun") is None:
            raise CP2KNotFound("mpirun not found; install openmpi-bin or run with nproc=1.")
        cmd += ["mpirun", "--allow-run-as-root", "-np", str(nproc)]
    return cmd + [binary]


def execute(workdir: str | Path, input_text: str, nproc: int, *, name: str = "frame",
            timeout: float | None = None) -> tuple[str, float]:
    """Write ``<name>.inp`` in ``workdir``, run CP2K on it (nice'd, one OpenMP thread per
    rank) and return its output text and wall time (s). Raises :class:`CP2KFailed` when
    CP2K exits with an error."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / f"{name}.inp").write_text(input_text)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    start = time.perf_counter()
    with open(workdir / f"{name}.out", "w") as log:
        proc = subprocess.run(mpi_command(nproc) + ["-i", f"{name}.inp"], cwd=workdir,
                              stdout=log, stderr=subprocess.STDOUT, env=env, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise CP2KFailed(f"cp2k exited with {proc.returncode}; see {workdir / f'{name}.out'}.")
    return (workdir / f"{name}.out").read_text(errors="replace"), wall


def run_cp2k(atoms: Atoms, workdir: str | Path, settings: CP2KSettings | None = None,
             *, timeout: float = 4 * 3600.0) -> Atoms:
    """Label ``atoms`` with CP2K in ``workdir``; return a labelled copy.

    ``timeout`` (wall seconds) catches a hung run; it is generous because the labelling runs
    under ``nice -n 19`` and a busy machine can starve it for hours (a 64-atom frame needs
    2-4 CPU minutes).
    ``atoms.info`` of the result gains ``cp2k_wall_s`` and ``cp2k_scf_steps`` (and
    ``cp2k_kpoints``, e.g. ``"6x6x6"``, when ``settings.kpoint_density`` chose the mesh).
    """
    s = settings or CP2KSettings()
    text, wall = execute(workdir, cp2k_input(atoms, s), s.nproc, timeout=timeout)
    res = parse_cp2k_output(text, len(atoms))
    extra = ({"cp2k_kpoints": "x".join(map(str, s.mesh(atoms)))}
             if s.kpoint_density is not None and s.periodic else {})
    return label(atoms, res["energy"], res["forces"], res.get("stress"),
                 cp2k_wall_s=round(wall, 2), cp2k_scf_steps=res["scf_steps"], **extra)


def settings_dict(settings: CP2KSettings | None = None) -> dict[str, object]:
    """Settings as a JSON-ready dict (for manifests)."""
    return asdict(settings or CP2KSettings())


def label_frames(frames, calculator, **info: object) -> list[Atoms]:
    """Label each frame with ``calculator`` (energy, forces; stress when periodic and the
    calculator provides it). Returns labelled copies carrying a SinglePointCalculator."""
    out = []
    for atoms in frames:
        work = atoms.copy()
        work.calc = calculator
        stress = None
        if work.pbc.all() and "stress" in getattr(calculator, "implemented_properties", ()):
            stress = work.get_stress()
        out.append(label(work, work.get_potential_energy(), work.get_forces(), stress, **info))
    return out


def gfn2_xtb():
    """GFN2-xTB (tblite): semi-empirical tight-binding QM for molecules. Not the course's DFT
    reference; used where CP2K is unaffordable here (the water dimers of the long-range page)."""
    try:
        from tblite.ase import TBLite
    except ImportError as err:
        raise ImportError("GFN2-xTB needs the tblite package: pip install tblite==0.8.0 "
                          "(part of `make setup`).") from err
    return TBLite(method="GFN2-xTB", verbosity=0)


def emt_toy():
    """ASE's EMT, vectorised (:class:`mlip_course.emt.FastEMT`, the same numbers): a TOY
    labeller for warm-up examples (Cu, Ag, Au, Ni, Pd, Pt, Al)."""
    from .emt import FastEMT

    return FastEMT()


__all__ = [
    "CP2KSettings", "CP2KNotFound", "CP2KFailed", "cp2k_version", "blas_library", "blas_warning", "cp2k_input", "gfn2_xtb",
    "parse_cp2k_output", "execute", "run_cp2k", "label_frames", "settings_dict", "emt_toy", "INSTALL_HINT",
]
