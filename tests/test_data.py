"""Dataset pipeline on a tiny toy dataset: build (with EMT standing in for CP2K), manifest,
verify, leakage-free splits; plus sanity of the structures the real recipes start from."""

import json

import numpy as np
import pytest
from ase.build import bulk
from ase.io import write

from mlip_course import data
from mlip_course.data import build as build_mod
from mlip_course.data import structures as st
from mlip_course.data.__main__ import main as cli
from mlip_course.io import DatasetError, label
from mlip_course.reference import CP2KSettings
from mlip_course.reference import emt_toy


GAMMA = CP2KSettings(kpoints=None)      # the toy set is labelled at Gamma, then relabelled


def _fake_cp2k(atoms, workdir, settings=None, **kw):
    work = atoms.copy()
    work.calc = emt_toy()
    return label(atoms, work.get_potential_energy(), work.get_forces(), cp2k_wall_s=0.1,
                 cp2k_scf_steps=1)


@pytest.fixture()
def toy_root(tmp_path, monkeypatch):
    monkeypatch.setattr(build_mod, "run_cp2k", _fake_cp2k)
    monkeypatch.setattr(build_mod, "cp2k_version", lambda: "CP2K version test")
    cand = tmp_path / "toy" / "candidates"
    cand.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for g, phase in enumerate(["crystal", "crystal", "liquid", "liquid", "defect", "defect"]):
        frames = []
        for k in range(5):
            atoms = bulk("Cu", cubic=True).repeat(2)
            atoms.positions += rng.normal(0, 0.05 + 0.05 * (phase == "liquid"), atoms.positions.shape)
            atoms.info.update(origin=f"run{g}", phase=phase, candidate_id=f"run{g}/{k:03d}")
            frames.append(atoms)
        write(cand / f"run{g}.xyz", frames, format="extxyz")
    return tmp_path


def test_build_is_resumable_and_writes_provenance(toy_root):
    assert build_mod.build("toy", n=7, root=toy_root, sample_missing=False, log=lambda m: None) == 7
    first = data.manifest("toy", toy_root)
    assert first["counts"]["frames"] == 7
    # round robin: a partial build already covers every group
    assert {f["origin"] for f in first["frames"]} == {f"run{g}" for g in range(6)}
    assert build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None) == 23
    assert build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None) == 0
    man = data.manifest("toy", toy_root)
    assert man["counts"]["frames"] == 30
    assert man["reference"]["code"] == "CP2K version test"
    assert "&XC_FUNCTIONAL PBE" in man["reference"]["input_of_first_frame"]
    assert set(man["files"]) >= {"frames.xyz", "candidates/run0.xyz"}
    assert all(f["wall_s"] == 0.1 for f in man["frames"])
    summary = data.verify("toy", toy_root)
    assert summary["frames"] == 30


def test_verify_catches_tampering(toy_root):
    build_mod.build("toy", n=6, root=toy_root, sample_missing=False, log=lambda m: None)
    path = toy_root / "toy" / "frames.xyz"
    path.write_text(path.read_text().replace("energy=", "energy=1", 1))
    with pytest.raises(DatasetError, match="checksum differs"):
        data.verify("toy", toy_root)


def test_verify_catches_overlapping_atoms(toy_root):
    build_mod.build("toy", n=6, root=toy_root, sample_missing=False, log=lambda m: None)
    path = toy_root / "toy" / "frames.xyz"
    frames = data.frames("toy", toy_root)
    frames[2].positions[1] = frames[2].positions[0] + [0.9, 0.0, 0.0]   # Cu-Cu 0.9 A
    write(path, frames, format="extxyz")
    build_mod.write_manifest("toy", toy_root)
    with pytest.raises(DatasetError, match="frame 2: atoms 0 and 1 are 0.90 A apart"):
        data.verify("toy", toy_root)


def test_failed_frames_are_recorded_not_retried(toy_root, monkeypatch):
    def explode(atoms, workdir, settings=None, **kw):
        raise RuntimeError("SCF did not converge")

    monkeypatch.setattr(build_mod, "run_cp2k", explode)
    assert build_mod.build("toy", n=3, root=toy_root, sample_missing=False, log=lambda m: None) == 0
    failed = json.loads((toy_root / "toy" / "failed.json").read_text())
    assert len(failed) == 30 and "SCF" in next(iter(failed.values()))


def test_split_holds_out_whole_origins(toy_root):
    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None)
    split = data.load("toy", toy_root)
    origins = lambda frames: {a.info["origin"] for a in frames}  # noqa: E731
    assert not origins(split.test) & origins(split.train + split.valid)
    assert len(split.train) + len(split.valid) + len(split.test) == 30
    assert {a.info["phase"] for a in split.test} == {"crystal", "liquid", "defect"}
    again = data.load("toy", toy_root)
    assert [a.info["candidate_id"] for a in again.valid] == [a.info["candidate_id"] for a in split.valid]


def test_missing_dataset_message(tmp_path):
    with pytest.raises(DatasetError, match="python -m mlip_course.data build nope"):
        data.load("nope", tmp_path)
    assert cli(["--root", str(tmp_path), "verify", "nope"]) == 2


def test_energy_residuals_flag_an_outlier(cu_frames):
    frames = [a.copy() for a in cu_frames]
    for a, b in zip(frames, cu_frames):
        a.calc = b.calc
    bad = frames[0]
    frames[0] = label(bad, bad.get_potential_energy() + 64.0, bad.get_forces())
    res = data.energy_residuals(frames)
    assert int(np.argmax(np.abs(res))) == 0 and abs(res[0]) > 1.5


@pytest.mark.parametrize("builder, formula_counts", [
    (st.rocksalt_gete, {"Ge": 32, "Te": 32}),
    (st.alpha_gete, {"Ge": 32, "Te": 32}),
    (st.rocksalt_gst, {"Ge": 13, "Sb": 13, "Te": 32}),
    (st.sb2te3, {"Sb": 24, "Te": 36}),
    (st.diamond_ge, {"Ge": 64}),
])
def test_reference_structures(builder, formula_counts):
    atoms = builder()
    symbols = atoms.get_chemical_symbols()
    assert {s: symbols.count(s) for s in set(symbols)} == formula_counts
    d = atoms.get_all_distances(mic=True)[np.triu_indices(len(atoms), 1)]
    assert 2.4 < d.min() < 3.2       # Ge-Te / Sb-Te / Ge-Ge bonds, no overlaps


@pytest.mark.parametrize("builder", [st.sb2te3, st.diamond_ge, st.a7_sb, st.trigonal_te])
def test_primitive_cells_are_the_same_crystal(builder):
    big, small = builder(), builder(primitive=True)
    assert len(small) <= 5 and len(big) % len(small) == 0
    assert small.get_volume() / len(small) == pytest.approx(big.get_volume() / len(big))
    wide = st.wider_than(small)
    assert wide.get_volume() / len(wide) == pytest.approx(small.get_volume() / len(small))
    heights = wide.get_volume() / np.linalg.norm(np.cross(wide.cell[[1, 2, 0]], wide.cell[[2, 0, 1]]), axis=1)
    assert heights.min() >= 12.0 and st.wider_than(wide) is wide


def test_slab_has_vacuum():
    s = st.slab(st.rocksalt_gete(), vacuum=12.0)
    z = np.sort(s.positions[:, 2] % s.cell[2, 2])
    gaps = np.diff(np.concatenate([z, [z[0] + s.cell[2, 2]]]))
    assert gaps.max() > 11.0


def test_recipes_cover_every_phase():
    from mlip_course.data.recipes import AIMD, DESCRIPTIONS, groups

    for name in ("gete", "gst"):
        gs = groups(name)
        assert len({g.name for g in gs}) == len(gs), "group names must be unique (they are origins)"
        assert {g.phase for g in gs} == {"crystal", "liquid", "amorphous", "defect", "surface"}
        assert name in DESCRIPTIONS
    assert "gete_aimd" in AIMD and "gete_aimd" in DESCRIPTIONS
    with pytest.raises(KeyError, match="Unknown dataset"):
        groups("nacl")


def test_eos_scans_are_clean_isotropic_scalings():
    from mlip_course.data.recipes import EOS_SCALES, groups, settings_for

    scans = {g.name: g for g in groups("gst_eos") if not g.needs_driver}     # relaxed: below
    assert {g.phase for g in scans.values()} == {"crystal"} and len(scans) == 7
    meshes = {}
    for name, g in scans.items():
        frames = g.candidates()
        volumes = np.array([a.get_volume() for a in frames])
        ref = frames[EOS_SCALES.index(1.0)]
        np.testing.assert_allclose(volumes / ref.get_volume(), np.array(EOS_SCALES) ** 3)
        for other in frames:
            shift = other.get_scaled_positions() - ref.get_scaled_positions()
            assert np.abs(shift - np.round(shift)).max() < 1e-9    # no rattle: same shape
        meshes[name] = settings_for("gst_eos").mesh(ref)
        assert {settings_for("gst_eos").mesh(a) for a in frames} == {meshes[name]}   # one per scan
        assert all(n % 2 == 0 for n in meshes[name])                                # even
    assert meshes["gete_alpha_eos"] == (12, 12, 12) and meshes["gst_rocksalt_eos"] == (2, 2, 2)
    assert meshes["sb2te3_eos"] == (6, 6, 6)


def test_relaxed_gst_scan_keeps_the_cells_of_the_ideal_one():
    """The CHGNet-relaxed GST scan (sampled once, committed): same cells and mesh, atoms moved."""
    from mlip_course.data import candidates
    from mlip_course.data.recipes import settings_for

    ideal, relaxed = candidates("gst_eos", "gst_rocksalt_eos"), candidates("gst_eos", "gst_rocksalt_relaxed_eos")
    assert len(relaxed) == len(ideal) == 9
    for a, b in zip(ideal, relaxed):
        np.testing.assert_allclose(a.cell, b.cell)
        assert a.info["scan_scale"] == b.info["scan_scale"] and b.info["relax_steps"] < 400
        assert settings_for("gst_eos").mesh(b) == (2, 2, 2)
        assert 0.05 < np.linalg.norm(a.positions - b.positions, axis=1).mean() < 1.0


def test_cheap_groups_make_seeded_candidates():
    from mlip_course.data.recipes import groups

    group = next(g for g in groups("gete") if g.name == "vacancy_1")
    a, b = group.candidates(), group.candidates()
    assert len(a) == 6 and len(a[0]) == 62
    assert a[0].info["candidate_id"] == "vacancy_1/000" and a[0].info["phase"] == "defect"
    np.testing.assert_allclose(a[3].positions, b[3].positions)


def test_cli_lists_recipes(capsys, tmp_path):
    assert cli(["--root", str(tmp_path), "list"]) == 0
    out = capsys.readouterr().out
    assert "gete" in out and "gst" in out


def test_table_summarises_frames(cu_frames):
    df = data.table(cu_frames)
    assert len(df) == len(cu_frames) and set(df.phase.isna()) == {True}
    assert (df.force_max >= df.force_rms).all()
    assert df.volume_per_atom.iloc[0] == pytest.approx(3.61**3 / 4, rel=1e-6)


def test_candidates_read_unlabelled_geometries(toy_root):
    frames = data.candidates("toy", "run0", toy_root)
    assert len(frames) > 0 and all(len(a) > 0 for a in frames)
    with pytest.raises(FileNotFoundError, match="known"):
        data.candidates("toy", "missing", toy_root)


def test_labelling_order_interleaves_phases_and_spreads_trajectories():
    from ase import Atoms

    from mlip_course.data.build import _round_robin, _spread

    for n in (1, 2, 5, 15):
        assert sorted(_spread(n)) == list(range(n))
    assert _spread(15)[:3] == [0, 14, 7]
    def group(name, phase, n):
        return [Atoms("Cu", info={"phase": phase, "candidate_id": f"{name}/{k:03d}"})
                for k in range(n)]
    cands = {"c1": group("c1", "crystal", 3), "c2": group("c2", "crystal", 3),
             "c3": group("c3", "crystal", 3), "q": group("q", "amorphous", 9)}
    order = [a.info["candidate_id"] for a in _round_robin(cands)]
    assert sorted(order) == sorted(a.info["candidate_id"] for g in cands.values() for a in g)
    assert order[:4] == ["q/000", "c1/000", "q/008", "c2/000"]      # phases alternate


def test_first_per_origin_keeps_every_trajectory():
    from ase import Atoms

    frames = [Atoms("H", info={"origin": o}) for o in "aabbbc"]
    kept = data.first_per_origin(frames, 1)
    assert [a.info["origin"] for a in kept] == ["a", "b", "c"]
    assert data.first_per_origin(frames, None) == frames


def test_active_learning_group_reads_a_committed_trajectory(tmp_path, monkeypatch):
    from ase.build import bulk
    from ase.io import write

    import mlip_course
    from mlip_course.data.recipes import Group, from_trajectory

    traj = [bulk("Cu", cubic=True).repeat(2) for _ in range(7)]
    for k, a in enumerate(traj):
        a.positions += 0.01 * k
    (tmp_path / "results").mkdir()
    write(tmp_path / "results" / "run.xyz", traj, format="extxyz")
    monkeypatch.setattr(mlip_course, "repo_root", lambda: tmp_path)
    frames = Group("al_run", "liquid", from_trajectory("results/run.xyz", 3), 0).candidates()
    assert len(frames) == 3 and frames[1].info["candidate_id"] == "al_run/001"
    np.testing.assert_allclose(frames[2].positions, traj[6].positions)
    with pytest.raises(FileNotFoundError, match="results/none.xyz is missing"):
        from_trajectory("results/none.xyz", 3)(0)


def test_relabel_keeps_geometries_and_resumes(toy_root, monkeypatch):
    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None,
                    settings=GAMMA)
    shipped = data.frames("toy", toy_root)
    seen = []

    def shifted(atoms, workdir, settings=None, **kw):      # "new settings": energies shifted
        seen.append(settings)
        out = _fake_cp2k(atoms, workdir)
        return label(out, out.get_potential_energy() - 1.0, out.get_forces(), cp2k_wall_s=0.2,
                     cp2k_scf_steps=2, **{k: v for k, v in atoms.info.items()})

    monkeypatch.setattr(build_mod, "run_cp2k", shifted)
    assert build_mod.relabel("toy", n=4, root=toy_root, log=lambda m: None) == 4
    assert seen[0].kpoints == (2, 2, 2)                     # the current reference by default
    assert build_mod.relabel("toy", root=toy_root, log=lambda m: None) == len(shipped) - 4
    assert build_mod.relabel("toy", root=toy_root, log=lambda m: None) == 0
    new = data.frames("relabel/toy", toy_root)
    assert [a.info["candidate_id"] for a in new] == [a.info["candidate_id"] for a in shipped]
    for old, again in zip(shipped, new):
        np.testing.assert_allclose(again.positions, old.positions)
        assert again.info["origin"] == old.info["origin"] and again.info["cp2k_scf_steps"] == 2
        assert again.get_potential_energy() == pytest.approx(old.get_potential_energy() - 1.0)
    assert data.frames("toy", toy_root)[0].info["cp2k_scf_steps"] == 1    # shipped untouched
    assert data.manifest("relabel/toy", toy_root)["reference"]["settings"]["kpoints"] == [2, 2, 2]
    assert "relabel" not in data.available(toy_root)


def test_a_manifest_older_than_the_kpoint_settings_means_the_gamma_point():
    from mlip_course.reference import CP2KSettings, settings_dict

    old = {k: v for k, v in settings_dict(CP2KSettings(kpoints=None)).items()
           if k not in ("kpoints", "kpoint_density")}
    assert build_mod.level_of_theory(old) == build_mod.level_of_theory(
        settings_dict(CP2KSettings(kpoints=None)))
    assert build_mod.level_of_theory(old) != build_mod.level_of_theory(
        settings_dict(CP2KSettings()))                         # today's default is a mesh


def test_adopting_a_relabelled_set_keeps_the_old_labels(toy_root, monkeypatch):
    from mlip_course.data import recipes

    monkeypatch.setitem(recipes.SETTINGS, "toy", recipes.GAMMA_ONLY)   # labelled at Gamma
    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None)
    shipped = data.frames("toy", toy_root)
    assert len(data.original_frames("toy", toy_root)) == len(shipped)
    with pytest.raises(FileNotFoundError, match="has not been relabelled"):
        data.previous_frames("toy", toy_root)
    with pytest.raises(RuntimeError, match="0 of 30 frames"):
        build_mod.adopt_relabelled("toy", toy_root)
    assert data.relabel_pairs("toy", toy_root) == []
    build_mod.relabel("toy", n=3, root=toy_root, log=lambda m: None)
    assert len(data.relabel_pairs("toy", toy_root)) == 3
    rows = {r["dataset"]: r for r in data.progress(toy_root)}
    assert rows["relabel/toy"]["frames"] == 3 and rows["relabel/toy"]["of"] == 30
    assert rows["toy"]["frames"] == 30 and "of" not in rows["toy"]
    assert cli(["--root", str(toy_root), "status"]) == 0
    with pytest.raises(RuntimeError, match="3 of 30 frames"):
        build_mod.adopt_relabelled("toy", toy_root)
    build_mod.relabel("toy", root=toy_root, log=lambda m: None)
    with pytest.raises(RuntimeError, match="update it first"):
        build_mod.adopt_relabelled("toy", toy_root)                     # SETTINGS still Gamma
    monkeypatch.delitem(recipes.SETTINGS, "toy")
    man = build_mod.adopt_relabelled("toy", toy_root)
    assert list(man["reference"]["settings"]["kpoints"]) == [2, 2, 2] and man["counts"]["frames"] == 30
    assert {"previous/frames.xyz", "frames.xyz"} <= set(man["files"])
    assert not (toy_root / "relabel" / "toy").exists()
    previous = json.loads((toy_root / "toy" / "previous" / "reference.json").read_text())
    assert previous["settings"]["kpoints"] is None
    assert data.verify("toy", toy_root)["frames"] == 30
    assert len(data.frames("toy", toy_root)) == len(shipped)
    before = data.previous_frames("toy", toy_root)
    assert data.original_frames("toy", toy_root)[0].get_potential_energy() == before[0].get_potential_energy()
    pairs = data.relabel_pairs("toy", toy_root)
    assert len(pairs) == 30 and pairs[0][0].info["candidate_id"] == pairs[0][1].info["candidate_id"]
    assert [a.get_potential_energy() for a in before] == [a.get_potential_energy() for a in shipped]
    # a dataset still labelled at Gamma is compared with toy's kept Gamma labels, not the new ones
    (toy_root / "gamma").mkdir()
    (toy_root / "gamma" / "manifest.json").write_text(json.dumps({"reference": previous}))
    assert not data.same_level("toy", "gamma", toy_root) and data.same_level("toy", "toy", toy_root)
    like_gamma = data.frames_like("toy", "gamma", toy_root)
    assert [a.get_potential_energy() for a in like_gamma] == [a.get_potential_energy() for a in before]
    assert data.frames_like("toy", "toy", toy_root)[0].get_potential_energy() == \
        data.frames("toy", toy_root)[0].get_potential_energy()
    (toy_root / "gamma" / "manifest.json").write_text(json.dumps(
        {"reference": {**previous, "settings": {**previous["settings"], "cutoff_ry": 400.0}}}))
    with pytest.raises(ValueError, match="no labels made with the settings of data/gamma"):
        data.frames_like("toy", "gamma", toy_root)


def test_relabel_takes_the_listed_frames_first(toy_root):
    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None,
                    settings=GAMMA)
    ids = [a.info["candidate_id"] for a in data.frames("toy", toy_root)]
    wanted = [ids[-1], ids[5]]
    assert build_mod.relabel("toy", n=3, root=toy_root, first=wanted, log=lambda m: None) == 3
    done = [a.info["candidate_id"] for a in data.frames("relabel/toy", toy_root)]
    assert done == wanted + [ids[0]]


def test_models_against_relabelled_test_frames(toy_root, monkeypatch):
    from mlip_course import results
    from mlip_course.benchmark import against_relabelled, split_hashes

    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None,
                    settings=GAMMA)
    split = data.load("toy", toy_root)
    record = {"payload": {"split": split_hashes(split)}}
    out = results.study_dir("models", toy_root) / "exact"
    out.mkdir(parents=True)
    np.savez_compressed(out / "predictions.npz", energy=np.zeros(len(split.test)),
                        forces=np.concatenate([a.get_forces() for a in split.test]))
    assert against_relabelled(["exact"], record, "toy", toy_root, toy_root).empty

    def moved(atoms, workdir, settings=None, **kw):        # new labels: +-0.3 eV/A per atom
        out = _fake_cp2k(atoms, workdir)
        sign = np.where(np.arange(len(out)) % 2 == 0, 1.0, -1.0)[:, None]
        return label(out, out.get_potential_energy(), out.get_forces() + 0.3 * sign,
                     cp2k_wall_s=0.2, cp2k_scf_steps=2, **dict(atoms.info))

    monkeypatch.setattr(build_mod, "run_cp2k", moved)
    first = [a.info["candidate_id"] for a in split.test]
    build_mod.relabel("toy", n=2, root=toy_root, first=first, log=lambda m: None)
    table = against_relabelled(["exact"], record, "toy", toy_root, toy_root)
    assert table.attrs["frames"]["all"] == 2
    assert table.loc["exact", ("all", "old")] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["exact", ("all", "new")] == pytest.approx(300.0)
    assert table.loc["labels", ("all", "old")] == pytest.approx(300.0)

    # adopted: the benchmark is made again from the new labels; old ones are in previous/
    build_mod.relabel("toy", root=toy_root, log=lambda m: None)
    build_mod.adopt_relabelled("toy", toy_root)
    split = data.load("toy", toy_root)
    record = {"payload": {"split": split_hashes(split)}}
    np.savez_compressed(out / "predictions.npz", energy=np.zeros(len(split.test)),
                        forces=np.concatenate([a.get_forces() for a in split.test]))
    table = against_relabelled(["exact"], record, "toy", toy_root, toy_root)
    assert table.attrs["frames"]["all"] == len(split.test)
    assert table.loc["exact", ("all", "new")] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["exact", ("all", "old")] == pytest.approx(300.0)
    # a model pinned before the adoption (trained on the old labels) adds a row, predicted here
    from types import SimpleNamespace

    from mlip_course.benchmark import pin, reload, run_kind
    from mlip_course.train import predictions

    old = data.previous_frames("toy", toy_root)
    row = run_kind("snap", SimpleNamespace(train=old[:10], valid=old[10:12], test=old[12:14]),
                   results.study_dir("models", toy_root) / "snap")
    was = {a.info["candidate_id"]: a for a in old}
    trained_on = [results.frame_hash(was[split.test[0].info["candidate_id"]])]  # a test frame
    results.save("models", {"rows": {"snap": row}, "split": {"train": trained_on}},
                 started=0.0, root=toy_root)
    pin("snap", "gamma", toy_root)
    table = against_relabelled(["exact"], record, "toy", toy_root, toy_root, before="gamma",
                               every=2)
    frames = split.test[1:][::2]                # without the frame the pinned model saw
    pred = predictions(reload("snap", toy_root, "gamma"), frames)["forces"]
    rms = 1000 * np.sqrt(np.mean((pred - np.concatenate(
        [was[a.info["candidate_id"]].get_forces() for a in frames])) ** 2))
    assert table.attrs["frames"]["all"] == len(frames)
    assert table.loc["snap, before", ("all", "old")] == pytest.approx(rms)


def test_parallel_workers_label_everything_once(toy_root, monkeypatch):
    import time as time_mod

    build_mod.build("toy", n=5, root=toy_root, sample_missing=False, log=lambda m: None,
                    settings=GAMMA, workers=3)
    assert build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None,
                           settings=GAMMA, workers=3) == 25
    ids = [a.info["candidate_id"] for a in data.frames("toy", toy_root)]
    assert len(ids) == len(set(ids)) == 30

    def slow_first(atoms, workdir, settings=None, **kw):    # the first frame finishes late
        time_mod.sleep(0.2 if atoms.info["candidate_id"] == ids[0] else 0.0)
        return _fake_cp2k(atoms, workdir)

    monkeypatch.setattr(build_mod, "run_cp2k", slow_first)
    assert build_mod.relabel("toy", root=toy_root, log=lambda m: None, workers=2) == 30
    relabelled = [a.info["candidate_id"] for a in data.frames("relabel/toy", toy_root)]
    assert sorted(relabelled) == sorted(ids) and relabelled != ids     # out of order
    build_mod.adopt_relabelled("toy", toy_root)
    assert [a.info["candidate_id"] for a in data.frames("toy", toy_root)] == ids   # shipped order
    assert data.verify("toy", toy_root)["frames"] == 30
    messages = []                   # adopted: relabelling again with the same settings is a no-op
    assert build_mod.relabel("toy", root=toy_root, log=messages.append) == 0
    assert "already" in messages[0] and not (toy_root / "relabel" / "toy").exists()


def test_a_recorded_split_of_relabelled_frames_is_refused(toy_root):
    from mlip_course.benchmark import recorded_split, split_hashes

    build_mod.build("toy", root=toy_root, sample_missing=False, log=lambda m: None)
    record = {"payload": {"split": split_hashes(data.load("toy", toy_root))}}
    assert len(recorded_split(record, "toy", toy_root)["test"]) == len(record["payload"]["split"]["test"])
    path = toy_root / "toy" / "frames.xyz"
    frames = data.frames("toy", toy_root)
    for a in frames[:3]:                              # new labels, same geometries
        a.calc.results["energy"] += 0.01
    write(path, frames, format="extxyz")
    build_mod.write_manifest("toy", toy_root)
    with pytest.raises(RuntimeError, match="3 frames of the recorded split .* rm -r results/models"):
        recorded_split(record, "toy", toy_root)


def test_sources_name_the_data_sets_load_reads(monkeypatch):
    from mlip_course.data import recipes

    monkeypatch.setattr(recipes, "INCLUDES", {"base": {"t_aimd": 2}})
    assert data.sources("base") == ("base", "t_aimd")
    assert data.sources("other") == ("other",)
    assert data.sources("base", "t_aimd", "start") == ("base", "t_aimd", "start")
