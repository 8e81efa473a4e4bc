# mlip-course: two commands.
#   make book   set up .venv (Python 3.11) and build the whole book into _build/html, executing it
#   make test   set up .venv and run unit tests + nbval over every notebook in quick mode
# Other targets: make test-slow (CP2K re-labelling, normal-mode checks), make data (relabel the
# DFT datasets with CP2K's k-point mesh; resumable), make results (rerun the heavy studies),
# make vendor, make clean.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || echo python3.11)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VENDOR := book/_vendor
VENDOR_STAMP := $(VENDOR)/.stamp
NOTEBOOKS = $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -not -path '*/_build/*' | sort)
# CI budget (seconds): each notebook in quick mode, and all of them together.
NB_BUDGET_EACH ?= 60
NB_BUDGET_TOTAL ?= 900
export MLIP_COURSE_ROOT := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
# No wheel cache: a CI machine once ran out of disk during setup (the venv alone is ~3.2 GB).
export PIP_NO_CACHE_DIR := 1

.PHONY: data results results-stale setup vendor book test test-unit test-notebooks test-browser test-slow chromium clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null \
	  || { echo "error: Python 3.11 is needed (found: $(PYTHON)). Install it, or run 'make PYTHON=/path/to/python3.11'."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first: the local CPU build. Plain `torch` would pull gigabytes of CUDA wheels.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[course,book,test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlip-course)" >/dev/null
	$(PY) -m ipykernel install --user --name mlip-course --display-name "Python (mlip-course)" >/dev/null
	touch $(STAMP)

$(VENDOR_STAMP): $(STAMP)
	$(PY) -m mlip_course.viz vendor $(VENDOR)
	touch $(VENDOR_STAMP)

setup: $(STAMP) $(VENDOR_STAMP)
vendor: $(VENDOR_STAMP)

# The execution cache keys on notebook code only: when a dataset changes, re-execute everything.
DATA_STAMP := _build/.data-stamp
$(DATA_STAMP): $(wildcard data/*/manifest.json)
	rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute
	mkdir -p _build && touch $(DATA_STAMP)

book: setup $(DATA_STAMP)
	@start=$$(date +%s); \
	$(VENV)/bin/jupyter-book build . --keep-going 2>&1 | tee _build.log | grep -v "^\s*$$" | tail -n 25; \
	status=$${PIPESTATUS[0]}; echo "make book: $$(( $$(date +%s) - start )) s"; \
	grep -qE "Execution Failed|Executing notebook failed" _build.log && { echo "error: a notebook failed to execute (see _build/html/reports)"; exit 1; }; \
	exit $$status

test: setup chromium test-unit test-notebooks

test-unit: setup
	MLIP_COURSE_QUICK=1 $(PY) -m pytest tests -q -m "not slow"

test-notebooks: setup
	mkdir -p _build
	MLIP_COURSE_QUICK=1 NB_BUDGET_EACH=$(NB_BUDGET_EACH) NB_BUDGET_TOTAL=$(NB_BUDGET_TOTAL) \
	  NB_TIMES_JSON=_build/quick-times.json $(PY) -m pytest -q -p tests.nbbudget --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=300 $(NOTEBOOKS)

test-browser: setup chromium
	MLIP_COURSE_QUICK=1 $(PY) -m pytest tests/test_browser.py -q

# Build the energy-volume scans (primitive cells, k-point density; about an hour) and label the
# Gamma-point datasets again with the k-point mesh (book page 2, section 1b), one after the other,
# two one-rank
# CP2K runs at a time under nice -n 19 (tens of hours; resumable, safe to kill). Adopting a
# relabelled set is a reviewed step (`relabel NAME --adopt` with recipes.SETTINGS updated); a set
# already labelled with the mesh (adopted) is skipped, so `make data` can be run again.
LABEL_OPTS = --workers 2 --nproc 1
data: setup
	$(PY) -m mlip_course.data build gst_eos $(LABEL_OPTS)
	$(PY) -m mlip_course.data relabel gete --first test valid $(LABEL_OPTS)
	$(PY) -m mlip_course.data build gete_aimd_k $(LABEL_OPTS)
	$(PY) -m mlip_course.data relabel gst $(LABEL_OPTS)
	$(PY) -m mlip_course.data relax gst_relax --nproc 2

# Every heavy result the book reads, rerun in dependency order: the models benchmark first, then
# the studies that load its models (hours on two cores; each script resumes where it stopped,
# and refuses progress made from data that have changed since, naming the file to delete).
# Run on their own: the CP2K studies scripts/data/kpoints.py, scripts/data/convergence.py,
# scripts/data/eos_kpoints.py, the LAMMPS/CP2K timings scripts/applications/scaling.py and
# scripts/data/gamma_models.py (keeps Gamma-trained models: run before the gete relabelling is adopted).
RESULT_SCRIPTS = scripts/models.py scripts/data/learnability.py \
  scripts/applications/properties.py scripts/applications/crystal_hold.py \
  scripts/applications/gete_structure.py scripts/applications/diffusion.py \
  scripts/applications/universal.py scripts/applications/phase_change.py \
  scripts/applications/gst.py scripts/perspectives/complexity.py \
  scripts/ga_vs_random.py scripts/rupp2012_cm_qm9.py scripts/timing.py
results: setup
	set -e; for script in $(RESULT_SCRIPTS); do echo "== $$script"; $(PY) $$script; done

# Only the studies made from data that have changed since (`python -m mlip_course.results` lists
# every study's state), in the same order; a script whose saved progress predates the change
# stops and names the file to delete first.
results-stale: setup
	set -e; stale="$$($(PY) -m mlip_course.results --stale | tr '\n' ' ')"; \
	for script in $(RESULT_SCRIPTS); do case " $$stale " in *" $$script "*) \
	  echo "== $$script"; $(PY) $$script;; esac; done; \
	for script in $$stale; do case " $(RESULT_SCRIPTS) " in *" $$script "*) ;; \
	  *) echo "stale, run on its own: $$script";; esac; done

test-slow: setup
	$(PY) -m pytest tests -q -m slow

# Debian's Chromium for the browser test; installed when we are root and apt works.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; the browser test will be skipped"; }

clean:
	rm -rf _build _build.log
