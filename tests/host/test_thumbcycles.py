"""Cycle estimates from an ARM Thumb instruction mix (midge_host.thumbcycles)."""

import pytest

from midge_host.thumbcycles import CORES, core_of, cycles

# qemu's disassembly as the plugin writes it: (times run, times taken)
MIX = {
    "ldr r0, [r1]": (10, 0),
    "pop {r4, r5, pc}": (2, 2),
    "bne #0x1234": (5, 3),
    "smlad r0, r1, r2, r0": (4, 0),
    "ldrsbhs.w r4, [r1]": (1, 0),
    "push.w {r4, r5, r6, r7, r8, r9, sl, fp, lr}": (1, 0),
    "sdiv r0, r1, r2": (1, 0),
}


@pytest.mark.parametrize("core, expected", [
    # loads 2; POP of 3 registers 1 + 3, a return refills 3 (M4: 4 + N); a taken branch
    # 1 + 2; single-cycle MACs; PUSH of 9 registers 1 + 9; SDIV 7
    ("Cortex-M4", 10 * 2 + 2 * 4 + 2 * 3 + 5 * 1 + 3 * 2 + 4 + 2 + 10 + 7),
    ("Cortex-M33", 10 * 2 + 2 * 4 + 2 * 3 + 5 * 1 + 3 * 2 + 4 + 2 + 10 + 7),
    # M0+: a return refills 2 (3 + N), a taken branch 1 (B 2 cycles)
    ("Cortex-M0+", 10 * 2 + 2 * 4 + 2 * 2 + 5 * 1 + 3 * 1 + 4 + 2 + 10 + 7),
    # M7, single issue: loads 1, POP 1 + N/2, predicted branches 1
    ("Cortex-M7", 10 * 1 + 2 * 3 + 2 * 1 + 5 * 1 + 3 * 1 + 4 + 1 + 6 + 7),
])
def test_each_instruction_costs_its_core_timing(core, expected):
    assert cycles(MIX, core) == expected


def test_register_ranges_count_every_register():
    assert cycles({"push {r4-r7, lr}": (1, 0)}, "Cortex-M4") == 1 + 5
    assert cycles({"stmhs r3!, {r1, ip}": (3, 0)}, "Cortex-M0+") == 3 * (1 + 2)


def test_a_board_profile_core_names_its_timings():
    assert core_of("dual Arm Cortex-M0+") == "Cortex-M0+"
    assert core_of("Arm Cortex-M7 + Cortex-M4 (MicroPython runs on the M7)") == "Cortex-M7"
    assert core_of("dual Arm Cortex-M33") == "Cortex-M33"
    assert core_of("Arm Cortex-M4F") == "Cortex-M4"
    assert core_of("dual Xtensa LX7") is None and core_of(None) is None
    assert set(CORES) == {"Cortex-M0+", "Cortex-M4", "Cortex-M33", "Cortex-M7"}


def test_an_unknown_core_is_refused():
    with pytest.raises(ValueError, match="no instruction timings for 'Cortex-A53'"):
        cycles(MIX, "Cortex-A53")
