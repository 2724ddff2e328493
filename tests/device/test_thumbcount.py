"""Instruction counts in the ARM Thumb test bed (midge_host.thumbcount, tools/unix32/insn_count.c).

They skip, saying why, where set-up could not build the test bed or the counting plugin.
"""

import pytest

from midge_host import modelgen, thumbcount
from midge_host.errors import MidgeError


@pytest.fixture(autouse=True)
def _counting():
    problem = thumbcount.missing()
    if problem:
        pytest.skip(problem)


# An asm_thumb loop whose body is BODY instructions, run n times; n = 0 skips the loop,
# so two runs differ by exactly BODY x n instructions. The argument picks n from a tuple:
# parsing "0" and "1" and indexing cost the same, unlike parsing "0" and "1000".
SPIN = """
import sys, micropython

@micropython.asm_thumb
def spin(r0):
    cmp(r0, 0)
    beq(done)
    label(loop)
    nop()
    nop()
    sub(r0, r0, 1)
    bne(loop)
    label(done)

spin((0, %d)[int(sys.argv[1])])
"""
BODY = 4


@pytest.mark.parametrize("n", [1, 1000])
def test_the_difference_of_two_runs_is_exactly_the_loop(n):
    code = SPIN % n
    base = thumbcount.instructions(code, ["0"])
    assert base > 10000  # MicroPython's start-up is counted too
    assert thumbcount.instructions(code, ["1"]) - base == BODY * n
    assert thumbcount.instructions(code, ["0"]) == base


def test_a_model_costs_a_plausible_number_of_instructions_per_mac(tmp_path):
    model = tmp_path / "dense.tflite"
    try:
        model.write_bytes(modelgen.build_model("dense"))
    except MidgeError as exc:
        pytest.skip(f"modelgen cannot build the dense spec: {exc}")
    figure = thumbcount.per_mac(model, 20, asm="off")
    assert 1 < figure < 200


def test_a_failing_run_says_so():
    with pytest.raises(MidgeError, match="Thumb test bed run failed"):
        thumbcount.instructions("raise SystemExit(3)")
