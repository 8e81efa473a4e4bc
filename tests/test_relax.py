"""DFT relaxation chunks: CP2K GEO_OPT input, resumption, parsing (fixture from a real 8-atom run:
rattled diamond Ge, 2x2x2 mesh, two chunks of three BFGS steps)."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from ase.units import Bohr, Hartree

from mlip_course.data import data_dir, relax, verify
from mlip_course.data.__main__ import main
from mlip_course.data import recipes
from mlip_course.reference import CP2KSettings

FIX = Path(__file__).parent / "fixtures"
SETTINGS = CP2KSettings(nproc=1, kpoints=(2, 2, 2))
RELAX = relax.RelaxSettings(chunk_steps=3, max_steps=12)


def test_relax_input_sections():
    start = read(FIX / "relax_start.xyz")
    text = relax.relax_input(start, SETTINGS, RELAX, 3)
    for needle in ("RUN_TYPE GEO_OPT", "OPTIMIZER BFGS", "MAX_ITER 3", "GEO_OPT 1", "&FORCES",
                   "MONKHORST-PACK 2 2 2"):
        assert needle in text, needle
    assert f"MAX_FORCE {0.05 * Bohr / Hartree:.6f}" in text
    assert "EXT_RESTART" not in text and "RESTART_HESSIAN" not in text
    again = relax.relax_input(start, SETTINGS, RELAX, 3, "previous.restart", "previous.Hessian")
    for needle in ("RESTART_FILE_NAME previous.restart", "RESTART_DEFAULT F", "RESTART_POS T",
                   "RESTART_HESSIAN T", "RESTART_FILE_NAME previous.Hessian"):
        assert needle in again, needle
    # the fixture's chunks were made by exactly these inputs
    assert (FIX / "relax_chunks" / "0000" / "geo.inp").read_text() == text
    assert (FIX / "relax_chunks" / "0001" / "geo.inp").read_text() == again


def test_assemble_numbers_steps_and_reports_convergence(tmp_path, monkeypatch):
    monkeypatch.setitem(recipes.DESCRIPTIONS, "t_relax", "test relaxation")
    folder = data_dir("t_relax", tmp_path)
    (folder / "chunks").mkdir(parents=True)
    shutil.copy(FIX / "relax_start.xyz", folder / "start.xyz")
    shutil.copytree(FIX / "relax_chunks" / "0000", folder / "chunks" / "0000")
    assert not relax.converged("t_relax", tmp_path)        # three steps, not there yet
    shutil.copytree(FIX / "relax_chunks" / "0001", folder / "chunks" / "0001")
    assert relax.converged("t_relax", tmp_path) and relax.n_steps("t_relax", tmp_path) == 7
    man = relax.assemble("t_relax", tmp_path, SETTINGS, RELAX, version="CP2K test")
    frames = read(folder / "frames.xyz", ":")
    assert [a.info["candidate_id"] for a in frames] == [f"t_relax/{k:04d}" for k in range(7)]
    energies = np.array([a.get_potential_energy() for a in frames])
    start = relax.start_energy("t_relax", tmp_path)
    assert start == pytest.approx(-853.41042, abs=1e-4)   # CP2K's first evaluation, eV
    assert energies.min() < start and energies[-1] - energies.min() < 1e-3
    info = man["relax"]
    assert info["converged"] and info["steps"] == 7 and info["final_max_force_ev_per_ang"] < 0.05
    assert info["energy_change_mev_per_atom"] == pytest.approx(1000 * (energies[-1] - start) / 8,
                                                               abs=0.01)
    assert verify("t_relax", tmp_path)["frames"] == 7


def test_run_needs_a_start(tmp_path):
    with pytest.raises(ValueError, match="start.xyz is missing"):
        relax.run("t_relax", None, tmp_path)


def test_cli_names_the_known_relaxations(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "relax", "nosuch"]) == 2
    assert "gst_relax" in capsys.readouterr().err


def test_missing_relaxation_names_its_command(tmp_path):
    from mlip_course.data import manifest
    from mlip_course.io import DatasetError

    with pytest.raises(DatasetError, match="mlip_course.data relax gst_relax"):
        manifest("gst_relax", tmp_path)


def test_run_chunk_publishes_only_finished_chunks(tmp_path, monkeypatch):
    from mlip_course.data import aimd
    from mlip_course.reference import CP2KFailed

    calls = []

    def fake_execute(workdir, text, nproc, name):
        calls.append((workdir.name, text, sorted(p.name for p in workdir.iterdir())))
        (workdir / f"{name}-1.restart").write_text(f"restart of {workdir.name}")
        return ("SCF run NOT converged" if "fail" in text else "fine"), 1.5

    monkeypatch.setattr(aimd, "execute", fake_execute)
    carry = {"p-1.restart": "previous.restart"}
    first, _ = aimd.run_chunk(tmp_path, "p", lambda restarted: f"restarted={restarted}", carry, 1)
    assert first.name == "0000" and (first / "DONE").read_text() == "1.5\n"
    second, _ = aimd.run_chunk(tmp_path, "p", lambda restarted: f"restarted={restarted}", carry, 1)
    assert calls[0][:2] == (".0000.running", "restarted=False")
    assert calls[1] == (".0001.running", "restarted=True", ["previous.restart"])
    assert not (first / "p-1.restart").exists() and (second / "p-1.restart").exists()
    assert not (second / "previous.restart").exists()
    with pytest.raises(CP2KFailed):
        aimd.run_chunk(tmp_path, "p", lambda restarted: "fail", carry, 1)
    # the failed chunk stays hidden: the finished ones are all a reader (or git) sees
    assert [c.name for c in aimd.finished_chunks(tmp_path)] == ["0000", "0001"]
    assert sorted(p.name for p in (tmp_path / "chunks").iterdir()) == [".0002.running", "0000", "0001"]
