"""results/<study>/ artefacts: provenance is written, stale data are refused."""

import json
import time

import numpy as np
import pytest

from mlip_course import repo_root, results


def test_save_load_and_stale_data(tmp_path):
    (tmp_path / "data" / "toy").mkdir(parents=True)
    manifest = tmp_path / "data" / "toy" / "manifest.json"
    manifest.write_text('{"frames": 1}')
    path = results.save("demo", {"x": [1, 2]}, started=time.time(), datasets=("toy",),
                        root=tmp_path)
    record = results.load("demo", root=tmp_path)
    assert record["payload"] == {"x": [1, 2]}
    assert set(record["provenance"]) >= {"command", "git_commit", "wall_time_s",
                                         "data_manifest_sha256"}
    assert json.loads(path.read_text())["study"] == "demo"
    manifest.write_text('{"frames": 2}')
    with pytest.raises(RuntimeError, match="rerun"):
        results.load("demo", root=tmp_path)


def test_missing_results_name_the_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="scripts/nothing.py"):
        results.load("nothing", root=tmp_path)


@pytest.mark.parametrize("study", sorted(p.parent.relative_to(repo_root() / "results").as_posix()
                                         for p in (repo_root() / "results").rglob("results.json")))
def test_shipped_results_are_current(study):
    """Every committed study loads: its data manifests still match and it names a script."""
    record = results.load(study)
    assert (repo_root() / "scripts" / f"{study}.py").exists()
    assert record["provenance"]["wall_time_s"] > 0


def test_growing_data_keep_results_whose_frames_are_intact(tmp_path):
    from ase.build import bulk

    from mlip_course.io import label, write_dataset

    folder = tmp_path / "data" / "toy"
    folder.mkdir(parents=True)
    atoms = [label(bulk("Cu", cubic=True), -1.0 * k, np.zeros((4, 3))) for k in range(3)]
    write_dataset(folder / "frames.xyz", atoms[:2])
    (folder / "manifest.json").write_text('{"frames": 2}')
    used = [results.frame_hash(a) for a in atoms[:2]]
    results.save("demo", {}, started=time.time(), datasets=("toy",), root=tmp_path, frames=used)
    write_dataset(folder / "frames.xyz", atoms)                  # one frame appended
    (folder / "manifest.json").write_text('{"frames": 3}')
    assert results.load("demo", root=tmp_path)["frames_added_since"] == 1
    changed = [label(a, a.get_potential_energy() + 0.1, np.zeros((4, 3))) for a in atoms]
    write_dataset(folder / "frames.xyz", changed)                # labels of used frames changed
    with pytest.raises(RuntimeError, match="changed or vanished"):
        results.load("demo", root=tmp_path)
    # a study of the labels themselves stays valid while the labels it used are kept
    write_dataset(folder / "frames.xyz", atoms[:2])
    results.save("labels", {}, started=time.time(), datasets=("toy",), root=tmp_path,
                 frames=used, compares_labels=True)
    (folder / "previous").mkdir()
    write_dataset(folder / "previous" / "frames.xyz", atoms[:2])  # a relabelling was adopted
    write_dataset(folder / "frames.xyz", changed[:2])
    (folder / "manifest.json").write_text('{"frames": 2, "relabelled": true}')
    assert results.load("labels", root=tmp_path)["payload"] == {}
    with pytest.raises(RuntimeError, match="changed or vanished"):
        results.load("demo", root=tmp_path)


def test_status_lists_current_and_stale_studies(tmp_path, monkeypatch, capsys):
    (tmp_path / "data" / "toy").mkdir(parents=True)
    manifest = tmp_path / "data" / "toy" / "manifest.json"
    manifest.write_text('{"frames": 1}')
    results.save("old", {}, started=time.time(), datasets=("toy",), root=tmp_path)
    manifest.write_text('{"frames": 2}')                          # the data changed since
    results.save("apps/new", {}, started=time.time(), datasets=("toy",), root=tmp_path)
    states = {row["study"]: row for row in results.status(tmp_path)}
    assert states["apps/new"]["state"] == "current"
    assert states["old"]["state"] == "stale" and "rerun" in states["old"]["reason"]
    monkeypatch.setattr(results, "repo_root", lambda: tmp_path)
    assert results.main(["--stale"]) == 0
    assert capsys.readouterr().out.split() == ["scripts/old.py"]
    results.main([])
    assert "apps/new" in capsys.readouterr().out


def test_progress_survives_a_restart(tmp_path):
    from mlip_course.results import Progress

    runs = Progress("study/part", "runs.json", root=tmp_path)
    assert runs == {} and runs.dir == tmp_path / "results" / "study" / "part"
    runs.record("T700", {"wall_s": 1.5})
    again = Progress("study/part", "runs.json", root=tmp_path)
    assert again == {"T700": {"wall_s": 1.5}}


def test_progress_refuses_work_made_from_other_data(tmp_path):
    from mlip_course.results import Progress

    (tmp_path / "data" / "toy").mkdir(parents=True)
    manifest = tmp_path / "data" / "toy" / "manifest.json"
    manifest.write_text('{"frames": 1}')
    runs = Progress("study", "runs.json", root=tmp_path, datasets=("toy",))
    runs.record("T700", {"wall_s": 1.5})
    assert Progress("study", "runs.json", root=tmp_path, datasets=("toy",)) == runs
    manifest.write_text('{"frames": 1, "relabelled": true}')          # e.g. a relabelling adopted
    with pytest.raises(RuntimeError, match="rm results/study/runs.json"):
        Progress("study", "runs.json", root=tmp_path, datasets=("toy",))
    (tmp_path / "results" / "study" / "runs.json").unlink()            # the fix it names
    assert Progress("study", "runs.json", root=tmp_path, datasets=("toy",)) == {}
    (tmp_path / "data" / "other").mkdir()
    (tmp_path / "data" / "other" / "manifest.json").write_text('{"frames": 3}')
    Progress("study", "runs.json", root=tmp_path, datasets=("toy", "other")).record("a", {})
    with pytest.raises(RuntimeError, match=r"data sets \['other', 'toy'\]; this run uses \['toy'\]"):
        Progress("study", "runs.json", root=tmp_path, datasets=("toy",))   # a set was dropped


def test_committed_progress_matches_todays_data():
    """A resumable heavy run whose data changed must start over, not resume (see Progress)."""
    from mlip_course.results import Progress

    for path in sorted((repo_root() / "results").rglob("*.json")):
        stored = json.loads(path.read_text())
        if isinstance(stored, dict) and Progress.STAMP in stored:
            rel = path.parent.relative_to(repo_root() / "results").as_posix()
            Progress(rel, path.name, datasets=tuple(stored[Progress.STAMP]))


def test_a_study_whose_pinned_model_saw_changed_frames_is_stale(tmp_path):
    """A study keeps the model it ran with (benchmark.pin); relabelling the frames that model
    was trained on makes the study stale although its own frames are intact."""
    from ase.build import bulk

    from mlip_course.io import label, write_dataset

    folder = tmp_path / "data" / "toy"
    folder.mkdir(parents=True)
    atoms = [label(bulk("Cu", cubic=True), -1.0 * k, np.zeros((4, 3))) for k in range(3)]
    write_dataset(folder / "frames.xyz", atoms)
    (folder / "manifest.json").write_text('{"frames": 3}')
    hashes = [results.frame_hash(a) for a in atoms]
    results.save("md", {}, started=time.time(), datasets=("toy",), root=tmp_path,
                 frames=hashes[:1])                                  # the MD's starting frame
    pinned = results.study_dir("md", tmp_path) / "mtp"
    pinned.mkdir()
    (pinned / "pinned.json").write_text(json.dumps(
        {"kind": "mtp", "split": {"train": hashes[1:2], "test": hashes[2:]}, "datasets": ["toy"]}))
    (folder / "manifest.json").write_text('{"frames": 3, "v": 2}')      # manifest changed ...
    assert results.load("md", root=tmp_path)["frames_added_since"] == 2  # ... frames intact
    relabelled = atoms[:1] + [label(a, a.get_potential_energy() + 0.1, np.zeros((4, 3)))
                              for a in atoms[1:]]
    write_dataset(folder / "frames.xyz", relabelled)                    # the model's frames
    with pytest.raises(RuntimeError, match=r"model\(s\) it ran with \(mtp\).*rerun"):
        results.load("md", root=tmp_path)
    assert results.status(tmp_path)[0]["state"] == "stale"
    # ... unless it is a study of the labels and the old ones are kept in previous/
    results.save("kept", {}, started=time.time(), datasets=("toy",), root=tmp_path,
                 frames=hashes[:1], compares_labels=True)
    pinned_copy = results.study_dir("kept", tmp_path) / "mtp"
    pinned_copy.mkdir()
    (pinned_copy / "pinned.json").write_text((pinned / "pinned.json").read_text())
    (folder / "previous").mkdir()
    write_dataset(folder / "previous" / "frames.xyz", atoms)
    (folder / "manifest.json").write_text('{"frames": 3, "v": 3}')
    assert results.load("kept", root=tmp_path)["payload"] == {}
