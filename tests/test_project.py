"""Project plumbing: pins mirrored in environment.yml, book config, notebooks stored clean."""

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for group in project["optional-dependencies"].values()
                                      for r in group]
    return dict(r.split("==") for r in reqs if "==" in r)


def test_environment_yml_mirrors_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in env["dependencies"]
    for name, version in _pins().items():
        assert f"{name}=={version}" in pip, f"environment.yml lacks {name}=={version}"
    assert pip[0] == "torch==2.13.0", "torch must be installed first"


def test_constraints_match_pyproject():
    pins = _pins()
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert pins[name] == version


def test_book_config_excludes_heavy_folders():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["only_build_toc_files"] is True
    for folder in (".venv", "_build", "data", "results"):
        assert folder in config["exclude_patterns"]
    assert config["execute"]["execute_notebooks"] == "cache"


def test_every_toc_entry_exists_and_notebooks_are_clean():
    toc = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", toc) + [yaml.safe_load(toc)["root"]]
    for f in files:
        assert any((ROOT / f"{f}{ext}").exists() for ext in (".ipynb", ".md")), f
    for nb in (ROOT / "book").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        cells = json.loads(nb.read_text())["cells"]
        stored = [c for c in cells if c["cell_type"] == "code" and c.get("outputs")]
        assert not stored, f"{nb}: commit notebooks without outputs (they are executed on build)"


def test_make_results_names_every_heavy_study():
    """`make results` reruns every study the book reads, or the Makefile says why it does not."""
    makefile = (ROOT / "Makefile").read_text()
    studies = sorted(p.parent.relative_to(ROOT / "results").as_posix()
                     for p in (ROOT / "results").rglob("results.json"))
    missing = [s for s in studies if f"scripts/{s}.py" not in makefile]
    assert not missing, f"add these scripts to RESULT_SCRIPTS in the Makefile: {missing}"
    listed = re.search(r"^RESULT_SCRIPTS = (.*?[^\\])$", makefile, re.M | re.S).group(1)
    scripts = listed.replace("\\", " ").split()
    assert scripts[0] == "scripts/models.py"                  # the others load its models
    assert all((ROOT / s).exists() for s in scripts), scripts
