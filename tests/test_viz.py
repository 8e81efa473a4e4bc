import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from ase.build import bulk  # noqa: E402

from mlip_course import viz  # noqa: E402


def test_show_structure_and_trajectory():
    import nglview

    atoms = bulk("Cu", cubic=True)
    assert isinstance(viz.show(atoms), nglview.NGLWidget)
    traj = viz.show([atoms, atoms.copy()])
    assert traj.max_frame == 1
    with pytest.raises(ValueError, match="empty"):
        viz.show([])


def test_parity_reports_rmse():
    viz.style()
    fig, ax = plt.subplots()
    rmse = viz.parity(ax, np.array([0.0, 1.0]), np.array([0.0, 1.2]), "eV")
    assert rmse == pytest.approx(np.sqrt(0.02))
    plt.close(fig)


def test_vendor_needs_npm(tmp_path):
    with pytest.raises(RuntimeError, match="npm is needed"):
        viz.vendor_js(tmp_path, npm="no-such-npm")
