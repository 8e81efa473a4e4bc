"""Starting structures of the Ge-Sb-Te datasets (experimental lattice parameters).

Every builder returns a periodic ``ase.Atoms`` of 48-96 atoms, the size of the training cells
(their labels use a 2 x 2 x 2 k-point mesh); the crystals also come as primitive cells
(``primitive=True``) for the energy-volume scans, which are labelled with a k-point density.
Sources of the crystal data: rocksalt and alpha-GeTe (R3m, Goldak et al. 1966;
short/long Ge-Te bonds 2.84/3.16 A), Sb2Te3 (R-3m, Anderson & Krause 1974), metastable
rocksalt Ge2Sb2Te5 (Te on one fcc sublattice; Ge, Sb and 20 % vacancies on the other,
Yamada et al. 1991), diamond Ge, A7 Sb and trigonal Te.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import bulk, make_supercell
from ase.spacegroup import crystal

# fcc primitive -> conventional cubic cell (4 primitive cells); doubled gives 32 cells.
_FCC_TO_CUBIC = np.array([[-1, 1, 1], [1, -1, 1], [1, 1, -1]])

LIQUID_DENSITY_ATOMS_PER_A3 = {"GeTe": 0.0330, "GST": 0.0310, "SbTe": 0.0300}


def rocksalt_gete(a: float = 6.00, reps: int = 2) -> Atoms:
    """Cubic rocksalt (beta) GeTe, 8 * reps**3 atoms (64 for reps=2)."""
    return bulk("GeTe", "rocksalt", a=a, cubic=True).repeat(reps)


#: primitive rhombohedral cell -> the 64-atom pseudo-cubic supercell used everywhere
ALPHA_SUPERCELL = 2 * _FCC_TO_CUBIC


def alpha_gete_primitive(a: float = 4.172, c: float = 10.710, z_te: float = 0.475) -> Atoms:
    """Rhombohedral alpha-GeTe (R3m), the 2-atom primitive cell (experimental a, c, z)."""
    return crystal(["Ge", "Te"], basis=[(0, 0, 0), (0, 0, z_te)], spacegroup=160,
                   cellpar=[a, a, c, 90, 90, 120], primitive_cell=True)


def alpha_gete(a: float = 4.172, c: float = 10.710, z_te: float = 0.475) -> Atoms:
    """Rhombohedral alpha-GeTe (R3m) as a 64-atom pseudo-cubic supercell."""
    return make_supercell(alpha_gete_primitive(a, c, z_te), ALPHA_SUPERCELL)


def rocksalt_gst(a: float = 6.02, seed: int = 0, n_ge: int = 13, n_sb: int = 13) -> Atoms:
    """Metastable rocksalt GST: 32 Te + random Ge/Sb/vacancies on the 32 cation sites.

    The default Ge13Sb13Te32 (58 atoms, 6 vacancies) is the closest 2x2x2 cell to Ge2Sb2Te5
    (ratio 2 : 2 : 4.9).
    """
    template = rocksalt_gete(a=a)
    rng = np.random.default_rng(seed)
    cations = [i for i, s in enumerate(template.get_chemical_symbols()) if s == "Ge"]
    if n_ge + n_sb > len(cations):
        raise ValueError(f"{n_ge} Ge + {n_sb} Sb exceed the {len(cations)} cation sites.")
    order = rng.permutation(cations)
    symbols = template.get_chemical_symbols()
    for i in order[n_ge:n_ge + n_sb]:
        symbols[i] = "Sb"
    template.set_chemical_symbols(symbols)
    vacancies = set(int(i) for i in order[n_ge + n_sb:])
    keep = [i for i in range(len(template)) if i not in vacancies]
    return template[keep]


def sb2te3(a: float = 4.264, c: float = 30.458, primitive: bool = False) -> Atoms:
    """Sb2Te3 (R-3m), hexagonal cell repeated 2x2x1: 60 atoms (primitive: 5)."""
    cell = crystal(["Te", "Sb", "Te"], basis=[(0, 0, 0), (0, 0, 0.3988), (0, 0, 0.7872)],
                   spacegroup=166, cellpar=[a, a, c, 90, 90, 120], primitive_cell=primitive)
    return cell if primitive else cell.repeat((2, 2, 1))


def diamond_ge(a: float = 5.658, primitive: bool = False) -> Atoms:
    """Diamond-cubic Ge, 64 atoms (primitive: 2)."""
    if primitive:
        return bulk("Ge", "diamond", a=a)
    return bulk("Ge", "diamond", a=a, cubic=True).repeat(2)


def rocksalt_gete_primitive(a: float = 6.00) -> Atoms:
    """Rocksalt (beta) GeTe, the 2-atom fcc primitive cell."""
    return bulk("GeTe", "rocksalt", a=a)


def a7_sb(a: float = 4.307, c: float = 11.273, z: float = 0.2336,
          primitive: bool = False) -> Atoms:
    """A7 (R-3m) antimony, hexagonal cell repeated 3x3x1: 54 atoms (primitive: 2)."""
    cell = crystal(["Sb"], basis=[(0, 0, z)], spacegroup=166, cellpar=[a, a, c, 90, 90, 120],
                   primitive_cell=primitive)
    return cell if primitive else cell.repeat((3, 3, 1))


def trigonal_te(a: float = 4.457, c: float = 5.929, x: float = 0.2633,
                primitive: bool = False) -> Atoms:
    """Trigonal (P3_121) tellurium, 3x3x3: 81 atoms (primitive: the 3-atom cell)."""
    cell = crystal(["Te"], basis=[(x, 0, 1 / 3)], spacegroup=152, cellpar=[a, a, c, 90, 90, 120])
    return cell if primitive else cell.repeat((3, 3, 3))


def wider_than(atoms: Atoms, width: float = 12.0) -> Atoms:
    """``atoms`` repeated until every perpendicular width of the cell is at least ``width``
    (twice a model's cutoff), so that no atom meets its own periodic image; returned unchanged
    when it is already wide enough. A periodic model's energy per atom does not change."""
    cell = atoms.cell
    areas = np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
    heights = atoms.get_volume() / areas
    reps = tuple(int(n) for n in np.ceil(width / heights - 1e-9))
    return atoms if reps == (1, 1, 1) else atoms.repeat(reps)


def random_packing(symbols: list[str], density: float, seed: int = 0,
                   min_distance: float = 2.2) -> Atoms:
    """Atoms placed at random in a cubic box of the given number density, no pair closer than
    ``min_distance`` (a liquid-like starting point for melting)."""
    rng = np.random.default_rng(seed)
    n = len(symbols)
    length = (n / density) ** (1 / 3)
    positions: list[np.ndarray] = []
    for _ in range(200000):
        trial = rng.uniform(0, length, 3)
        if positions:
            d = np.asarray(positions) - trial
            d -= length * np.round(d / length)
            if np.min(np.linalg.norm(d, axis=1)) < min_distance:
                continue
        positions.append(trial)
        if len(positions) == n:
            break
    else:
        raise RuntimeError("Could not place the atoms; lower min_distance or the density.")
    return Atoms(symbols=list(rng.permutation(symbols)), positions=positions,
                 cell=[length] * 3, pbc=True)


def rattle_strain(atoms: Atoms, rng: np.random.Generator, rattle: float,
                  strain: float) -> Atoms:
    """Copy of ``atoms`` with a random symmetric strain (|e_ij| <= strain) and Gaussian
    displacements of standard deviation ``rattle`` (A)."""
    out = atoms.copy()
    e = rng.uniform(-strain, strain, (3, 3))
    e = 0.5 * (e + e.T)
    out.set_cell(out.cell @ (np.eye(3) + e), scale_atoms=True)
    out.positions += rng.normal(0.0, rattle, out.positions.shape)
    return out


def with_vacancies(atoms: Atoms, rng: np.random.Generator, element: str, count: int) -> Atoms:
    """Copy of ``atoms`` with ``count`` random ``element`` atoms removed."""
    idx = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == element]
    drop = set(rng.choice(idx, size=count, replace=False).tolist())
    return atoms[[i for i in range(len(atoms)) if i not in drop]]


def with_antisite(atoms: Atoms, rng: np.random.Generator, a: str, b: str) -> Atoms:
    """Copy of ``atoms`` with one ``a`` and one ``b`` atom swapped."""
    out = atoms.copy()
    symbols = out.get_chemical_symbols()
    i = int(rng.choice([k for k, s in enumerate(symbols) if s == a]))
    j = int(rng.choice([k for k, s in enumerate(symbols) if s == b]))
    symbols[i], symbols[j] = b, a
    out.set_chemical_symbols(symbols)
    return out


def slab(atoms: Atoms, axis: int = 2, vacuum: float = 6.0) -> Atoms:
    """Open a periodic cell into a slab with ``vacuum`` A on each side along ``axis``.

    The cut is placed in the widest gap between atomic layers (the van der Waals gap of
    Sb2Te3, between planes of rocksalt), so no layer is split.
    """
    out = atoms.copy()
    frac = out.get_scaled_positions(wrap=True)[:, axis]
    z = np.sort(frac)
    gaps = np.diff(np.concatenate([z, [z[0] + 1.0]]))
    k = int(np.argmax(gaps))
    cut = (z[k] + gaps[k] / 2) % 1.0
    shifted = out.get_scaled_positions(wrap=True)
    shifted[:, axis] = (shifted[:, axis] - cut) % 1.0
    out.set_scaled_positions(shifted)
    out.center(vacuum=vacuum, axis=axis)
    out.pbc = True
    return out


def water_dimer() -> Atoms:
    """The hydrogen-bonded water dimer of the S22 set (donor O-H-H, then acceptor O-H-H),
    no cell; ``info["molecule"]`` marks which atoms belong to which molecule."""
    from ase.collections import s22

    atoms = s22["Water_dimer"].copy()
    atoms.arrays["molecule"] = np.array([0, 0, 0, 1, 1, 1])
    return atoms


def move_molecule(atoms: Atoms, r_oo: float, direction: np.ndarray | None = None) -> Atoms:
    """A copy of a water dimer with the second molecule rigidly translated so that the O-O
    distance is ``r_oo`` A, along the current O-O direction unless ``direction`` is given
    (then the first molecule is turned rigidly so that its O-O direction becomes it)."""
    out = atoms.copy()
    second = out.arrays["molecule"] == 1
    o1, o2 = out.positions[0], out.positions[3]
    axis = (o2 - o1) / np.linalg.norm(o2 - o1)
    if direction is not None:
        from scipy.spatial.transform import Rotation

        target = np.asarray(direction, float) / np.linalg.norm(direction)
        rot, _ = Rotation.align_vectors([target], [axis])
        out.positions = rot.apply(out.positions - o1) + o1
        axis = target
        o2 = out.positions[3]
    out.positions[second] += (r_oo - np.linalg.norm(o2 - o1)) * axis
    return out
