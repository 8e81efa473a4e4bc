import numpy as np
import pytest
from ase.build import bulk

from mlip_course.analysis import first_peak, rdf


def test_fcc_first_peak_and_normalisation():
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)
    atoms.rattle(0.03, seed=0)
    r, g = rdf([atoms], r_max=5.0, n_bins=200)
    assert first_peak(r, g) == pytest.approx(3.61 / np.sqrt(2), abs=0.03)
    # coordination number from g(r): 12 neighbours in the first shell
    rho = len(atoms) / atoms.get_volume()
    dr = r[1] - r[0]
    shell = r < 3.1
    assert np.sum(4 * np.pi * r[shell] ** 2 * g[shell] * rho * dr) == pytest.approx(12, abs=0.1)


def test_partial_rdf():
    atoms = bulk("GeTe", "rocksalt", a=6.0, cubic=True).repeat(2)
    r, g = rdf([atoms], r_max=5.0, pair=("Ge", "Te"))
    assert first_peak(r, g) == pytest.approx(3.0, abs=0.05)
    r, g = rdf([atoms], r_max=5.0, pair=("Ge", "Ge"))
    assert first_peak(r, g) == pytest.approx(6.0 / np.sqrt(2), abs=0.05)


def test_rdf_refuses_too_large_r_max():
    with pytest.raises(ValueError, match="half the cell height"):
        rdf([bulk("Cu", cubic=True)], r_max=5.0)
    with pytest.raises(ValueError, match="at least one frame"):
        rdf([])
