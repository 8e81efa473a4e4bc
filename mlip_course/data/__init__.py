"""The course's datasets: build (CP2K labelling), verify, load with leakage-free splits.

>>> from mlip_course import data
>>> split = data.load("gete")            # verifies checksums and values first
>>> len(split.train), len(split.valid), len(split.test)

Command line: ``python -m mlip_course.data {list,sample,build,verify,manifest}``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import covalent_radii

from ..io import DatasetError, read_dataset
from .build import data_dir, level_of_theory, sha256


@dataclass
class Split:
    """Train/valid/test frames. Test holds out whole origins (trajectories, series);
    valid is a random 10 % of the frames of the training origins (for early stopping)."""

    train: list[Atoms]
    valid: list[Atoms]
    test: list[Atoms]

    def __repr__(self) -> str:
        return f"Split(train={len(self.train)}, valid={len(self.valid)}, test={len(self.test)})"


def available(root: Path | None = None) -> list[str]:
    """Names of datasets present on disk (folders with a manifest)."""
    base = root or data_dir("x").parent
    return sorted(p.parent.name for p in base.glob("*/manifest.json"))


def progress(root: Path | None = None) -> list[dict]:
    """One row per dataset on disk and per relabelling under way: frames done (of how many,
    for a relabelling), failed, CP2K hours spent and the mean wall time per frame, from the
    manifests (no frames are read)."""
    base = root or data_dir("x").parent
    rows = []
    for path in sorted(base.glob("*/manifest.json")) + sorted(base.glob("relabel/*/manifest.json")):
        man = json.loads(path.read_text())
        name = path.parent.relative_to(base).as_posix()
        walls = [f["wall_s"] for f in man.get("frames", []) if f.get("wall_s") is not None]
        row = {"dataset": name, "frames": len(man.get("frames", [])),
               "failed": len(json.loads((path.parent / "failed.json").read_text()))
               if (path.parent / "failed.json").exists() else 0,
               "cp2k_hours": round(sum(walls) / 3600, 2),
               "mean_wall_s": round(sum(walls) / len(walls)) if walls else None}
        if name.startswith("relabel/"):
            source = base / name.split("/", 1)[1] / "manifest.json"
            row["of"] = len(json.loads(source.read_text()).get("frames", [])) if source.exists() else None
        rows.append(row)
    return rows


def manifest(name: str, root: Path | None = None) -> dict:
    path = data_dir(name, root) / "manifest.json"
    if not path.exists():
        from .recipes import AIMD, RELAX

        command = "aimd" if name in AIMD else "relax" if name in RELAX else "build"
        raise DatasetError(
            f"Dataset {name!r} not found at {path.parent}; available: {available(root) or 'none'}. "
            f"Build it with `python -m mlip_course.data {command} {name}`."
        )
    return json.loads(path.read_text())


def verify(name: str, root: Path | None = None, *, max_net_force: float = 0.05,
           min_contact: float = 0.6, max_energy_residual: float = 1.5) -> dict[str, object]:
    """Check a dataset: checksums, finite well-shaped labels, net force ~ 0, no overlapping
    atoms (closer than ``min_contact`` times the sum of their covalent radii), and energies
    consistent with a per-element linear fit (|residual| per atom below
    ``max_energy_residual`` eV). Raises :class:`DatasetError`; returns a summary."""
    return _verified(name, root, max_net_force=max_net_force, min_contact=min_contact,
                     max_energy_residual=max_energy_residual)[0]


def _closest_contact(atoms: Atoms, min_contact: float) -> tuple[int, int, float] | None:
    """The pair (i, j, ratio) with the smallest distance / (sum of covalent radii) below
    ``min_contact`` (periodic images included), or None. Only pairs closer than
    ``min_contact`` x twice the largest radius can qualify, so a short neighbour list finds
    them (all pair distances with the minimum-image search cost 8 ms a 64-atom frame)."""
    from ..descriptors.neighbours import neighbour_vectors

    radii = covalent_radii[atoms.numbers]
    i, j, vec = neighbour_vectors(atoms, min_contact * 2 * float(radii.max()))
    if len(i) == 0:
        return None
    r = np.linalg.norm(vec, axis=1)
    ratio = r / (radii[i] + radii[j])
    k = int(np.argmin(ratio))
    return (int(min(i[k], j[k])), int(max(i[k], j[k])), float(ratio[k])) if ratio[k] < min_contact else None


def _verified(name: str, root: Path | None = None, *, max_net_force: float = 0.05,
              min_contact: float = 0.6, max_energy_residual: float = 1.5
              ) -> tuple[dict[str, object], list[Atoms]]:
    """:func:`verify`'s summary and the frames it read."""
    folder = data_dir(name, root)
    info = manifest(name, root)
    for rel, digest in info["files"].items():
        path = folder / rel
        if not path.exists():
            raise DatasetError(f"{path}: listed in the manifest but missing.")
        if sha256(path) != digest:
            raise DatasetError(
                f"{path}: checksum differs from manifest.json (file changed after labelling). "
                f"Rebuild the manifest with `python -m mlip_course.data manifest {name}` only "
                "if the change is intended."
            )
    frames = read_dataset(folder / "frames.xyz")
    if len(frames) != info["counts"]["frames"]:
        raise DatasetError(f"{name}: {len(frames)} frames on disk, manifest says "
                           f"{info['counts']['frames']}.")
    for i, atoms in enumerate(frames):
        net = np.linalg.norm(atoms.get_forces().sum(axis=0))
        if net > max_net_force:
            raise DatasetError(f"{name} frame {i}: net force {net:.3f} eV/A (should be ~0).")
        contact = _closest_contact(atoms, min_contact) if len(atoms) > 1 else None
        if contact is not None:
            a, b, ratio = contact
            raise DatasetError(f"{name} frame {i}: atoms {a} and {b} are "
                               f"{atoms.get_distance(a, b, mic=True):.2f} A apart, "
                               f"{ratio:.2f} x their covalent bond length.")
    residual = energy_residuals(frames)
    worst = int(np.argmax(np.abs(residual)))
    if abs(residual[worst]) > max_energy_residual:
        raise DatasetError(f"{name} frame {worst}: energy {residual[worst]:+.2f} eV/atom away "
                           "from the per-element fit; the label is suspect.")
    return {"name": name, "frames": len(frames), "by_phase": info["counts"]["by_phase"],
            "max_abs_energy_residual_ev_per_atom": float(np.abs(residual).max())}, frames


def energy_residuals(frames: list[Atoms]) -> np.ndarray:
    """Per-atom energy residuals of a least-squares fit E ~ sum_el n_el * e_el."""
    from ..sampling.hygiene import reference_energies, residual_per_atom

    return residual_per_atom(frames, reference_energies(frames, strict=False))


def split_by_origin(frames: list[Atoms], test_fraction: float = 0.15,
                    valid_fraction: float = 0.10, seed: int = 0) -> Split:
    """Deterministic split holding out whole origins for the test set, phase by phase."""
    rng = np.random.default_rng(seed)
    by_phase: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, atoms in enumerate(frames):
        by_phase[atoms.info.get("phase", "all")][atoms.info.get("origin", f"frame{i}")].append(i)
    test_idx: list[int] = []
    rest: list[int] = []
    for phase in sorted(by_phase):
        origins = sorted(by_phase[phase])
        rng.shuffle(origins)
        total = sum(len(by_phase[phase][o]) for o in origins)
        taken = 0
        for k, origin in enumerate(origins):
            idx = by_phase[phase][origin]
            # keep at least one origin for training in every phase
            if taken < test_fraction * total and k < len(origins) - 1:
                test_idx += idx
                taken += len(idx)
            else:
                rest += idx
    rest = sorted(rest)
    n_valid = int(round(valid_fraction * len(rest)))
    valid_idx = set(rng.choice(rest, size=n_valid, replace=False).tolist()) if n_valid else set()
    return Split(train=[frames[i] for i in rest if i not in valid_idx],
                 valid=[frames[i] for i in sorted(valid_idx)],
                 test=[frames[i] for i in sorted(test_idx)])


def sources(name: str, *also: str) -> tuple[str, ...]:
    """The data sets that :func:`load` reads for ``name``: itself and those ``recipes.INCLUDES``
    adds (a study made from ``load(name)`` depends on all of them), then ``also`` (other data
    sets the study reads, e.g. its starting structures), each once."""
    from .recipes import INCLUDES

    return tuple(dict.fromkeys((name, *INCLUDES.get(name, {}), *also)))


def load(name: str, root: Path | None = None, *, seed: int = 0, check: bool = True,
         include: bool = True) -> Split:
    """Verify dataset ``name`` (unless ``check=False``) and return its deterministic split.

    With ``include`` (default), every k-th frame of the datasets listed for ``name`` in
    ``recipes.INCLUDES`` joins it (e.g. ``gete`` gains every 10th step of ``gete_aimd``),
    each such dataset as one origin.
    """
    from .recipes import INCLUDES

    def read(dataset: str) -> list[Atoms]:
        if check:
            return _verified(dataset, root)[1]
        manifest(dataset, root)
        return read_dataset(data_dir(dataset, root) / "frames.xyz")

    frames_ = read(name)
    for other, every in (INCLUDES.get(name, {}) if include else {}).items():
        if (data_dir(other, root) / "manifest.json").exists():
            frames_ += read(other)[::every]
    return split_by_origin(frames_, seed=seed)


def table(frames: list[Atoms]) -> "pandas.DataFrame":  # noqa: F821
    """One row per labelled frame: origin, phase, formula, size, energy and volume per atom,
    RMS and max force, and the CP2K cost (wall time, SCF steps) where recorded."""
    import pandas as pd

    rows = []
    for a in frames:
        f = a.get_forces()
        rows.append({
            "origin": a.info.get("origin"), "phase": a.info.get("phase"),
            "formula": a.get_chemical_formula(), "natoms": len(a),
            "energy_per_atom": a.get_potential_energy() / len(a),
            "volume_per_atom": a.get_volume() / len(a) if a.pbc.all() else np.nan,
            "force_rms": float(np.sqrt(np.mean(f**2))),
            "force_max": float(np.linalg.norm(f, axis=1).max()),
            "wall_s": a.info.get("cp2k_wall_s", np.nan),
            "scf_steps": a.info.get("cp2k_scf_steps", np.nan),
        })
    return pd.DataFrame(rows)


def frames(name: str, root: Path | None = None) -> list[Atoms]:
    """All labelled frames of ``name`` (unsplit, unverified)."""
    manifest(name, root)
    return read_dataset(data_dir(name, root) / "frames.xyz")


def previous_frames(name: str, root: Path | None = None) -> list[Atoms]:
    """The labels ``name`` had before its relabelling was adopted (``data/<name>/previous/``,
    e.g. the Gamma-point labels of a set now labelled with a k-point mesh)."""
    path = data_dir(name, root) / "previous" / "frames.xyz"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: data/{name} has not been relabelled "
                                f"(see `python -m mlip_course.data relabel {name} --adopt`).")
    return read_dataset(path)


def original_frames(name: str, root: Path | None = None) -> list[Atoms]:
    """The frames of ``name`` with the labels they had before a relabelling was adopted
    (``data/<name>/previous/``), or the shipped ones when there was none."""
    if (data_dir(name, root) / "previous" / "frames.xyz").exists():
        return previous_frames(name, root)
    return frames(name, root)


def _level(name: str, root: Path | None = None) -> dict:
    """The level of theory recorded in dataset ``name``'s manifest."""
    return level_of_theory(manifest(name, root)["reference"]["settings"])


def same_level(name: str, like: str, root: Path | None = None) -> bool:
    """Whether datasets ``name`` and ``like`` carry labels of one level of theory (the same
    CP2K settings in their manifests, MPI ranks aside)."""
    return _level(name, root) == _level(like, root)


def frames_like(name: str, like: str, root: Path | None = None) -> list[Atoms]:
    """The frames of ``name`` labelled at the level of theory of dataset ``like``.

    While a relabelling migrates the course's data (e.g. Gamma point -> k-point mesh), one
    dataset may be adopted before another; a model trained on ``like`` must then be compared
    with ``name``'s labels made with the same settings: today's if they match, else those kept
    in ``data/<name>/previous/``. Raises ValueError when neither matches.
    """
    target = _level(like, root)
    if _level(name, root) == target:
        return frames(name, root)
    kept = data_dir(name, root) / "previous" / "reference.json"
    if kept.exists() and level_of_theory(json.loads(kept.read_text())["settings"]) == target:
        return previous_frames(name, root)
    raise ValueError(f"data/{name} has no labels made with the settings of data/{like}; "
                     f"relabel one of them (`python -m mlip_course.data relabel NAME`).")


def relabel_pairs(name: str, root: Path | None = None) -> list[tuple[Atoms, Atoms]]:
    """``(old, new)`` labels of the same geometries, in the shipped order: the shipped frames and
    ``data/relabel/<name>/`` while a relabelling runs (only the frames done so far), then
    ``data/<name>/previous/`` and the shipped frames once it has been adopted."""
    if (data_dir(name, root) / "previous" / "frames.xyz").exists():
        old, new = previous_frames(name, root), frames(name, root)
    elif (data_dir(f"relabel/{name}", root) / "frames.xyz").exists():
        old, new = frames(name, root), frames(f"relabel/{name}", root)
    else:
        return []
    by_id = {a.info["candidate_id"]: a for a in new}
    pairs = [(a, by_id[a.info["candidate_id"]]) for a in old if a.info["candidate_id"] in by_id]
    for a, b in pairs:
        if len(a) != len(b) or not np.allclose(a.positions, b.positions, atol=1e-6):
            raise RuntimeError(f"data/{name}: frame {a.info['candidate_id']} has another "
                               "geometry in its relabelled version; relabel it again.")
    return pairs


def first_per_origin(frames: list[Atoms], n: int | None) -> list[Atoms]:
    """The first ``n`` frames of every origin (trajectory), in order; all frames for None.
    Quick mode uses it to shrink a data set without dropping any trajectory."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for atoms in frames:
        origin = atoms.info.get("origin", "?")
        seen[origin] += 1
        if n is None or seen[origin] <= n:
            out.append(atoms)
    return out


def candidates(name: str, origin: str, root: Path | None = None) -> list[Atoms]:
    """The sampled (cheap-model) geometries of one origin of ``name``, labelled or not yet:
    for analyses that need structures but no DFT labels (e.g. descriptor maps)."""
    from ase.io import read

    path = data_dir(name, root) / "candidates" / f"{origin}.xyz"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.xyz"))
        raise FileNotFoundError(f"No candidates '{origin}' in data/{name}; known: {known}")
    return read(path, ":")


__all__ = ["Split", "available", "progress", "manifest", "verify", "load", "frames", "table",
           "split_by_origin", "energy_residuals", "candidates", "previous_frames",
           "original_frames", "same_level", "frames_like", "relabel_pairs", "sources"]
