"""Pictures: interactive 3-D structures (:func:`show`), the course's plot style, parity plots.

:func:`show` returns an nglview widget. In Jupyter it is fully interactive (rotate, zoom,
play a trajectory). In the static HTML book the widget state is embedded at build time and
drawn by NGL's own JavaScript, which :func:`vendor_js` copies next to the book -- together with
require.js, the ipywidgets HTML manager and MathJax -- so pages render with no internet.
In the static page the current frame is shown (rotatable); playing a trajectory needs a kernel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

# npm packages vendored into the book (pinned; see Makefile `vendor`).
NPM_PACKAGES = ["@jupyter-widgets/html-manager@1.0.15", "requirejs@2.3.7", "mathjax@3.2.2"]

WIDGETS_LOCAL_JS = """// Written by mlip_course.viz.vendor_js: point require.js at the vendored NGL widget code.
(function () {
  var here = document.currentScript.src.replace(/[^\\/]*$/, "");
  require.config({paths: {"nglview-js-widgets": here + "nglview/index"}});
})();
"""


def show(structure: Atoms | Sequence[Atoms], *, representation: str = "ball+stick",
         unit_cell: bool = True, height: str = "400px"):
    """An interactive 3-D view of one structure or a trajectory (list of Atoms)."""
    import nglview

    if isinstance(structure, Atoms):
        view = nglview.show_ase(structure)
    else:
        frames = list(structure)
        if not frames:
            raise ValueError("show() got an empty trajectory.")
        view = nglview.show_asetraj(frames)
    view.clear_representations()
    view.add_representation(representation, radiusScale=0.8 if representation == "ball+stick" else 1.0)
    if unit_cell and np.any(view_atoms(structure).pbc):
        view.add_unitcell()
    view.layout.height = height
    view.layout.width = "100%"
    return view


def view_atoms(structure: Atoms | Sequence[Atoms]) -> Atoms:
    return structure if isinstance(structure, Atoms) else list(structure)[0]


def style() -> None:
    """The course's matplotlib style: readable defaults, consistent colours."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (5.0, 3.6), "figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False, "font.size": 10,
        "legend.frameon": False, "savefig.bbox": "tight",
    })


def parity(ax, reference: np.ndarray, predicted: np.ndarray, unit: str, label: str = ""):
    """Predicted-vs-reference scatter with the y = x line and the RMSE in the legend."""
    reference, predicted = np.ravel(reference), np.ravel(predicted)
    rmse = float(np.sqrt(np.mean((predicted - reference) ** 2)))
    lo, hi = float(min(reference.min(), predicted.min())), float(max(reference.max(), predicted.max()))
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=1)
    ax.scatter(reference, predicted, s=6, alpha=0.6, label=f"{label} RMSE {rmse:.3g} {unit}".strip())
    ax.set_xlabel(f"reference [{unit}]")
    ax.set_ylabel(f"model [{unit}]")
    ax.legend(loc="upper left")
    return rmse


def vendor_js(dest: str | Path, npm: str = "npm") -> Path:
    """Copy the JavaScript the static book needs into ``dest`` (run once at install time).

    Needs npm and the network once; afterwards the book builds and displays offline.
    """
    import nglview

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if shutil.which(npm) is None:
        raise RuntimeError("npm is needed once to vendor the book's JavaScript "
                           "(Debian: `apt-get install npm`; conda: `conda install nodejs`).")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", tmp,
                        *NPM_PACKAGES], check=True)
        mods = Path(tmp) / "node_modules"
        shutil.copy(mods / "requirejs" / "require.js", dest / "require.js")
        shutil.copytree(mods / "@jupyter-widgets" / "html-manager" / "dist", dest, dirs_exist_ok=True)
        mj = dest / "mathjax"
        (mj / "output" / "chtml" / "fonts").mkdir(parents=True, exist_ok=True)
        shutil.copy(mods / "mathjax" / "es5" / "tex-mml-chtml.js", mj / "tex-mml-chtml.js")
        shutil.copytree(mods / "mathjax" / "es5" / "output" / "chtml" / "fonts" / "woff-v2",
                        mj / "output" / "chtml" / "fonts" / "woff-v2", dirs_exist_ok=True)
    ngl_js = Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "nglview-js-widgets"
    if not (ngl_js / "index.js").exists():
        ngl_js = Path(nglview.__file__).parent / "static"
    (dest / "nglview").mkdir(exist_ok=True)
    shutil.copy(ngl_js / "index.js", dest / "nglview" / "index.js")
    (dest / "widgets-local.js").write_text(WIDGETS_LOCAL_JS)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "vendor":
        sys.exit("usage: python -m mlip_course.viz vendor DEST")
    print(vendor_js(sys.argv[2]))
