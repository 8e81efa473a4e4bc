"""Results of heavy runs: ``results/<study>/`` with the numbers and their provenance.

A script computes, :func:`save` writes ``results.json`` (payload + command, git commit, wall
time, and the sha256 of every dataset manifest it used); notebooks :func:`load` it in quick
mode and recompute their metrics from the stored raw numbers. :func:`load` refuses results
made from data that have changed since.

A study trained on a data set that is still growing (the DFT labelling runs for weeks) records
the content hash of every frame it used (``frames``): new frames appended later leave it
valid, and :func:`load` reports how many; any frame it used that changed or vanished makes it
stale.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from . import repo_root
from .data.build import data_dir, sha256


def _manifest_sha256(name: str, root: Path) -> str:
    return sha256(data_dir(name, root / "data") / "manifest.json")


def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def study_dir(study: str, root: Path | None = None) -> Path:
    return (root or repo_root()) / "results" / study


def frame_hash(atoms) -> str:
    """Content hash of a labelled frame (species, positions, cell, energy, forces; rounded)."""
    import hashlib

    import numpy as np

    parts = [atoms.numbers.astype(np.int64).tobytes(),
             np.round(atoms.positions, 6).tobytes(), np.round(np.asarray(atoms.cell), 6).tobytes(),
             np.round(np.array([atoms.get_potential_energy()]), 6).tobytes(),
             np.round(atoms.get_forces(), 5).tobytes()]
    return hashlib.sha256(b"".join(parts)).hexdigest()[:20]


def _current_hashes(datasets, root: Path, previous: bool = False) -> set[str]:
    from .data import frames, previous_frames

    hashes = {frame_hash(a) for name in datasets for a in frames(name, root / "data")}
    if previous:                        # also the labels a relabelling replaced
        hashes |= {frame_hash(a) for name in datasets
                   if (root / "data" / name / "previous" / "frames.xyz").exists()
                   for a in previous_frames(name, root / "data")}
    return hashes


# the benchmark's data sets (benchmark.DATASETS), for models pinned before pinned.json named them
_PINNED_DEFAULT_DATASETS = ("gete", "gete_aimd")


def pinned(study: str, root: Path | None = None) -> dict[str, dict]:
    """The models pinned in ``results/<study>/`` (``benchmark.pin``): kind -> its record."""
    return {path.parent.name: json.loads(path.read_text())
            for path in sorted(study_dir(study, root).glob("*/pinned.json"))}


def pinned_frames(info: dict, parts: tuple[str, ...] = ("train", "valid", "test")) -> set[str]:
    """Hashes of the frames a pinned model (a :func:`pinned` record) used in ``parts`` of its
    split."""
    return {h for part, hashes in (info.get("split") or {}).items() if part in parts
            for h in hashes}


def _pinned_on_changed_frames(study: str, root: Path, previous: bool = False) -> list[str]:
    """Kinds pinned in ``results/<study>/`` (``benchmark.pin``) whose training or test frames are
    no longer in today's data (e.g. relabelled): the study ran with a model of older labels.
    ``previous``: labels kept in ``data/<name>/previous/`` still count (a study of the labels)."""
    kinds, current = [], {}
    for info in pinned(study, root).values():
        used = pinned_frames(info)
        datasets = tuple(info.get("datasets", _PINNED_DEFAULT_DATASETS))
        if datasets not in current:                 # several models pinned from one benchmark
            current[datasets] = _current_hashes(datasets, root, previous)
        if used - current[datasets]:
            kinds.append(info["kind"])
    return kinds


def save(study: str, payload: dict, *, started: float, datasets: tuple[str, ...] = (),
         root: Path | None = None, frames: list[str] | None = None,
         compares_labels: bool = False) -> Path:
    """Write ``results/<study>/results.json``; ``started`` is ``time.time()`` at the start;
    ``frames``: hashes (:func:`frame_hash`) of the frames used, for data sets still growing.
    ``compares_labels``: the study is about the labels themselves (e.g. Gamma point vs a
    k-point mesh), so it stays valid when a relabelling replaces them, as long as the labels
    it used are kept in ``data/<name>/previous/``.
    Re-saving a study keeps the earlier commands under ``provenance["earlier_runs"]``."""
    root = root or repo_root()
    manifests = {name: _manifest_sha256(name, root) for name in datasets}
    record = {
        "study": study,
        "provenance": {
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "git_commit": _git_commit(root),
            "wall_time_s": round(time.time() - started, 1),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "data_manifest_sha256": manifests,
            **({"frames_used": sorted(frames)} if frames is not None else {}),
            **({"compares_labels": True} if compares_labels else {}),
        },
        "payload": payload,
    }
    out = study_dir(study, root)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    if path.exists():              # a resumed or partly re-run study: keep its earlier commands
        before = json.loads(path.read_text())["provenance"]
        record["provenance"]["earlier_runs"] = before.get("earlier_runs", []) + [
            {k: before[k] for k in ("command", "git_commit", "wall_time_s", "finished")
             if k in before}]
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def load(study: str, root: Path | None = None) -> dict:
    """The stored record of ``study``; an error names the script when it is missing or stale."""
    root = root or repo_root()
    path = study_dir(study, root) / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"No results for '{study}' at {path}; run "
                                f"`python scripts/{study}.py` to make them.")
    record = json.loads(path.read_text())
    prov = record["provenance"]
    changed = [name for name, sha in prov["data_manifest_sha256"].items()
               if _manifest_sha256(name, root) != sha]
    record["frames_added_since"] = 0
    if changed and "frames_used" in prov:         # growing data: the frames used must be intact
        current = _current_hashes(prov["data_manifest_sha256"], root,
                                  previous=prov.get("compares_labels", False))
        missing = set(prov["frames_used"]) - current
        retrained = _pinned_on_changed_frames(study, root, prov.get("compares_labels", False))
        if retrained:
            raise RuntimeError(f"results/{study}: the model(s) it ran with "
                               f"({', '.join(retrained)}) "
                               f"were trained on frames that changed since in "
                               f"data/{'+'.join(changed)}; rerun `python scripts/{study}.py`.")
        if not missing:
            record["frames_added_since"] = len(current) - len(prov["frames_used"])
            return record
        raise RuntimeError(f"results/{study}: {len(missing)} of the frames they were made "
                           f"from changed or vanished in data/{'+'.join(changed)}; rerun "
                           f"`python scripts/{study}.py`.")
    if changed:
        raise RuntimeError(f"results/{study} were made from an older version of "
                           f"data/{changed[0]}; rerun `python scripts/{study}.py`.")
    return record


def status(root: Path | None = None) -> list[dict]:
    """Every stored study (``results/**/results.json``) with its ``script``, its ``state``
    ("current", "grown": frames were added to its data since, or "stale") and the ``reason``."""
    root = root or repo_root()
    rows = []
    for path in sorted((root / "results").rglob("results.json")):
        study = path.parent.relative_to(root / "results").as_posix()
        row = {"study": study, "script": f"scripts/{study}.py", "state": "current", "reason": ""}
        try:
            added = load(study, root)["frames_added_since"]
            if added:
                row.update(state="grown", reason=f"{added} frames added since; still valid")
        except (RuntimeError, FileNotFoundError) as err:
            row.update(state="stale", reason=str(err))
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m mlip_course.results [--stale]``: the state of every stored study, or (with
    ``--stale``) only the scripts to rerun, one per line."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlip_course.results",
                                     description="Which results/ studies are still current?")
    parser.add_argument("--stale", action="store_true",
                        help="print only the scripts of stale studies, one per line")
    args = parser.parse_args(argv)
    rows = status()
    for row in rows:
        if args.stale:
            if row["state"] == "stale":
                print(row["script"])
        else:
            print(f"{row['study']:36s} {row['state']:8s} {row['reason']}")
    return 0


class Progress(dict):
    """The finished parts of a resumable study (``key -> info``), kept in
    ``results/<study>/<file>`` and rewritten after each :meth:`record`.

    ``datasets``: the data sets the work depends on, directly or through models trained on
    them. The sha256 of their manifests is kept in the file; resuming from work made with other
    data (e.g. before a relabelling was adopted) is refused with a message, instead of mixing
    stale stages into new results."""

    STAMP = "_data_manifest_sha256"

    def __init__(self, study: str, file: str = "progress.json", root: Path | None = None,
                 datasets: tuple[str, ...] = ()):
        root = root or repo_root()
        self.dir = study_dir(study, root)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / file
        stored = json.loads(self.path.read_text()) if self.path.exists() else {}
        made_from = stored.pop(self.STAMP, {})
        self.stamp = {name: _manifest_sha256(name, root) for name in datasets}
        changed = [name for name, sha in self.stamp.items() if made_from.get(name) != sha]
        rel = self.path.relative_to(root) if stored else None
        if stored and set(made_from) != set(self.stamp) and made_from:
            raise RuntimeError(f"{rel} records work made from the data sets {sorted(made_from)}; "
                               f"this run uses {sorted(self.stamp)}. Delete it to start over: "
                               f"rm {rel}, then `python scripts/{study}.py`.")
        if stored and changed:
            raise RuntimeError(f"{rel} records work made from another version of "
                               f"data/{changed[0]} (or from before it was recorded); delete it "
                               f"to start over: rm {rel}, then `python scripts/{study}.py`.")
        super().__init__(stored)

    def record(self, key: str, info: dict) -> None:
        self[key] = info
        stamp = {self.STAMP: self.stamp} if self.stamp else {}
        self.path.write_text(json.dumps({**stamp, **self}, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
