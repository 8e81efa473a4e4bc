"""Phonons and elastic constants: the same recipe for DFT frames and for any calculator."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from mlip_course import properties


def test_elastic_constants_of_emt_copper_are_cubic_and_match_a_direct_fit():
    atoms = bulk("Cu", "fcc", a=3.59, cubic=True)
    frames = [properties.strained(atoms, k, s * 0.005) for k in range(6) for s in (-1, 1)]
    c = properties.elastic_constants(properties.model_stresses(EMT(), frames))
    assert c[0, 0] == pytest.approx(c[1, 1], rel=1e-6) == pytest.approx(c[2, 2], rel=1e-6)
    assert c[3, 3] == pytest.approx(c[5, 5], rel=1e-6)
    assert 120 < c[0, 0] < 220 and 60 < c[0, 1] < 160 and 40 < c[3, 3] < 120   # copper, GPa
    assert np.abs(c[:3, 3:]).max() < 1e-3 * c[0, 0]            # no normal-shear coupling
    # bulk modulus from the constants = from an energy-volume curve
    b_c = (c[0, 0] + 2 * c[0, 1]) / 3
    from ase.eos import EquationOfState
    vols, ens = [], []
    for s in np.linspace(0.99, 1.01, 7):
        a = atoms.copy(); a.set_cell(atoms.cell * s, scale_atoms=True); a.calc = EMT()
        vols.append(a.get_volume()); ens.append(a.get_potential_energy())
    v0, e0, b = EquationOfState(vols, ens).fit()
    assert b_c == pytest.approx(b * properties.EV_PER_A3_TO_GPA, rel=0.03)
    with pytest.raises(ValueError, match="component 0"):
        properties.elastic_constants({})


def test_phonons_from_a_calculator_and_from_frames_agree():
    prim = bulk("Cu", "fcc", a=3.59)
    m = np.diag([2, 2, 2])
    phonon = properties.phonons_with(EMT(), prim, m, distance=0.02)
    gamma = properties.frequencies_thz(phonon, [[0, 0, 0]])[0]
    assert np.abs(gamma).max() < 1e-3                            # acoustic sum rule
    x = properties.frequencies_thz(phonon, [[0.5, 0, 0.5]])[0]
    assert 4 < x.max() < 10                                      # copper's X point, THz
    frames = properties.displaced_supercells(prim, m, 0.02)
    assert frames[0].info["displacement"] == 0 and len(frames) == 2
    forces = []
    for a in frames:
        a.calc = EMT(); forces.append(a.get_forces())
    again = properties.force_constants(prim, m, forces, 0.02)
    assert np.allclose(properties.frequencies_thz(again, [[0.5, 0, 0.5]])[0], x)
    dist, bands = properties.band_path(phonon, [[0, 0, 0], [0.5, 0, 0.5]], points=5)
    assert bands.shape == (5, 3) and dist[0] == 0 and np.all(np.diff(dist) > 0)
    with pytest.raises(ValueError, match="force arrays"):
        properties.force_constants(prim, m, forces[:1], 0.02)


def test_phonon_dos_integrates_to_the_number_of_modes():
    prim = bulk("Cu", "fcc", a=3.59)
    phonon = properties.phonons_with(EMT(), prim, np.diag([2, 2, 2]), distance=0.02)
    f, dos = properties.density_of_states(phonon, mesh=8, sigma=0.2)
    assert np.trapezoid(dos, f) == pytest.approx(3.0, rel=0.05)


def test_equation_of_state_recovers_a_parabola():
    import numpy as np
    import pytest

    from mlip_course.properties import EV_PER_A3_TO_GPA, equation_of_state

    v = np.linspace(25.0, 29.0, 7)
    b = 0.3                                             # eV/A^3
    e = -4.0 + 0.5 * b / 27.0 * (v - 27.0) ** 2         # B = V d2E/dV2 at V0
    fit = equation_of_state(v, e)
    assert fit["v0"] == pytest.approx(27.0, abs=1e-3)
    assert fit["e0"] == pytest.approx(-4.0, abs=1e-4)
    assert fit["b0"] == pytest.approx(b * EV_PER_A3_TO_GPA, rel=0.05)
    with pytest.raises(ValueError, match="bracketed"):
        equation_of_state(v[:5], -v[:5])


def test_formation_energies_and_the_hull():
    import pytest

    from mlip_course.properties import energy_above_hull, formation_energies

    elements = {"Ge": -100.0, "Te": -200.0}
    phases = {"Ge": ({"Ge": 1}, -100.0), "Te": ({"Te": 1}, -200.0),
              "GeTe": ({"Ge": 1, "Te": 1}, -150.1), "Ge3Te": ({"Ge": 3, "Te": 1}, -125.02)}
    ef = formation_energies(phases, elements)
    assert ef["GeTe"] == pytest.approx(-0.1) and ef["Ge"] == pytest.approx(0.0)
    assert ef["Ge3Te"] == pytest.approx(-0.02)
    above = energy_above_hull(phases)
    assert above["GeTe"] == pytest.approx(0.0, abs=1e-9)
    assert above["Ge3Te"] == pytest.approx(0.03, abs=1e-9)      # hull at x = 1/4: -0.05
    with pytest.raises(ValueError, match="elemental reference"):
        formation_energies({"SbTe": ({"Sb": 1, "Te": 1}, -1.0)}, elements)
    with pytest.raises(ValueError, match="pure phase"):
        energy_above_hull({"GeTe": ({"Ge": 1, "Te": 1}, -150.0)})


def test_eos_fits_and_the_hull_table_from_frames():
    import numpy as np
    import pytest
    from ase.build import bulk

    from mlip_course.properties import composition, eos_fits, hull_table, scan_e0

    scan = []
    for s in np.linspace(0.97, 1.04, 6):
        atoms = bulk("Ge", "diamond", a=5.7 * s)
        atoms.info["origin"] = "ge_diamond_eos"
        scan.append(atoms)
    fits = eos_fits(scan, [0.02 * (a.get_volume() / len(a) - 24.0) ** 2 - 4.0 for a in scan])
    assert list(fits) == ["ge_diamond"] and fits["ge_diamond"]["v0"] == pytest.approx(24.0, abs=0.05)
    assert composition(scan[0]) == {"Ge": 2}
    phases = {"ge": ({"Ge": 1}, -4.0), "te": ({"Te": 1}, -3.0), "gete": ({"Ge": 1, "Te": 1}, -3.6)}
    table = hull_table(phases, {"Ge": "ge", "Te": "te"})
    assert table.loc["gete", "ΔH_f (meV/atom)"] == pytest.approx(-100.0)
    assert table.loc["gete", "above hull (meV/atom)"] == pytest.approx(0.0, abs=1e-6)
    falling = [-a.get_volume() for a in scan]                          # no minimum in range
    with pytest.raises(ValueError, match="bracketed"):
        eos_fits(scan, falling)
    assert np.isnan(eos_fits(scan, falling, strict=False)["ge_diamond"]["v0"])
    assert scan_e0(scan, falling) == {"ge_diamond": pytest.approx(min(falling))}   # its edge
    assert scan_e0(scan, [0.02 * (a.get_volume() / len(a) - 24.0) ** 2 - 4.0 for a in scan]
                   )["ge_diamond"] == pytest.approx(fits["ge_diamond"]["e0"])
    with pytest.raises(ValueError, match="5 energies for 6 frames"):
        eos_fits(scan, [0.0] * 5)
    with pytest.raises(ValueError, match="not among the phases"):
        hull_table(phases, {"Ge": "ge", "Te": "te_trigonal"})
