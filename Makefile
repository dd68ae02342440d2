# lightplug: `make demo` sets up and runs the main job end to end; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the executor plugins (Dask, Ray) pull large engines: only `make test` and `make bench-scaleout` install them
SCALEOUT_PLUGINS := builtin_plugins/dask/ builtin_plugins/ray/
PLUGINS := $(filter-out $(SCALEOUT_PLUGINS),$(sort $(dir $(wildcard builtin_plugins/*/pyproject.toml))))
WHEELHOUSE := $(VENV)/wheelhouse
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench bench-quick bench-core bench-scaleout clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip "setuptools>=68" wheel

$(STAMP): $(BIN)/python pyproject.toml $(wildcard builtin_plugins/*/pyproject.toml)
	$(BIN)/pip install -q "setuptools>=68" wheel
	$(BIN)/pip install -q -e ".[test]"
	for p in $(PLUGINS); do $(BIN)/pip install -q --no-build-isolation -e $$p || exit 1; done
	touch $@

# byte-compile the source tree as pip does for a regular install: editable installs run from it, and
# with PYTHONDONTWRITEBYTECODE set every command would compile lightplug's modules again (~0.1-0.2 s)
BYTECODE := lightplug $(wildcard builtin_plugins/*/lightplug_*)

setup: $(STAMP)
	@$(BIN)/python -m compileall -q $(BYTECODE)

# the demo's set-up installs quietly: with the recipes' -q, pip shows errors only (no DEPRECATION or [notice] lines)
demo: export PIP_QUIET := 1
demo: export PIP_DISABLE_PIP_VERSION_CHECK := 1
demo: export PIP_NO_WARN_SCRIPT_LOCATION := 1
demo: export PYTHONWARNINGS := ignore::DeprecationWarning
demo:
	@$(MAKE) --no-print-directory -s setup
	@bash demo/run_demo.sh $(BIN)/lightplug $(BIN)/python

$(WHEELHOUSE)/.built: $(STAMP)
	$(BIN)/pip wheel -q -w $(WHEELHOUSE) . "setuptools>=68" wheel pytest labelformat  # lightplug's dependencies as pyproject.toml pins them
	rm -f $(WHEELHOUSE)/lightplug-*.whl  # tests install lightplug from the source tree, never a stale wheel
	touch $@

# headless Chromium renders the HTML reports in the tests (Debian's package chromium)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(VENV)/.chromium: | $(BIN)/python
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq >/dev/null && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "warning: could not install chromium; tests/test_report.py will skip its browser test"
	touch $@

$(VENV)/.scaleout: $(STAMP) $(addsuffix pyproject.toml,$(SCALEOUT_PLUGINS))
	$(BIN)/pip install -q "dask[distributed]" "ray[client]"
	for p in $(SCALEOUT_PLUGINS); do $(BIN)/pip install -q --no-build-isolation -e $$p || exit 1; done
	touch $@

test: setup $(WHEELHOUSE)/.built $(VENV)/.chromium $(VENV)/.scaleout
	$(BIN)/mypy
	LIGHTPLUG_WHEELHOUSE=$(abspath $(WHEELHOUSE)) $(BIN)/python -m pytest -q

# the reference tools the benchmarks compare with, each in its own environment (not dependencies)
PEERS := $(VENV)/peers

$(PEERS)/imagededup/.installed: | $(BIN)/python
	$(PYTHON) -m venv $(PEERS)/imagededup
	$(PEERS)/imagededup/bin/pip install -q --no-deps imagededup  # its hashing needs no torch
	$(PEERS)/imagededup/bin/pip install -q numpy pillow PyWavelets scipy scikit-learn tqdm matplotlib imagehash
	touch $@

$(PEERS)/cleanvision/.installed: | $(BIN)/python
	$(PYTHON) -m venv $(PEERS)/cleanvision
	$(PEERS)/cleanvision/bin/pip install -q cleanvision
	touch $@

# side by side with the peers, in one run: bench/results/*.json, docs/performance.md, a PNG plot
bench: setup $(PEERS)/imagededup/.installed $(PEERS)/cleanvision/.installed $(VENV)/.scaleout
	$(BIN)/python bench/compare.py --full
	$(BIN)/python bench/scaleout.py --n 10000

bench-quick: setup $(PEERS)/imagededup/.installed $(PEERS)/cleanvision/.installed $(VENV)/.scaleout
	$(BIN)/python bench/compare.py --quick
	$(BIN)/python bench/scaleout.py --quick

# the older core figures and accuracy sweeps (start-up, import workers, plugin loading)
bench-core: setup
	$(BIN)/python bench/run.py

# import throughput on the process pool, a Dask LocalCluster and local Ray, in one run (docs/scale-out.md)
bench-scaleout: setup $(VENV)/.scaleout
	$(BIN)/python bench/scaleout.py --n 1000

clean:
	rm -rf $(VENV) demo/sample .lightplug
