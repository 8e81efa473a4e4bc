"""``python -m mlip_course.data``: list, sample, build (CP2K), verify and re-manifest datasets."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..io import DatasetError
from ..reference import CP2KNotFound, CP2KSettings, blas_warning


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlip_course.data", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="data folder (default: repo data/)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="datasets on disk and the recipes that can be built")
    sub.add_parser("status", help="frames, failures and CP2K hours of every dataset on disk "
                   "and of every relabelling under way")
    p = sub.add_parser("sample", help="write the candidate geometries of a dataset (no DFT)")
    p.add_argument("name")
    p.add_argument("--only", nargs="*", help="only these groups")
    p = sub.add_parser("build", help="label candidates with CP2K (resumable)")
    p.add_argument("name")
    p.add_argument("--n", type=int, default=None, help="label at most N new frames")
    p.add_argument("--nproc", type=int, default=2, help="MPI ranks for CP2K (default 2)")
    p.add_argument("--workers", type=int, default=1, help="CP2K runs at once (e.g. --workers 2 "
                   "--nproc 1 on two cores: about 20 %% more frames an hour)")
    p.add_argument("--no-sample", action="store_true",
                   help="label only groups whose candidates exist already")
    p = sub.add_parser("relabel", help="label a dataset's frames again with the current "
                       "reference settings, into data/relabel/NAME (resumable)")
    p.add_argument("name")
    p.add_argument("--n", type=int, default=None, help="relabel at most N frames")
    p.add_argument("--nproc", type=int, default=2, help="MPI ranks for CP2K (default 2)")
    p.add_argument("--workers", type=int, default=1, help="CP2K runs at once (see build)")
    p.add_argument("--first", nargs="*", default=[], choices=["test", "valid", "train"],
                   help="relabel the frames of these parts of data.load(NAME)'s split first")
    p.add_argument("--adopt", action="store_true", help="replace the dataset's labels by the "
                   "complete relabelled set (old ones kept in data/NAME/previous/)")
    p = sub.add_parser("aimd", help="run/continue a CP2K MD dataset in resumable chunks")
    p.add_argument("name")
    p.add_argument("--steps", type=int, default=None, help="total MD steps (default: recipe's)")
    p.add_argument("--nproc", type=int, default=2, help="MPI ranks for CP2K (default 2)")
    p = sub.add_parser("relax", help="run/continue a CP2K relaxation dataset in resumable chunks")
    p.add_argument("name")
    p.add_argument("--nproc", type=int, default=2, help="MPI ranks for CP2K (default 2)")
    p = sub.add_parser("verify", help="checksums, finite values, net force, sane energies")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("manifest", help="rewrite manifest.json from the files on disk")
    p.add_argument("name")
    args = parser.parse_args(argv)

    from . import available, load, progress, verify
    from .build import adopt_relabelled, build, data_dir, relabel, sample, write_manifest
    from .recipes import DATASETS, settings_for

    try:
        if args.cmd in ("build", "relabel", "aimd", "relax") and not getattr(args, "adopt", False):
            if (warning := blas_warning()) is not None:
                print("warning:", warning, flush=True)
        if args.cmd == "list":
            print("on disk:", ", ".join(available(args.root)) or "none")
            from .recipes import AIMD, RELAX

            print("recipes (build):", ", ".join(sorted(DATASETS)))
            print("CP2K MD (aimd):", ", ".join(sorted(AIMD)), "| CP2K relaxations (relax):",
                  ", ".join(sorted(RELAX)))
        elif args.cmd == "status":
            for row in progress(args.root):
                done = f"{row['frames']}" + (f" of {row['of']}" if "of" in row else "")
                mean = f"{row['mean_wall_s']} s a frame" if row["mean_wall_s"] else ""
                print(f"{row['dataset']:<22} {done:>12} frames  {row['failed']} failed  "
                      f"{row['cp2k_hours']:7.2f} CP2K h  {mean}")
        elif args.cmd == "sample":
            print(json.dumps(sample(args.name, args.root, only=args.only), indent=1))
        elif args.cmd == "build":
            settings = settings_for(args.name, nproc=args.nproc)
            build(args.name, args.n, args.root, settings, sample_missing=not args.no_sample,
                  log=lambda m: print(m, flush=True), workers=args.workers)
        elif args.cmd == "relabel" and args.adopt:
            print(json.dumps(adopt_relabelled(args.name, args.root)["counts"]))
        elif args.cmd == "relabel":
            split = load(args.name, args.root) if args.first else None
            first = [a.info["candidate_id"] for part in args.first for a in getattr(split, part)]
            relabel(args.name, args.n, args.root, CP2KSettings(nproc=args.nproc), first=first,
                    log=lambda m: print(m, flush=True), workers=args.workers)
        elif args.cmd == "aimd":
            from .aimd import MDSettings, run
            from .recipes import AIMD

            if args.name not in AIMD:
                raise KeyError(f"unknown AIMD dataset {args.name!r}; known: {', '.join(AIMD)}")
            start, temperature, steps = AIMD[args.name]
            folder = data_dir(args.name, args.root)
            run(args.name, None if (folder / "start.xyz").exists() else start(),
                args.steps or steps, args.root, settings_for(args.name, nproc=args.nproc),
                MDSettings(temperature_k=temperature), log=lambda m: print(m, flush=True))
        elif args.cmd == "relax":
            from .recipes import RELAX
            from .relax import run as relax

            if args.name not in RELAX:
                raise KeyError(f"unknown relaxation dataset {args.name!r}; known: {', '.join(RELAX)}")
            start = None if (data_dir(args.name, args.root) / "start.xyz").exists() else RELAX[args.name]()
            done = relax(args.name, start, args.root, settings_for(args.name, nproc=args.nproc),
                         log=lambda m: print(m, flush=True))
            print(f"{args.name}: {'converged' if done else 'not converged yet'}")
        elif args.cmd == "verify":
            for name in args.names or available(args.root):
                print(json.dumps(verify(name, args.root)))
        elif args.cmd == "manifest":
            write_manifest(args.name, args.root)
    except (DatasetError, CP2KNotFound, KeyError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
