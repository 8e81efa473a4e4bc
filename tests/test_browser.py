"""Browser test: the static workflow page draws its interactive 3-D structure offline.

Builds a smoke book (tests/smoke_toc.yml: intro + workflow chapter, quick mode), serves it on
127.0.0.1, opens it in headless Chromium and counts the coloured pixels NGL draws for Cu atoms.
Skipped where Chromium is absent -- except under CI=true, where that is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--enable-unsafe-swiftshader",
                  "--hide-scrollbars", "--window-size=1200,4000", "--virtual-time-budget=20000"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run; `make chromium` installs it)")
    pytest.skip(reason)


def cu_pixels(png: Path) -> int:
    """Pixels in NGL's copper colour (element colour C88033 plus its shading)."""
    import matplotlib.image as mpimg

    img = mpimg.imread(png)[..., :3]
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(np.sum((r > 0.45) & (r > g + 0.12) & (g > b + 0.08) & (b < 0.45)))


@pytest.fixture(scope="module")
def smoke_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("smoke")
    env = dict(os.environ, MLIP_COURSE_QUICK="1")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--toc", str(ROOT / "tests/smoke_toc.yml"),
                           "--path-output", str(out)], env=env, capture_output=True, text=True,
                          timeout=600)
    html = out / "_build" / "html"
    assert proc.returncode == 0 and (html / "book/01_workflow/workflow.html").exists(), \
        proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Execution Failed" not in proc.stdout, proc.stdout[-3000:]
    return html


class _Quiet(http.server.SimpleHTTPRequestHandler):
    hide: tuple[str, ...] = ()

    def log_message(self, *args, **kwargs):
        pass

    def do_GET(self):
        if any(h in self.path for h in self.hide):
            self.send_error(404)
            return
        super().do_GET()


class _NoNGL(_Quiet):
    hide = ("nglview",)


def _serve(handler_cls, folder: Path):
    handler = functools.partial(handler_cls, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def servers(smoke_book):
    """The book as built, and the same book with NGL's JavaScript withheld (a blank viewer)."""
    full, blank = _serve(_Quiet, smoke_book), _serve(_NoNGL, smoke_book)
    yield tuple(f"http://127.0.0.1:{h.server_address[1]}" for h in (full, blank))
    full.shutdown()
    blank.shutdown()


def test_page_is_self_contained(smoke_book):
    page = (smoke_book / "book/01_workflow/workflow.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in page, "widget state was not embedded"
    assert "cdn-disabled/" in page
    for needed in ("require.js", "embed-amd.js", "nglview/index.js", "mathjax/tex-mml-chtml.js"):
        assert (smoke_book / "_static" / needed).exists(), f"_static/{needed} missing: run `make vendor`"
    remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    assert not remote, f"the page loads resources from the internet: {remote}"


def screenshot(url: str, folder: Path, name: str) -> Path:
    chromium = _chromium()
    if chromium is None:
        _unavailable("chromium is not installed (Debian: apt-get install chromium)")
    shot = folder / f"{name}.png"
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={folder / ('profile-' + name)}",
           f"--screenshot={shot}", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if not shot.exists():
        _unavailable(f"chromium could not take a screenshot: {proc.stderr[-800:]}")
    return shot


def test_workflow_page_draws_3d_structure(servers, tmp_path):
    page = "/book/01_workflow/workflow.html"
    shot = screenshot(servers[0] + page, tmp_path, "page")
    # The same page without NGL's JavaScript shows no 3-D view; orange elsewhere on the page
    # (the warning box, plots) is in both, so the difference is what NGL drew.
    blank = screenshot(servers[1] + page, tmp_path, "blank")
    keep = os.environ.get("MLIP_COURSE_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
    drawn = cu_pixels(shot) - cu_pixels(blank)
    assert drawn > 3000, f"the 3-D view drew only {drawn} copper-coloured pixels (blank viewer?)"
