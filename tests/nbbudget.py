"""pytest plugin (``-p tests.nbbudget``): time every notebook under nbval and enforce the CI
budget -- each notebook <= NB_BUDGET_EACH s, all together <= NB_BUDGET_TOTAL s (quick mode).
With NB_TIMES_JSON=path the times are also written there (``scripts/timing.py`` reads them)."""

from __future__ import annotations

import json
import os
from collections import defaultdict

import pytest

_times: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    if report.nodeid.split("::")[0].endswith(".ipynb"):
        _times[report.nodeid.split("::")[0]] += report.duration


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if not _times:
        return
    each = float(os.environ.get("NB_BUDGET_EACH", "60"))
    total_budget = float(os.environ.get("NB_BUDGET_TOTAL", "900"))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter else print
    write("")
    write(f"notebook times (quick mode; budget {each:.0f} s each, {total_budget:.0f} s total):")
    over = []
    for path, seconds in sorted(_times.items()):
        flag = "  OVER BUDGET" if seconds > each else ""
        write(f"  {seconds:7.1f} s  {path}{flag}")
        if seconds > each:
            over.append(path)
    total = sum(_times.values())
    if os.environ.get("NB_TIMES_JSON"):
        with open(os.environ["NB_TIMES_JSON"], "w") as fh:
            json.dump(dict(sorted(_times.items())), fh, indent=1)
    write(f"  {total:7.1f} s  total")
    if over or total > total_budget:
        write("error: notebook time budget exceeded; shrink quick mode (mlip_course.pick) "
              "or mark the work slow and move it to a script.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
