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
    assert np.allclose(rdf([atoms], r_max=5, pair=("Ge", "Ge"))[1], g)     # an int r_max works


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


def test_msd_diffusion_and_arrhenius_on_synthetic_data():
    from ase import Atoms
    from ase.units import kB

    from mlip_course.analysis import arrhenius, diffusion_coefficient, diffusion_with_error, msd

    rng = np.random.default_rng(0)
    n, steps, d_true = 400, 200, 0.05                     # D in A^2/ps, dt = 0.1 ps
    steps_xyz = rng.normal(0, np.sqrt(2 * d_true * 0.1), (steps, n, 3))
    pos = np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps_xyz, axis=0)])
    frames = [Atoms(["Ge"] * n, positions=p, cell=[30] * 3, pbc=True) for p in pos]
    t = 0.1 * np.arange(len(frames))
    d = diffusion_coefficient(t, msd(frames), fit_from_ps=2.0)
    assert d == pytest.approx(d_true * 1e-4, rel=0.1)
    lagged = msd(frames, "Ge", max_lag=50)                 # every time origin: less noise
    assert lagged[0] == 0.0 and lagged[10] == pytest.approx(6 * d_true * 1.0, rel=0.05)
    d_all, err = diffusion_with_error(frames, "Ge", 0.1, fit_from_ps=1.0, fit_to_ps=4.0)
    assert d_all == pytest.approx(d_true * 1e-4, rel=0.1) and 0 < err < 0.2 * d_all
    with pytest.raises(ValueError, match="No Te atoms"):
        msd(frames, "Te")
    temps = np.array([800.0, 1000.0, 1200.0])
    ea, d0 = arrhenius(temps, 1e-3 * np.exp(-0.4 / (kB * temps)))
    assert ea == pytest.approx(0.4) and d0 == pytest.approx(1e-3)
    frames[5].positions[0] += 15.0                         # a wrapped jump
    with pytest.raises(ValueError, match="wrapped"):
        msd(frames)


def test_first_collapse_finds_the_first_overlapping_pair():
    from mlip_course.analysis import first_collapse

    good = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)
    bad = good.copy()
    bad.positions[1] = bad.positions[0] + [0.5, 0.0, 0.0]
    assert first_collapse([good, good]) is None
    assert first_collapse([good, bad, good]) == 1
    from mlip_course.analysis import stop_if_collapsed

    stop_if_collapsed([good], "run", "fix it")
    with pytest.raises(SystemExit, match="run: atoms collapsed at snapshot 1; fix it"):
        stop_if_collapsed([good, bad], "run", "fix it")


def test_arrhenius_extrapolation_with_errors():
    from ase.units import kB

    from mlip_course.analysis import arrhenius_extrapolate

    temps = np.array([900.0, 1000.0, 1100.0])
    d = 1e-3 * np.exp(-0.2 / (kB * temps))
    pred, err = arrhenius_extrapolate(temps, d, 0.05 * d, 600.0)
    assert pred == pytest.approx(1e-3 * np.exp(-0.2 / (kB * 600.0)), rel=1e-6)
    assert err > 0.05 * pred                                   # extrapolation widens the error
    with pytest.raises(ValueError, match="three or more"):
        arrhenius_extrapolate(temps[:2], d[:2], d[:2], 600.0)


def test_crystalline_tells_crystal_from_amorphous():
    from mlip_course.analysis import bond_order_vectors, crystalline
    from mlip_course.data import frames

    crystal = bulk("GeTe", "rocksalt", a=6.0, cubic=True).repeat(3)
    crystal.rattle(0.05, seed=1)
    assert crystalline(crystal).all()
    q = bond_order_vectors(crystal, 3.6)
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0)
    glass = [a for a in frames("gete") if a.info["phase"] == "amorphous"][:5]   # CP2K frames
    assert np.mean([crystalline(a).mean() for a in glass]) < 0.15


def test_rings_of_rocksalt_are_alternating_squares():
    from mlip_course.analysis import abab_fraction, rings
    from mlip_course.data import structures as st

    crystal = st.rocksalt_gete(6.0, reps=2)                       # 64 atoms, bonds 3.0 A
    found = rings(crystal, 3.2, max_size=6)
    sizes = np.bincount([len(r) for r in found], minlength=7)
    assert sizes[4] == 3 * len(crystal)                           # 12 squares per atom / 4
    assert sizes[3] == 0 and sizes[5] == 0                        # bipartite lattice: even rings
    assert abab_fraction(crystal, found, {"Ge"}, {"Te"}) == 1.0
    wrong = crystal.copy()
    wrong.symbols[0] = "Te"                                        # one antisite breaks 12 squares
    assert abab_fraction(wrong, rings(wrong, 3.2, max_size=4), {"Ge"}, {"Te"}) < 1.0


def test_ring_statistics_shares_and_messages():
    from mlip_course.analysis import ring_statistics
    from mlip_course.data import structures as st

    crystal = st.rocksalt_gete(6.0, reps=2)
    wrong = crystal.copy()
    wrong.symbols[0] = "Te"
    stats = ring_statistics([crystal, wrong], 3.2, {"Ge"}, {"Te"}, max_size=6)
    assert list(stats) == ["3-rings", "4-rings", "5-rings", "6-rings", "ABAB of 4-rings"]
    assert np.isclose(sum(v for k, v in stats.items() if k.endswith("-rings")
                          and not k.startswith("ABAB")), 1.0)
    assert stats["3-rings"] == 0 and stats["5-rings"] == 0
    assert stats["4-rings"] == 1.0                                 # shortest-path rings: squares
    assert stats["ABAB of 4-rings"] == pytest.approx((1 + 180 / 192) / 2)   # 12 of 192 broken
    with pytest.raises(ValueError, match="too short"):
        ring_statistics([crystal], 2.0, {"Ge"}, {"Te"})
    with pytest.raises(ValueError, match="at least one"):
        ring_statistics([], 3.2, {"Ge"}, {"Te"})


def test_closest_pair_matches_all_distances():
    from ase.build import bulk, molecule

    from mlip_course.analysis import closest_pair

    rng = np.random.default_rng(3)
    for atoms in (bulk("Cu", cubic=True).repeat(2), molecule("C6H6")):
        atoms.positions += rng.normal(0, 0.1, atoms.positions.shape)
        d = atoms.get_all_distances(mic=bool(atoms.pbc.any()))
        np.fill_diagonal(d, np.inf)
        r, i, j = closest_pair(atoms)
        assert r == pytest.approx(d.min()) and d[i, j] == pytest.approx(r) and i < j
    one = bulk("Cu", "fcc", a=3.6)                # one atom: its nearest neighbour is an image
    assert closest_pair(one) == pytest.approx((3.6 / 2 ** 0.5, 0, 0))
    assert closest_pair(one, within=2.0) is None


def test_short_long_bonds_see_a_peierls_distortion():
    import pytest

    from mlip_course.analysis import short_long_bonds
    from mlip_course.data import structures as st

    crystal = st.rocksalt_gete(6.0, reps=2)                       # bonds 3.0 A
    assert short_long_bonds(crystal, "Ge", "Te") == pytest.approx((3.0, 3.0))
    shifted = crystal.copy()
    ge = [a.index for a in shifted if a.symbol == "Ge"]
    shifted.positions[ge] += 0.1                                   # along [111]: 3 + 3 split
    short, long = short_long_bonds(shifted, "Ge", "Te")
    assert short < 2.95 and long > 3.05
    with pytest.raises(ValueError, match="No Sb atom"):
        short_long_bonds(crystal, "Sb", "Te")
