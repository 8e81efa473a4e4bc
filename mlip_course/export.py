"""Export labelled frames to the formats other MLIP codes read, and describe a data set.

The course keeps every data set as extxyz with a single-point calculator (energy in eV, forces
in eV/A, stress in eV/A^3). Other codes expect the same numbers under other names or in other
layouts:

- :func:`to_extxyz`: labels as plain ``info``/``arrays`` keys with a prefix (``REF_energy``,
  ``REF_forces``, ``REF_stress``), the convention of MACE (``--energy_key REF_energy``), GAP
  (``energy_parameter_name=REF_energy``) and NequIP/Allegro (key mapping in their config);
  the phase becomes ``config_type``.
- LAMMPS data files (one structure, fixed species order, for MD with an exported potential)
  come from :func:`mlip_course.lammps.write_data`.
- :func:`to_deepmd_npy`: DeePMD-kit's ``deepmd/npy`` layout (one system per composition).
- :func:`datasheet`: a "datasheet for datasets" summary of a course data set.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_numbers

from .io import validate_frame

#: The licence of the course's DFT data (the code is MIT, see pyproject.toml).
DATA_LICENCE = "CC BY 4.0 (cite the course and CP2K; the data were computed by the course)"


def _labels(atoms: Atoms) -> tuple[float, np.ndarray, np.ndarray | None]:
    validate_frame(atoms, f"frame {atoms.get_chemical_formula()}")
    stress = None
    if atoms.calc is not None and "stress" in atoms.calc.results:
        stress = atoms.get_stress(voigt=False)
    return atoms.get_potential_energy(), atoms.get_forces(), stress


def _sorted_labels(atoms: Atoms, order: np.ndarray) -> dict[str, object]:
    energy, forces, stress = _labels(atoms)
    out = {"energy": energy, "forces": forces[order]}
    if stress is not None:
        out["stress"] = stress
    return out


def to_extxyz(frames: Sequence[Atoms], path: str | Path, prefix: str = "REF_") -> Path:
    """Write ``frames`` with their labels as ``{prefix}energy`` (eV), ``{prefix}forces`` (eV/A)
    and ``{prefix}stress`` (3x3, eV/A^3), and ``config_type`` from ``info["phase"]``."""
    from ase.io import write

    out = []
    for atoms in frames:
        energy, forces, stress = _labels(atoms)
        plain = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        plain.info = {k: v for k, v in atoms.info.items() if np.isscalar(v)}
        plain.info[f"{prefix}energy"] = float(energy)
        if stress is not None:
            plain.info[f"{prefix}stress"] = stress.reshape(-1)
        plain.info["config_type"] = atoms.info.get("phase", "default")
        plain.arrays[f"{prefix}forces"] = np.array(forces)
        out.append(plain)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, out, format="extxyz")
    return path


def to_deepmd_npy(frames: Sequence[Atoms], folder: str | Path, type_map: Sequence[str]
                  ) -> list[Path]:
    """Write DeePMD-kit ``deepmd/npy`` systems: one sub-folder per composition (atoms sorted by
    type, as DeePMD needs one type per atom index within a system), each with ``type.raw``, ``type_map.raw`` and ``set.000/{coord,box,energy,force[,virial]}.npy``
    (eV, A; virial = -stress x volume, in eV, as DeePMD expects)."""
    lookup = {s: k for k, s in enumerate(type_map)}
    systems: dict[tuple, list[Atoms]] = defaultdict(list)
    for atoms in frames:
        missing = sorted(set(atoms.get_chemical_symbols()) - set(type_map))
        if missing:
            raise ValueError(f"{atoms.get_chemical_formula()} has {missing}, not in "
                             f"type_map={list(type_map)}.")
        order = np.argsort([lookup[s] for s in atoms.get_chemical_symbols()], kind="stable")
        sorted_atoms = atoms[order]
        sorted_atoms.calc = SinglePointCalculator(sorted_atoms, **_sorted_labels(atoms, order))
        systems[tuple(sorted_atoms.get_chemical_symbols())].append(sorted_atoms)
    folder = Path(folder)
    written = []
    for symbols, group in systems.items():
        sub = folder / f"{group[0].get_chemical_formula()}_{len(written)}"
        (sub / "set.000").mkdir(parents=True, exist_ok=True)
        (sub / "type.raw").write_text("\n".join(str(lookup[s]) for s in symbols) + "\n")
        (sub / "type_map.raw").write_text("\n".join(type_map) + "\n")
        labels = [_labels(a) for a in group]
        arrays = {"coord": [a.positions.reshape(-1) for a in group],
                  "box": [np.asarray(a.cell).reshape(-1) for a in group],
                  "energy": [e for e, _, _ in labels],
                  "force": [f.reshape(-1) for _, f, _ in labels]}
        if all(s is not None for _, _, s in labels):
            arrays["virial"] = [(-s * a.get_volume()).reshape(-1)
                                for a, (_, _, s) in zip(group, labels)]
        for key, value in arrays.items():
            np.save(sub / "set.000" / f"{key}.npy", np.array(value))
        written.append(sub)
    return written


def datasheet(name: str) -> dict[str, object]:
    """A short datasheet of course data set ``name``: what is in it, how it was made, its cost,
    its label ranges, its licence and its checksum (from ``data/<name>/manifest.json``)."""
    from .data import frames as load_frames
    from .data import manifest

    info = manifest(name)
    frames = load_frames(name)
    settings = info["reference"]["settings"]
    elements = sorted({s for a in frames for s in a.get_chemical_symbols()},
                      key=atomic_numbers.get)
    phases = Counter(a.info.get("phase", "?") for a in frames)
    e_atom = np.array([a.get_potential_energy() / len(a) for a in frames])
    f_abs = np.concatenate([np.linalg.norm(a.get_forces(), axis=1) for a in frames])
    wall = [f["wall_s"] for f in info.get("frames", []) if "wall_s" in f]
    return {
        "name": name,
        "description": info["description"],
        "frames": len(frames),
        "atoms per frame": f"{min(map(len, frames))}-{max(map(len, frames))}",
        "elements": ", ".join(elements),
        "compositions": ", ".join(sorted({a.get_chemical_formula() for a in frames})),
        "phases": ", ".join(f"{p} {n} ({100 * n / len(frames):.0f} %)"
                            for p, n in sorted(phases.items())),
        "trajectories (origins)": len({a.info.get("origin") for a in frames}),
        "reference": (f"{info['reference']['code']}: {settings['xc']}, "
                      f"{settings['basis']}, GTH pseudopotentials, {settings['cutoff_ry']:g} Ry, "
                      f"Fermi-Dirac {settings['smear_temperature_k']:g} K, Gamma point"),
        "labels": "energy (eV), forces (eV/A), stress (eV/A^3)",
        "CP2K time per frame": (f"{np.mean(wall) / 60:.0f} min mean ({np.sum(wall) / 3600:.1f} h "
                                "in all)" if wall else "n/a"),
        "energy range [eV/atom]": f"{e_atom.min():.3f} to {e_atom.max():.3f}",
        "max |force| [eV/A]": f"{f_abs.max():.2f} (mean {f_abs.mean():.2f})",
        "licence": DATA_LICENCE,
        "sha256 of frames.xyz": info["files"]["frames.xyz"],
    }

