"""Measured run time of every notebook of the book, normal and quick mode -> results/timing.

Normal-mode times come from the execution cache that `make book` leaves behind
(_build/.jupyter_cache, one record per executed notebook, written by jupyter-cache); quick-mode
times from the nbval run of `make test-notebooks` (_build/quick-times.json). The syllabus page
turns them into hours per week of a course.
Usage: make book && make test-notebooks && python scripts/timing.py [--root .] [--note ...]
       python scripts/timing.py --execute book/06_applications/new_page.ipynb ...
         (times only the named notebooks, executing each in both modes with nbconvert, and
         keeps the stored times of every other notebook: for a page added without a rebuild)
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlip_course import repo_root, results

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--root", type=Path, default=repo_root(),
                    help="the checkout where `make book` and `make test-notebooks` ran")
parser.add_argument("--note", default="2 CPU cores shared with CP2K labelling (nice 19)")
parser.add_argument("--execute", nargs="+", metavar="NOTEBOOK",
                    help="time these notebooks now (both modes) and keep the other stored times")
args = parser.parse_args()
started = time.time()
root = args.root.resolve()


def relative(path: str) -> str:
    return Path(path).resolve().relative_to(root).as_posix()


def normal_times() -> dict[str, float]:
    """Execution seconds of the current version of every notebook in the book's cache."""
    from jupyter_cache import get_cache

    cache = get_cache(root / "_build" / ".jupyter_cache")
    times = {}
    for project in cache.list_project_records():
        record = cache.get_cached_project_nb(project.uri)
        if record is None or "execution_seconds" not in record.data:
            raise SystemExit(f"{project.uri} has no cached execution; run `make book` first.")
        times[relative(project.uri)] = round(record.data["execution_seconds"], 1)
    return dict(sorted(times.items()))


def execute(notebook: str, quick: bool) -> float:
    """Wall seconds of one nbconvert execution of ``notebook`` (in quick mode if ``quick``)."""
    env = {**os.environ, "MLIP_COURSE_QUICK": "1" if quick else "0"}
    t = time.time()
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                    "--execute", "--output-dir", str(root / "_build" / "timing"), notebook],
                   cwd=root, env=env, check=True, capture_output=True)
    return round(time.time() - t, 1)


if args.execute:
    stored = results.load("timing")["payload"]
    normal, quick = dict(stored["normal_s"]), dict(stored["quick_s"])
    for notebook in args.execute:
        key = relative(str(root / notebook))
        normal[key], quick[key] = execute(key, quick=False), execute(key, quick=True)
        print(f"{key}: normal {normal[key]} s, quick {quick[key]} s", flush=True)
    normal, quick = dict(sorted(normal.items())), dict(sorted(quick.items()))
    args.note = f"{stored['note']}; timed alone with nbconvert: {', '.join(args.execute)}"
else:
    quick_file = root / "_build" / "quick-times.json"
    if not quick_file.exists():
        raise SystemExit(f"{quick_file} is missing; run `make test-notebooks` first.")
    quick = {k: round(v, 1) for k, v in json.loads(quick_file.read_text()).items()}
    normal = normal_times()
    missing = sorted(set(quick) ^ set(normal))
    if missing:
        raise SystemExit(f"Timed in one mode only: {missing}; run both `make book` and "
                         "`make test-notebooks` on the same checkout.")
commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                        capture_output=True, text=True).stdout.strip()
payload = {"normal_s": normal, "quick_s": quick, "checkout": f"{root} at {commit}",
           "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or "unknown",
                       "python": platform.python_version()},
           "note": args.note}
results.save("timing", payload, started=started)
print(f"{len(normal)} notebooks: normal {sum(normal.values()) / 60:.1f} min, "
      f"quick {sum(quick.values()) / 60:.1f} min -> results/timing/results.json")
