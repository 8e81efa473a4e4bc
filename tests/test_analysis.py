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


def test_power_law_recovers_exponent_and_checks_inputs():
    import pytest

    from mlip_course.analysis import power_law

    n = np.array([10.0, 100, 1000, 10000])
    b, a = power_law(n, 3e-5 * n**1.07)
    assert b == pytest.approx(1.07) and a == pytest.approx(3e-5)
    t = np.where(n < 500, 1.0, 1e-3 * n)            # flat start, then linear
    assert power_law(n, t, (500, 1e5))[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least two"):
        power_law(n, t, (5000, 1e5))
    with pytest.raises(ValueError, match="positive"):
        power_law(n, -t)


def test_coordination_and_bond_angles_of_rocksalt():
    from mlip_course.analysis import bond_angles, coordination, first_minimum

    atoms = bulk("NaCl", "rocksalt", a=6.0, cubic=True).repeat(3)
    assert coordination([atoms], 3.2) == pytest.approx(6.0)
    assert coordination([atoms], 3.2, ("Na", "Cl")) == pytest.approx(6.0)
    assert coordination([atoms], 3.2, ("Na", "Na")) == 0.0
    theta, p = bond_angles([atoms], 3.2, centre="Na")
    assert sorted({int(x) for x in theta[p > 0]}) == [91, 179]        # the 90 and 180 degree bins
    r, g = rdf([atoms.copy()], r_max=8.0, n_bins=160)
    assert 3.0 < first_minimum(r, g, after=2.0) < 4.2
    with pytest.raises(ValueError, match="No bond angles"):
        bond_angles([atoms], 1.0)
