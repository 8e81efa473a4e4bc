import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.calculator import PropertyNotImplementedError
from ase.optimize import BFGS

from mlip_course.calculator import MLIPCalculator, as_calculator


class Harmonic:
    """E = k/2 sum |r - r0|^2: a model with known energy, forces and zero stress."""

    def __init__(self, reference, k=1.0, stress=True):
        self.r0, self.k, self.stress = reference.positions.copy(), k, stress

    def predict(self, atoms):
        d = atoms.positions - self.r0
        energy, forces = 0.5 * self.k * np.sum(d**2), -self.k * d
        return (energy, forces, np.zeros((3, 3))) if self.stress else (energy, forces)


def test_adapter_gives_energy_forces_stress():
    atoms = bulk("Cu", cubic=True)
    model = Harmonic(atoms)
    atoms.positions[0] += [0.1, 0.0, 0.0]
    atoms.calc = MLIPCalculator(model)
    assert atoms.get_potential_energy() == pytest.approx(0.005)
    np.testing.assert_allclose(atoms.get_forces()[0], [-0.1, 0, 0])
    assert atoms.get_stress().shape == (6,)


def test_adapter_drives_ase_tools():
    atoms = bulk("Cu", cubic=True)
    model = Harmonic(atoms, stress=False)
    atoms.rattle(0.05, seed=1)
    atoms.calc = as_calculator(model)
    BFGS(atoms, logfile=None).run(fmax=1e-4)
    np.testing.assert_allclose(atoms.positions, model.r0, atol=1e-3)


def test_adapter_errors_are_clear():
    with pytest.raises(TypeError, match="no predict"):
        MLIPCalculator(object())
    atoms = bulk("Cu", cubic=True)
    atoms.calc = MLIPCalculator(Harmonic(atoms, stress=False))
    with pytest.raises(PropertyNotImplementedError, match="no stress"):
        atoms.get_stress()

    class Wrong:
        def predict(self, atoms):
            return 0.0, np.zeros((1, 3))

    atoms.calc = MLIPCalculator(Wrong())
    with pytest.raises(ValueError, match="expected \\(4, 3\\)"):
        atoms.get_forces()


def test_an_external_calculator_becomes_a_course_model_with_fitted_shifts():
    import numpy as np
    import pytest
    from ase.build import bulk
    from ase.calculators.emt import EMT

    from mlip_course.models.external import ExternalCalculator
    from mlip_course.reference import label_frames
    from mlip_course.train import evaluate

    rng = np.random.default_rng(0)
    frames = []
    for symbol in ("Cu", "Au", "Cu"):
        a = bulk(symbol, "fcc", a=3.7 if symbol == "Cu" else 4.1, cubic=True).repeat(2)
        a.positions += rng.normal(0, 0.05, a.positions.shape)
        frames.append(a)
    frames.append(frames[0].copy())
    frames[-1].symbols[:3] = "Au"
    labelled = label_frames(frames, EMT())
    for a in labelled:       # a label on "another absolute scale": +1 eV per Cu, -2 eV per Au
        e = a.get_potential_energy() + a.symbols.count("Cu") - 2 * a.symbols.count("Au")
        a.calc.results["energy"] = e
    model = ExternalCalculator(EMT()).fit(labelled)
    assert model.shifts == pytest.approx({"Au": -2.0, "Cu": 1.0}, abs=1e-9)
    err = evaluate(model, labelled)
    assert err["energy_rmse_mev_per_atom"] < 1e-6 and err["force_rmse_mev_per_ang"] < 1e-6
    with pytest.raises(ValueError, match="No energy shift"):
        model.predict(bulk("Ag", "fcc", a=4.1))


def test_exact_state_check_reports_what_changed():
    from ase.build import bulk

    from mlip_course.reference import emt_toy

    atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
    calc = emt_toy()
    atoms.calc = calc
    e0 = atoms.get_potential_energy()
    assert calc.check_state(atoms) == []
    atoms.set_momenta(np.ones((len(atoms), 3)))          # momenta are not a change
    assert calc.check_state(atoms) == []
    atoms.positions[0, 0] += 1e-12                        # the smallest move is
    assert calc.check_state(atoms) == ["positions"]
    atoms.set_cell(atoms.cell * 1.01, scale_atoms=True)
    assert set(calc.check_state(atoms)) == {"positions", "cell"}
    assert atoms.get_potential_energy() != e0
    atoms.set_initial_charges(np.ones(len(atoms)))
    assert "initial_charges" in calc.check_state(atoms)
