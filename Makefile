# midge: `make demo` runs the main job, `make test` the test suite.
# Both set up .venv first (PyPI only, plus the 32-bit MicroPython built from PyPI's
# source with gcc-12-multilib, and its ARM Thumb twin with gcc-arm-linux-gnueabihf, run
# under qemu-user); re-running setup when nothing changed is instant.

VENV   := .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.setup-done
UNIX32 := $(VENV)/bin/micropython32
THUMB  := $(VENV)/bin/micropython-thumb
MPLIB  := $(VENV)/micropython-lib/umqtt/simple.py
UNIX32_SRC := $(wildcard tools/unix32/*.c tools/unix32/*.h tools/unix32/include/*/*.h) tools/unix32/Makefile tools/unix32/build.py

.PHONY: setup test demo bench clean

setup: $(STAMP) $(UNIX32) $(THUMB) $(MPLIB)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The emulated board's 32-bit MicroPython (needs Debian's gcc-12-multilib or gcc-multilib).
$(UNIX32): $(STAMP) $(UNIX32_SRC)
	$(PY) tools/unix32/build.py $@

# Its ARM Thumb twin under qemu-arm: Cortex-M code sizes and instructions
# (needs Debian's gcc-arm-linux-gnueabihf and qemu-user), and the qemu plugin that
# counts them (tools/unix32/insn_count.c, host gcc).
$(THUMB): $(STAMP) $(UNIX32_SRC)
	$(PY) tools/unix32/build.py --thumb $@

# micropython-lib modules the emulated board's tests put in its /lib (umqtt.simple), from PyPI.
$(MPLIB): $(STAMP) tools/micropython_lib.py
	$(PY) tools/micropython_lib.py $(VENV)/micropython-lib
	touch $@

# Tests run on every core (at most 4), a whole file per worker: the files that train a
# template share it within the file (tests/train/conftest.py).
TEST_WORKERS ?= auto
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile $(PYTEST_ARGS)

demo: setup
	$(PY) tools/demo.py

bench: setup
	$(PY) tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info host/*.egg-info .pytest_cache
