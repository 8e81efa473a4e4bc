"""results/<study>/ artefacts: provenance is written, stale data are refused."""

import json
import time

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


@pytest.mark.parametrize("study", sorted(p.name for p in (repo_root() / "results").glob("*")
                                         if (p / "results.json").exists()))
def test_shipped_results_are_current(study):
    """Every committed study loads: its data manifests still match and it names a script."""
    record = results.load(study)
    assert (repo_root() / "scripts" / f"{study}.py").exists()
    assert record["provenance"]["wall_time_s"] > 0
