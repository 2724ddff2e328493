# midge: `make demo` runs the main job, `make test` the test suite.
# Both set up .venv first (PyPI only, plus the 32-bit MicroPython built from PyPI's
# source with gcc-multilib); re-running setup when nothing changed is instant.

VENV   := .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.setup-done
UNIX32 := $(VENV)/bin/micropython32

.PHONY: setup test demo bench clean

setup: $(STAMP) $(UNIX32)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The emulated board's 32-bit MicroPython (needs Debian's gcc-multilib).
$(UNIX32): $(STAMP) $(wildcard tools/unix32/*.c tools/unix32/*.h tools/unix32/include/*/*.h) tools/unix32/Makefile tools/unix32/build.py
	$(PY) tools/unix32/build.py $@

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

demo: setup
	$(PY) tools/demo.py

bench: setup
	$(PY) tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info host/*.egg-info .pytest_cache
