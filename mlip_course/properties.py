"""Material properties from any calculator: phonons (phonopy finite displacements),
clamped-ion elastic constants (stress-strain), equations of state and formation energies with
their convex hull, computed the same way for DFT and for a model.

The DFT side reads labelled frames of ``data/gete_props`` (made by the recipes in
``mlip_course.data.recipes`` from the functions below); the model side calls an ASE calculator
on the very same structures, so the comparison differs only in the energy surface.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

EV_PER_A3_TO_GPA = 160.21766208


def _phonopy_atoms(atoms: Atoms):
    from phonopy.structure.atoms import PhonopyAtoms

    return PhonopyAtoms(symbols=atoms.get_chemical_symbols(), cell=np.asarray(atoms.cell),
                        scaled_positions=atoms.get_scaled_positions())


def phonopy_for(primitive: Atoms, supercell_matrix, distance: float = 0.03):
    """A ``Phonopy`` object on ``primitive`` with its symmetry-reduced displacements."""
    from phonopy import Phonopy

    phonon = Phonopy(_phonopy_atoms(primitive), supercell_matrix=np.asarray(supercell_matrix),
                     primitive_matrix="P")
    phonon.generate_displacements(distance=distance)
    return phonon


def _to_ase(cell) -> Atoms:
    return Atoms(cell.symbols, cell=cell.cell, scaled_positions=cell.scaled_positions, pbc=True)


def displaced_supercells(primitive: Atoms, supercell_matrix,
                         distance: float = 0.03) -> list[Atoms]:
    """The perfect supercell followed by phonopy's displaced supercells."""
    phonon = phonopy_for(primitive, supercell_matrix, distance)
    frames = [_to_ase(phonon.supercell)]
    frames += [_to_ase(cell) for cell in phonon.supercells_with_displacements]
    for k, atoms in enumerate(frames):
        atoms.info["displacement"] = k          # 0 = the perfect supercell
    return frames


def force_constants(primitive: Atoms, supercell_matrix, forces: Sequence[np.ndarray],
                    distance: float = 0.03):
    """Phonopy with force constants from ``forces`` of :func:`displaced_supercells` (perfect
    first). The perfect cell's residual forces are subtracted: the geometry need not be the
    minimum of either energy surface, and both surfaces are treated alike."""
    phonon = phonopy_for(primitive, supercell_matrix, distance)
    n = len(phonon.supercells_with_displacements)
    if len(forces) != n + 1:
        raise ValueError(f"Expected {n + 1} force arrays (perfect + {n} displaced), "
                         f"got {len(forces)}.")
    residual = np.asarray(forces[0])
    phonon.forces = np.array([np.asarray(f) - residual for f in forces[1:]])
    phonon.produce_force_constants()
    phonon.symmetrize_force_constants()
    return phonon


def phonons_with(calc, primitive: Atoms, supercell_matrix, distance: float = 0.03):
    """:func:`force_constants` with forces from an ASE calculator."""
    forces = []
    for atoms in displaced_supercells(primitive, supercell_matrix, distance):
        atoms.calc = calc
        forces.append(atoms.get_forces().copy())
    return force_constants(primitive, supercell_matrix, forces, distance)


def frequencies_thz(phonon, qpoints: Sequence[Sequence[float]]) -> np.ndarray:
    """Phonon frequencies (THz) at reduced ``qpoints`` of the primitive cell, (nq, nbands)."""
    phonon.run_qpoints(np.asarray(qpoints, float))
    return np.array(phonon.get_qpoints_dict()["frequencies"])


def band_path(phonon, path: Sequence[Sequence[float]], points: int = 40):
    """Frequencies along straight segments between reduced q-points: (distance, THz)."""
    qs, dist, total = [], [], 0.0
    recip = np.linalg.inv(phonon.primitive.cell).T
    for a, b in zip(path[:-1], path[1:]):
        a, b = np.asarray(a, float), np.asarray(b, float)
        step = np.linalg.norm((b - a) @ recip.T) / (points - 1)
        for k in range(points):
            qs.append(a + (b - a) * k / (points - 1))
            dist.append(total + k * step)
        total = dist[-1]
    return np.array(dist), frequencies_thz(phonon, qs)


def density_of_states(phonon, mesh: int = 16, sigma: float = 0.1):
    """Total phonon DOS on a ``mesh``^3 grid, Gaussian smearing ``sigma`` THz: (THz, states)."""
    phonon.run_mesh([mesh] * 3)
    phonon.run_total_dos(sigma=sigma)
    dos = phonon.get_total_dos_dict()
    return np.asarray(dos["frequency_points"]), np.asarray(dos["total_dos"])


def voigt_strain(component: int, magnitude: float) -> np.ndarray:
    """The symmetric strain tensor of one Voigt component (engineering shear for 3-5)."""
    eps = np.zeros((3, 3))
    if component < 3:
        eps[component, component] = magnitude
    else:
        i, j = {3: (1, 2), 4: (0, 2), 5: (0, 1)}[component]
        eps[i, j] = eps[j, i] = magnitude / 2
    return eps


def strained(atoms: Atoms, component: int, magnitude: float) -> Atoms:
    """``atoms`` with the cell (and the atoms with it) strained by one Voigt component."""
    out = atoms.copy()
    out.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + voigt_strain(component, magnitude)),
                 scale_atoms=True)
    out.info.update(strain_component=component, strain=magnitude)
    return out


def elastic_constants(stresses: dict[tuple[int, float], np.ndarray]) -> np.ndarray:
    """6x6 clamped-ion elastic constants (GPa) by central differences of Voigt stresses
    (eV/A^3, ASE's sign convention) at strains ``(component, +-magnitude)``."""
    c = np.zeros((6, 6))
    for k in range(6):
        plus = [m for (j, m) in stresses if j == k and m > 0]
        if len(plus) != 1 or (k, -plus[0]) not in stresses:
            raise ValueError(f"Need the stresses at +-strain for Voigt component {k}.")
        m = plus[0]
        c[:, k] = (np.asarray(stresses[(k, m)]) - np.asarray(stresses[(k, -m)])) / (2 * m)
    return EV_PER_A3_TO_GPA * c


def model_stresses(calc, frames: Sequence[Atoms]) -> dict[tuple[int, float], np.ndarray]:
    """Voigt stresses of strained ``frames`` from a calculator; when it has no analytic
    stress, by central finite differences of its energy (``ase.calculators.fd``)."""
    from ase.calculators.calculator import PropertyNotImplementedError
    from ase.calculators.fd import calculate_numerical_stress

    out = {}
    for atoms in frames:
        a = atoms.copy()
        a.calc = calc
        try:
            stress = a.get_stress()
        except PropertyNotImplementedError:
            stress = calculate_numerical_stress(a, eps=1e-5, force_consistent=False)
        out[(int(atoms.info["strain_component"]), float(atoms.info["strain"]))] = stress
    return out


def equation_of_state(volumes: Sequence[float], energies: Sequence[float]) -> dict[str, float]:
    """Birch-Murnaghan fit of energies (eV/atom) against volumes (A^3/atom): the minimum
    ``v0`` (A^3/atom), ``e0`` (eV/atom) and the bulk modulus ``b0`` (GPa)."""
    from ase.eos import EquationOfState

    v, e = np.asarray(volumes, float), np.asarray(energies, float)
    if len(v) < 5:
        raise ValueError("An equation-of-state fit needs at least 5 volumes.")
    if not (v.min() < v[np.argmin(e)] < v.max()):
        raise ValueError("The lowest energy is at the edge of the volume range: extend the scan "
                         "so that the minimum is bracketed.")
    v0, e0, b0 = EquationOfState(v, e, eos="birchmurnaghan").fit()
    return {"v0": float(v0), "e0": float(e0), "b0": float(b0 * EV_PER_A3_TO_GPA)}


def formation_energies(phases: dict[str, tuple[dict[str, int], float]],
                       elements: dict[str, float]) -> dict[str, float]:
    """Formation energy per atom (eV/atom) of each phase ``name -> (composition, energy per
    atom)`` relative to the elemental energies per atom in ``elements``."""
    out = {}
    for name, (composition, e_atom) in phases.items():
        missing = sorted(set(composition) - set(elements))
        if missing:
            raise ValueError(f"{name}: no elemental reference for {missing}.")
        n = sum(composition.values())
        out[name] = e_atom - sum(c * elements[el] for el, c in composition.items()) / n
    return out


def energy_above_hull(phases: dict[str, tuple[dict[str, int], float]]) -> dict[str, float]:
    """Distance (eV/atom) of each phase ``name -> (composition, energy per atom)`` from the
    lower convex hull of all of them (0 for the stable phases); every element must appear as
    a pure phase (pymatgen's PhaseDiagram)."""
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    entries = {name: PDEntry(Composition(comp), e_atom * sum(comp.values()), name=name)
               for name, (comp, e_atom) in phases.items()}
    try:
        diagram = PhaseDiagram(list(entries.values()))
    except ValueError as err:
        raise ValueError(f"No convex hull: {err}. Include every element as a pure phase.") from err
    return {name: float(diagram.get_e_above_hull(entry)) for name, entry in entries.items()}


def composition(atoms: Atoms) -> dict[str, int]:
    """Atoms per element of a structure, e.g. ``{"Ge": 1, "Te": 1}``."""
    symbols = atoms.get_chemical_symbols()
    return {el: symbols.count(el) for el in sorted(set(symbols))}


def eos_fits(frames: Sequence[Atoms], energies: Sequence[float] | None = None,
             strict: bool = True) -> dict[str, dict[str, float]]:
    """:func:`equation_of_state` of every energy-volume scan in ``frames``, grouped by
    ``info["origin"]`` (a trailing ``_eos`` dropped): ``v0``, ``e0``, ``b0`` per scan. The
    energies per atom are the frames' labels, or ``energies`` (eV/atom, same order: a model's).
    With ``strict=False`` a scan whose lowest energy is at its edge (a model with no minimum
    in the range) gets NaN values instead of raising."""
    if energies is None:
        energies = [a.get_potential_energy() / len(a) for a in frames]
    if len(energies) != len(frames):
        raise ValueError(f"{len(energies)} energies for {len(frames)} frames.")
    scans: dict[str, list[tuple[float, float]]] = {}
    for atoms, e in zip(frames, energies):
        scans.setdefault(atoms.info["origin"].removesuffix("_eos"), []).append(
            (atoms.get_volume() / len(atoms), e))
    fits = {}
    for name, points in scans.items():
        try:
            fits[name] = equation_of_state(*zip(*points))
        except ValueError:
            if strict:
                raise
            fits[name] = {"v0": float("nan"), "e0": float("nan"), "b0": float("nan")}
    return fits


def scan_e0(frames: Sequence[Atoms], energies: Sequence[float] | None = None
            ) -> dict[str, float]:
    """Lowest energy per atom (eV) of every scan in ``frames``, as :func:`eos_fits` groups them:
    the fitted ``e0`` where the scan has a minimum, else its lowest scanned energy (a model
    that puts the minimum outside the range). The energies a convex hull needs."""
    if energies is None:
        energies = [a.get_potential_energy() / len(a) for a in frames]
    fits = eos_fits(frames, energies, strict=False)
    lowest: dict[str, float] = {}
    for atoms, e in zip(frames, energies):
        name = atoms.info["origin"].removesuffix("_eos")
        lowest[name] = min(lowest.get(name, np.inf), float(e))
    return {name: lowest[name] if np.isnan(f["e0"]) else f["e0"] for name, f in fits.items()}


def hull_table(phases: dict[str, tuple[dict[str, int], float]],
               elements: dict[str, str]) -> "pandas.DataFrame":  # noqa: F821
    """Formation energy and distance above the convex hull, both in meV/atom, of each phase
    ``name -> (composition, energy per atom in eV)``; ``elements`` names the phase that is
    each element's reference (e.g. ``{"Ge": "ge_diamond"}``)."""
    import pandas as pd

    missing = sorted(set(elements.values()) - set(phases))
    if missing:
        raise ValueError(f"The elemental reference phases {missing} are not among the phases.")
    formation = formation_energies(phases, {el: phases[name][1] for el, name in elements.items()})
    above = energy_above_hull(phases)
    return pd.DataFrame({"ΔH_f (meV/atom)": {c: 1000 * formation[c] for c in phases},
                         "above hull (meV/atom)": {c: 1000 * above[c] for c in phases}})
