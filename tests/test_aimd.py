"""AIMD chunks: CP2K MD input, parsing of its trajectory files (fixture from a real 8-atom run)."""

import shutil
from pathlib import Path

import numpy as np
from ase.io import read

from mlip_course.data import aimd, data_dir, load, verify
from mlip_course.reference import CP2KSettings

FIX = Path(__file__).parent / "fixtures"


def test_md_input_sections():
    start = read(FIX / "aimd_start.xyz")
    gamma = CP2KSettings(nproc=1, kpoints=None)         # the fixture ran at the Gamma point
    text = aimd.md_input(start, gamma, aimd.MDSettings(chunk_steps=2), 2)
    for needle in ("RUN_TYPE MD", "ENSEMBLE NVT", "STEPS 2", "TIMESTEP [fs] 2", "TYPE CSVR",
                   "TEMPERATURE [K] 1000", "EXTRAPOLATION ASPC", "&FORCES", "&XC_FUNCTIONAL PBE"):
        assert needle in text, needle
    assert "EXT_RESTART" not in text
    restarted = aimd.md_input(start, CP2KSettings(), aimd.MDSettings(), 10, restart="prev.restart")
    assert "RESTART_FILE_NAME prev.restart" in restarted and "RESTART_VEL T" in restarted
    # The fixture chunk was produced by this very input (apart from coordinates).
    stored = (FIX / "aimd_chunk" / "md.inp").read_text()
    assert stored.split("&SUBSYS")[0] == text.split("&SUBSYS")[0]


def test_chunk_frames_are_labelled_in_ev(tmp_path):
    start = read(FIX / "aimd_start.xyz")
    frames = aimd.chunk_frames(FIX / "aimd_chunk", start)
    assert [int(a.info["md_step"]) for a in frames] == [0, 1, 2]
    e = np.array([a.get_potential_energy() for a in frames]) / len(start)
    assert np.all((-200 < e) & (e < -100))           # eV/atom for GTH valence electrons
    assert np.abs(frames[0].get_forces()).max() < 20  # eV/A, not Hartree/Bohr mixups
    assert np.abs(frames[1].get_forces().sum(axis=0)).max() < 0.05


def test_ener_and_drift():
    ener = aimd.read_ener(FIX / "aimd_chunk" / "md-1.ener")
    assert ener.shape[1] == 7 and ener[0, 0] == 0
    drift = aimd.energy_drift(ener, 8)
    assert drift["simulated_ps"] == 0.004 and 500 < drift["temperature_mean_k"] < 1500


def test_assemble_makes_a_verifiable_dataset(tmp_path, monkeypatch):
    from mlip_course.data import recipes

    # described (like gete_aimd) but not a sampling recipe: the manifest must still be written
    monkeypatch.setitem(recipes.DESCRIPTIONS, "t_aimd", "test AIMD")
    # labelled at the Gamma point like gete_aimd: the manifest takes the dataset's own settings
    monkeypatch.setitem(recipes.SETTINGS, "t_aimd", recipes.GAMMA_ONLY)
    folder = data_dir("t_aimd", tmp_path)
    (folder / "chunks").mkdir(parents=True)
    shutil.copy(FIX / "aimd_start.xyz", folder / "start.xyz")
    shutil.copytree(FIX / "aimd_chunk", folder / "chunks" / "0000")
    man = aimd.assemble("t_aimd", tmp_path, md=aimd.MDSettings(chunk_steps=2), version="CP2K test")
    assert man["reference"]["settings"]["kpoints"] is None
    assert man["counts"]["frames"] == 3 and man["md"]["steps"] == 3
    assert "conserved_drift_mev_per_atom_per_ps" in man["md"]
    assert verify("t_aimd", tmp_path)["frames"] == 3
    assert len(load("t_aimd", tmp_path).train) >= 2


def test_energies_of_a_dataset(tmp_path):
    folder = data_dir("t_aimd", tmp_path)
    assert aimd.energies("t_aimd", tmp_path).shape == (0, 7)
    shutil.copytree(FIX / "aimd_chunk", folder / "chunks" / "0000")
    assert aimd.energies("t_aimd", tmp_path).shape == (3, 7)


def test_load_includes_subsampled_md(tmp_path, monkeypatch):
    from mlip_course.data import recipes

    for name in ("base", "t_aimd"):
        folder = data_dir(name, tmp_path)
        (folder / "chunks").mkdir(parents=True)
        shutil.copy(FIX / "aimd_start.xyz", folder / "start.xyz")
        shutil.copytree(FIX / "aimd_chunk", folder / "chunks" / "0000")
        aimd.assemble(name, tmp_path, md=aimd.MDSettings(chunk_steps=2))
    monkeypatch.setattr(recipes, "INCLUDES", {"base": {"t_aimd": 2}})
    split = load("base", tmp_path)
    assert len(split.train) + len(split.valid) + len(split.test) == 3 + 2
    assert len(load("base", tmp_path, include=False).train) <= 3
