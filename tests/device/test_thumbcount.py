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


def _by_mnemonic(mix):
    totals = {}
    for disas, (count, taken) in mix.items():
        name = disas.split()[0]
        old = totals.get(name, (0, 0))
        totals[name] = (old[0] + count, old[1] + taken)
    return totals


def test_the_mix_counts_each_instruction_and_each_taken_branch():
    n = 1000
    code = SPIN % n
    base, loop = _by_mnemonic(thumbcount.mix(code, ["0"])), _by_mnemonic(thumbcount.mix(code, ["1"]))
    assert sum(c for c, _ in loop.values()) == thumbcount.instructions(code, ["1"])
    differ = {name: (loop.get(name, (0, 0))[0] - base.get(name, (0, 0))[0],
                     loop.get(name, (0, 0))[1] - base.get(name, (0, 0))[1])
              for name in set(base) | set(loop)}
    differ = {name: d for name, d in differ.items() if d != (0, 0)}
    # the body runs n times; its branch back is taken n - 1 times, and the beq that
    # skipped the loop in the n = 0 run falls through now
    assert differ == {"nop": (2 * n, 0), "subs": (n, 0), "bne": (n, n - 1), "beq": (0, -1)}, differ


def test_native_code_is_on_the_heap_unless_counting(tmp_path):
    """Heap measurements count native code as a board's heap holds it; only instruction
    counts put it in pages of its own (MICROPY_EXEC_PAGES, tools/unix32/exec.c)."""
    import subprocess
    from midge_host.unixport import thumb_executable, unixport_env
    body = "\n".join(f"    x = x + {i}" for i in range(200))
    code = ("import gc\ngc.collect()\nbefore = gc.mem_alloc()\n"
            f"exec('''import micropython\n@micropython.viper\ndef f(x: int) -> int:\n{body}\n    return x\n''')\n"
            "gc.collect()\nprint(gc.mem_alloc() - before)")
    held = {}
    for pages in (False, True):
        env = unixport_env()
        if pages:
            env["MICROPY_EXEC_PAGES"] = "1"
        done = subprocess.run([thumb_executable(), "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        held[pages] = int(done.stdout)
    assert held[False] - held[True] > 1000, held  # 200 viper adds: kilobytes of Thumb code
    assert "MICROPY_EXEC_PAGES" not in unixport_env({"MICROPY_EXEC_PAGES": "1"})
