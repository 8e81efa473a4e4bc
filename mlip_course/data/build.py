"""Resumable labelling: candidates -> CP2K -> ``data/<name>/frames.xyz`` + ``manifest.json``.

Layout of a dataset folder::

    data/<name>/candidates/<group>.xyz   sampled geometries (unlabelled), one file per group
    data/<name>/frames.xyz               labelled frames, appended one at a time
    data/<name>/failed.json              candidates CP2K could not converge (kept, not retried)
    data/<name>/manifest.json            provenance: CP2K version, settings, full input of a
                                         frame, per-frame wall time/origin, sha256 of every file
    data/relabel/<name>/                 the same frames labelled again with new settings
                                         (:func:`relabel`), until they replace the old labels

``frames.xyz`` is the source of truth: a killed build loses at most the frames in progress,
and the next ``build`` skips every candidate already labelled.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from ase import Atoms
from ase.io import read, write

from .. import repo_root
from ..io import read_dataset, validate_frame
from ..reference import CP2KSettings, cp2k_input, cp2k_version, run_cp2k, settings_dict
from .recipes import DATASETS, DESCRIPTIONS, Group, groups, settings_for


def data_dir(name: str, root: Path | None = None) -> Path:
    return (root or repo_root() / "data") / name


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def sample(name: str, root: Path | None = None, only: list[str] | None = None,
           log=print) -> dict[str, int]:
    """Write missing candidate files (one per group); return candidates per group."""
    folder = data_dir(name, root) / "candidates"
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for group in groups(name):
        if only and group.name not in only:
            continue
        path = folder / f"{group.name}.xyz"
        if not path.exists():
            t0 = time.perf_counter()
            frames = group.candidates()
            tmp = path.with_suffix(".tmp.xyz")
            write(tmp, frames, format="extxyz")
            os.replace(tmp, path)
            log(f"sampled {group.name}: {len(frames)} candidates in {time.perf_counter() - t0:.0f} s")
        counts[group.name] = len(read(path, ":", format="extxyz"))
    return counts


def _labelled(path: Path) -> list[Atoms]:
    return read_dataset(path) if path.exists() else []


def _spread(n: int) -> list[int]:
    """0, n-1, then midpoints of the gaps, widest first: a trajectory's first, last and middle
    frames come early (e.g. both the hot start and the cold end of a melt-quench)."""
    if n <= 0:
        return []
    order, gaps = [0] + ([n - 1] if n > 1 else []), [(0, n - 1)]
    while gaps:
        gaps.sort(key=lambda g: g[0] - g[1])        # widest first, then earliest
        lo, hi = gaps.pop(0)
        if hi - lo < 2:
            continue
        mid = (lo + hi) // 2
        order.append(mid)
        gaps += [(lo, mid), (mid, hi)]
    return order


def _round_robin(cands: dict[str, list[Atoms]]) -> list[Atoms]:
    """Labelling order: interleave phases, within a phase its groups, and within a group take
    frames in :func:`_spread` order -- so a partial dataset covers every phase evenly and
    each trajectory end to end."""
    by_phase: dict[str, list[list[Atoms]]] = defaultdict(list)
    for name in sorted(cands):
        if cands[name]:
            group = [cands[name][k] for k in _spread(len(cands[name]))]
            by_phase[str(cands[name][0].info.get("phase", "?"))].append(group)
    streams = []
    for phase in sorted(by_phase):
        groups = by_phase[phase]
        depth = max(len(g) for g in groups)
        streams.append([g[k] for k in range(depth) for g in groups if k < len(g)])
    depth = max((len(s) for s in streams), default=0)
    return [s[k] for k in range(depth) for s in streams if k < len(s)]


def _run_one(atoms: Atoms, name: str, scratch: Path, settings: CP2KSettings) -> tuple:
    """Label one candidate with CP2K (in a worker thread): (atoms, labelled or None, error, s)."""
    cid, t0 = atoms.info["candidate_id"], time.perf_counter()
    try:
        labelled = run_cp2k(atoms, scratch / cid.replace("/", "_"), settings)
        validate_frame(labelled, f"{name}:{cid}")
        return atoms, labelled, None, time.perf_counter() - t0
    except Exception as err:  # recorded by the caller
        return atoms, None, f"{type(err).__name__}: {err}", time.perf_counter() - t0


def _label_queue(next_candidate: Callable[[set[str]], Atoms | None], name: str,
                 root: Path | None, scratch: Path, settings: CP2KSettings, version: str,
                 done: set[str], failed: dict, log, workers: int = 1,
                 limit: int | None = None) -> int:
    """Label what ``next_candidate(busy_ids)`` hands out (None: nothing left), ``workers`` CP2K
    runs at a time (each on ``settings.nproc`` ranks), until ``limit`` succeeded. Each result
    is appended to ``data/<name>/frames.xyz`` as it finishes (manifest rewritten; its id added
    to ``done``), or recorded with its reason in ``failed`` and ``failed.json`` (never retried
    silently). Returns how many succeeded."""
    folder, count = data_dir(name, root), 0
    busy: dict[Future, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while True:
            while len(busy) < max(1, workers) and (limit is None or count + len(busy) < limit):
                atoms = next_candidate(set(busy.values()))
                if atoms is None:
                    break
                busy[pool.submit(_run_one, atoms, name, scratch, settings)] = \
                    atoms.info["candidate_id"]
            if not busy:
                return count
            finished, _ = wait(busy, return_when=FIRST_COMPLETED)
            for future in finished:
                cid = busy.pop(future)
                atoms, labelled, error, seconds = future.result()
                if error is not None:
                    failed[cid] = error
                    _atomic_write_text(folder / "failed.json",
                                       json.dumps(failed, indent=1, sort_keys=True))
                    log(f"FAILED {cid}: {error}")
                    continue
                labelled.info["cp2k_version"] = version
                write(folder / "frames.xyz", labelled, format="extxyz", append=True)
                log(f"labelled {cid} ({len(atoms)} atoms, {labelled.info['cp2k_scf_steps']} "
                    f"SCF steps, {seconds:.0f} s)")
                write_manifest(name, root, settings, version)
                done.add(cid)
                count += 1


def build(name: str, n: int | None = None, root: Path | None = None,
          settings: CP2KSettings | None = None, sample_missing: bool = True,
          workdir: Path | None = None, log=print, workers: int = 1) -> int:
    """Label up to ``n`` new candidates of dataset ``name`` with CP2K; return how many.

    With ``sample_missing=False`` only groups whose candidates already exist are labelled
    (a sampler may run beside the labeller). ``workers`` CP2K runs go at once (e.g. 2 runs on
    one rank each instead of one on two: about 20 % more frames an hour on two cores, since
    the ranks of one run spend time communicating); frames are appended as they finish.
    """
    settings = settings or settings_for(name)
    version = cp2k_version()
    folder = data_dir(name, root)
    if sample_missing:
        sample(name, root, log=log)
    cand_dir = folder / "candidates"
    frames_path = folder / "frames.xyz"
    failed_path = folder / "failed.json"
    done = {a.info["candidate_id"] for a in _labelled(frames_path)}
    failed = json.loads(failed_path.read_text()) if failed_path.exists() else {}
    log(f"{name}: {len(done)} labelled, {len(failed)} failed")
    scratch = Path(workdir or tempfile.mkdtemp(prefix=f"cp2k-{name}-"))

    def next_candidate(busy: set[str]) -> Atoms | None:
        # re-scanned every frame: a sampler running beside us may add groups
        cands = {p.stem: read(p, ":", format="extxyz") for p in sorted(cand_dir.glob("*.xyz"))
                 if not p.name.endswith(".tmp.xyz")}
        return next((a for a in _round_robin(cands) if a.info["candidate_id"] not in done
                     and a.info["candidate_id"] not in failed
                     and a.info["candidate_id"] not in busy), None)

    count = _label_queue(next_candidate, name, root, scratch, settings, version, done, failed,
                         log, workers, n)
    if workdir is None:
        shutil.rmtree(scratch, ignore_errors=True)
    write_manifest(name, root, settings, version)
    return count


def relabel(name: str, n: int | None = None, root: Path | None = None,
            settings: CP2KSettings | None = None, workdir: Path | None = None,
            first: Sequence[str] = (), log=print, workers: int = 1) -> int:
    """Label the frames of dataset ``name`` again, same geometries and tags, with ``settings``
    (default: the course's current reference, ``CP2KSettings()``); return how many were done.

    Writes ``data/relabel/<name>/frames.xyz`` and its manifest, resumable like :func:`build`
    (also ``workers``), the candidates listed in ``first`` first (e.g. a test split, to
    evaluate models early), then the rest in the order of the shipped frames (interleaved
    groups). The shipped labels stay in place until the relabelled set is complete and
    replaces them (a separate, reviewed step: every result made from them has to be rerun).
    A dataset already labelled with ``settings`` (e.g. after the adoption) is left alone.
    """
    settings = settings or CP2KSettings()
    target = f"relabel/{name}"
    made = data_dir(name, root) / "manifest.json"
    if (made.exists() and not (data_dir(target, root) / "frames.xyz").exists()
            and level_of_theory(json.loads(made.read_text())["reference"]["settings"])
            == level_of_theory(settings_dict(settings))):
        log(f"relabel {name}: its labels were made with these settings already; nothing to do.")
        return 0
    version = cp2k_version()
    source = _labelled(data_dir(name, root) / "frames.xyz")
    if not source:
        raise FileNotFoundError(f"data/{name}/frames.xyz has no frames to relabel.")
    folder = data_dir(target, root)
    folder.mkdir(parents=True, exist_ok=True)
    frames_path, failed_path = folder / "frames.xyz", folder / "failed.json"
    done = {a.info["candidate_id"] for a in _labelled(frames_path)}
    failed = json.loads(failed_path.read_text()) if failed_path.exists() else {}
    log(f"relabel {name}: {len(done)} of {len(source)} done, {len(failed)} failed")
    scratch = Path(workdir or tempfile.mkdtemp(prefix=f"cp2k-relabel-{name}-"))
    rank = {cid: k for k, cid in enumerate(first)}
    source.sort(key=lambda a: rank.get(a.info["candidate_id"], len(rank)))     # stable
    queue = iter(a for a in source if a.info["candidate_id"] not in done
                 and a.info["candidate_id"] not in failed)

    def next_candidate(busy: set[str]) -> Atoms | None:
        atoms = next(queue, None)
        if atoms is None:
            return None
        return Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=atoms.pbc,
                     info={k: v for k, v in atoms.info.items()
                           if not k.startswith("cp2k_") and k not in ("energy", "stress")})

    count = _label_queue(next_candidate, target, root, scratch, settings, version, done, failed,
                         log, workers, n)
    if workdir is None:
        shutil.rmtree(scratch, ignore_errors=True)
    if frames_path.exists():
        write_manifest(target, root, settings, version)
    return count


# what CP2K ran with before these settings existed (manifests written then lack them): the Gamma
# point. Today's default mesh must not be read into an old manifest.
_BEFORE_THEY_EXISTED = {"kpoints": None, "kpoint_density": None}


def level_of_theory(settings: dict) -> dict:
    """The settings of a manifest as a comparable dict: as stored in JSON, without the MPI
    ranks; a setting added to CP2KSettings after the manifest was written counts as what CP2K
    did before it existed (the Gamma point for the k-point settings), else as its default."""
    full = {**settings_dict(CP2KSettings()), **_BEFORE_THEY_EXISTED, **settings}
    return {k: v for k, v in json.loads(json.dumps(full)).items() if k != "nproc"}


def adopt_relabelled(name: str, root: Path | None = None) -> dict:
    """Replace the labels of dataset ``name`` by its complete relabelling (:func:`relabel`).

    The old frames move to ``data/<name>/previous/frames.xyz`` with the reference section of
    the old manifest (``previous/reference.json``); both stay checksummed in the new manifest.
    ``data/relabel/<name>`` is removed. Refuses while frames are missing or failed, or while
    ``recipes.SETTINGS`` still gives ``name`` other settings than the relabelled ones (change
    it in the same commit). Returns the new manifest.
    """
    folder, new_dir = data_dir(name, root), data_dir(f"relabel/{name}", root)
    old, new = _labelled(folder / "frames.xyz"), _labelled(new_dir / "frames.xyz")
    if (new_dir / "failed.json").exists() and json.loads((new_dir / "failed.json").read_text()):
        raise RuntimeError(f"data/relabel/{name}/failed.json lists frames CP2K could not label; "
                           "fix or drop them before adopting the relabelled set.")
    ids = [a.info["candidate_id"] for a in old]
    by_id = {a.info["candidate_id"]: a for a in new}
    if sorted(by_id) != sorted(ids) or len(new) != len(ids):
        raise RuntimeError(f"data/relabel/{name} has {len(new)} of {len(ids)} frames; finish it "
                           f"with `python -m mlip_course.data relabel {name}`.")
    used = json.loads((new_dir / "manifest.json").read_text())["reference"]
    settings = settings_for(name)
    if level_of_theory(used["settings"]) != level_of_theory(settings_dict(settings)):
        raise RuntimeError(f"recipes.SETTINGS gives {name!r} other settings than the relabelled "
                           f"frames were made with ({used['settings']}); update it first.")
    previous = folder / "previous"
    previous.mkdir(exist_ok=True)
    before = json.loads((folder / "manifest.json").read_text())["reference"]
    _atomic_write_text(previous / "reference.json", json.dumps(before, indent=1) + "\n")
    os.replace(folder / "frames.xyz", previous / "frames.xyz")
    if [a.info["candidate_id"] for a in new] == ids:
        os.replace(new_dir / "frames.xyz", folder / "frames.xyz")
    else:                           # parallel workers finished out of order: the shipped order
        write(folder / "frames.xyz", [by_id[cid] for cid in ids], format="extxyz")
    shutil.rmtree(new_dir)
    return write_manifest(name, root, settings, used["code"])


def _plain(value):
    """NumPy scalars (as ASE reads them from extxyz) -> JSON-ready Python numbers."""
    return value.item() if hasattr(value, "item") else value


def write_manifest(name: str, root: Path | None = None, settings: CP2KSettings | None = None,
                   version: str | None = None, extra: dict | None = None) -> dict:
    """(Re)write ``manifest.json`` from the files on disk; ``extra`` adds or replaces
    top-level sections (e.g. the MD settings of an AIMD dataset)."""
    settings = settings or settings_for(name)
    folder = data_dir(name, root)
    frames = _labelled(folder / "frames.xyz")
    recipe = {g.name: g for g in groups(name)} if name in DATASETS else {}
    per_frame = [{
        "candidate_id": str(a.info["candidate_id"]), "origin": str(a.info["origin"]),
        "phase": str(a.info["phase"]), "formula": a.get_chemical_formula(), "natoms": len(a),
        "wall_s": _plain(a.info.get("cp2k_wall_s")), "scf_steps": _plain(a.info.get("cp2k_scf_steps")),
        **({"kpoints": str(a.info["cp2k_kpoints"])} if "cp2k_kpoints" in a.info else {}),
    } for a in frames]
    files = {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*.xyz"))
             if not p.name.endswith(".tmp.xyz")}
    example = cp2k_input(frames[0], settings, project="frame") if frames else ""
    manifest = {
        "name": name,
        "description": DESCRIPTIONS.get(name, ""),
        "units": {"energy": "eV", "forces": "eV/A", "stress": "eV/A^3 (ASE sign, Voigt)"},
        "reference": {
            "code": version or (frames[0].info.get("cp2k_version") if frames else None),
            "command": "OMP_NUM_THREADS=1 nice -n 19 mpirun -np %d cp2k.psmp -i frame.inp"
                       % settings.nproc,
            "settings": settings_dict(settings),
            "input_of_first_frame": example,
        },
        "sampling": {
            "driver": "CHGNet 0.3.0 (chgnet wheel) for MD-based groups; labels are CP2K only",
            "groups": [{"name": g.name, "phase": g.phase, "seed": g.seed,
                        "md_driver": g.needs_driver} for g in recipe.values()],
        },
        "counts": {"frames": len(frames), "by_phase": dict(Counter(f["phase"] for f in per_frame)),
                   "cp2k_hours": round(sum(f["wall_s"] or 0 for f in per_frame) / 3600, 2)},
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "files": files,
        "frames": per_frame,
    }
    manifest.update(extra or {})
    _atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return manifest


__all__ = ["sample", "build", "relabel", "adopt_relabelled", "level_of_theory", "write_manifest",
           "data_dir", "sha256", "Group"]
