"""Cycles a Cortex-M core would spend on an ARM Thumb instruction mix: an estimate.

Contract: ``cycles(mix, core) -> float``. ``mix`` maps qemu's disassembly of an
instruction ("ldrsb r4, [r1], #1") to ``(count, taken)``: the times it ran and the times
control then went elsewhere than the next instruction (``midge_host.thumbcount.mix``).
``core`` is one of ``CORES``; ``core_of(text)`` picks it from a board profile's "core".

Each instruction costs its cycles in the core's instruction timing table, zero wait
states (Arm's Technical Reference Manuals; docs/benchmarks.md names them):

- everything not listed below: 1 (moves, ALU, shifts, extends, every multiply and
  multiply-accumulate including the DSP extension's SMLAD/SMLABB/SXTB16/SXTAB16, and a
  Cortex-M0+'s MULS with the single-cycle multiplier the RP2040 has);
- a single load or store (LDR*, STR*): 2 (Cortex-M0+, M4, M33), 1 (M7); LDRD/STRD: 3 (1 on M7,
  its 64-bit bus); neighbouring loads that an M4 pipelines to 1 each get no credit;
- LDM/STM/PUSH/POP of N registers: 1 + N (M7: 1 + N/2);
- SDIV/UDIV: 7, the middle of the M4's 2 to 12 (M7: the same);
- a branch, or any instruction writing the PC: 1, plus the pipeline refill P each time it
  is taken (qemu's count, exact): P = 1 on an M0+ (B 2, BL 3, BX 2 cycles) and 2 for its
  POP {..., pc} (3 + N); P = 2 on an M4/M33 (its 1 + P with P 1 to 3) and 3 for a load
  to the PC (POP {..., pc}: 4 + N); P = 1 on an M7 (a predicted branch).

The Cortex-M33 is costed with the M4's table (the same Armv7E-M/Armv8-M mainline
three-stage pipeline timings for these instructions). The M7 figure assumes single issue;
its dual issue can only lower it. Stalls for wait states, caches and flash are not
modelled, so real cores run slower where code or data are not in zero-wait memory.
"""

import re

CORES = ("Cortex-M0+", "Cortex-M4", "Cortex-M33", "Cortex-M7")
"""The cores costed, in the order ``core_of`` tries them against a profile's text."""
_CORE_MATCH = ("Cortex-M0+", "Cortex-M7", "Cortex-M33", "Cortex-M4")
"""Substrings tried in order: "Cortex-M7 + Cortex-M4 (MicroPython runs on the M7)" is an M7."""

_CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls",
               "ge", "lt", "gt", "le", "al")
_LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt",
          "ldrbt", "ldrht", "ldrsbt", "ldrsht", "vldr", "ldrexd"}
_STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht", "vstr", "strexd"}
_PAIRS = {"ldrd", "strd"}
_MULTIPLE = {"ldm", "ldmia", "ldmfd", "ldmdb", "stm", "stmia", "stmea", "stmdb", "stmfd",
             "push", "pop", "vpush", "vpop", "vldmia", "vldmdb", "vstmia", "vstmdb"}
_LOAD_MULTIPLE = {"ldm", "ldmia", "ldmfd", "ldmdb", "pop", "vpop", "vldmia", "vldmdb"}
_DIVIDES = {"sdiv", "udiv"}
_BRANCHES = {"b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"}
_KNOWN = _LOADS | _STORES | _PAIRS | _MULTIPLE | _DIVIDES | _BRANCHES


KINDS = ("load", "store", "multiply", "extend", "branch", "other")
"""What ``kind`` sorts an instruction into, for showing a mix."""


def kind(disas):
    """The ``KINDS`` entry of an instruction ("smlad r0, r1, r2, r0" -> "multiply")."""
    name, operands = _mnemonic(disas)
    if name in _BRANCHES or _writes_pc(name, operands):
        return "branch"
    if name in _LOADS or name == "ldrd" or name in _LOAD_MULTIPLE:
        return "load"
    if name in _STORES or name == "strd" or name in _MULTIPLE:
        return "store"
    if name.startswith(("mul", "mla", "mls", "smla", "smul", "smml", "smmu", "umul", "umla", "smlsd")):
        return "multiply"
    if name.startswith(("sxt", "uxt")):
        return "extend"
    return "other"


def core_of(text):
    """The entry of ``CORES`` a board profile's "core" text names, or None."""
    for needle in _CORE_MATCH:
        if needle in (text or ""):
            return needle
    return None


def _mnemonic(disas):
    """(base mnemonic, operands): "ldrsbhs.w r4, [r1]" -> ("ldrsb", "r4, [r1]")."""
    head, _, operands = disas.strip().partition(" ")
    name = head.lower().split(".")[0]
    if name not in _KNOWN and name[-2:] in _CONDITIONS and name[:-2] in _KNOWN:
        name = name[:-2]
    return name, operands.strip()


def _registers(operands):
    """Registers in the operands' {list}: "{r4, r5, r7-r9, pc}" -> 6."""
    found = re.search(r"\{([^}]*)\}", operands)
    if not found:
        return 1
    count = 0
    for item in found.group(1).split(","):
        low, dash, high = item.strip().partition("-")
        if dash:
            low_n, high_n = re.sub(r"\D", "", low), re.sub(r"\D", "", high)
            count += int(high_n) - int(low_n) + 1 if low_n and high_n else 2
        elif item.strip():
            count += 1
    return count


def _writes_pc(name, operands):
    """Whether the instruction loads the PC (POP {..., pc}, LDR pc, ...): a return."""
    first = operands.split(",")[0].strip()
    return bool(name in _MULTIPLE and re.search(r"\bpc\b", operands)) or (name in _LOADS and first == "pc")


_REFILL = {"Cortex-M0+": (1, 2), "Cortex-M4": (2, 3), "Cortex-M33": (2, 3), "Cortex-M7": (1, 1)}
"""Pipeline refill P per core: (after a taken branch, after a load to the PC)."""


def _cost(name, operands, core):
    """(cycles when it falls through, extra cycles each time it is taken)."""
    m7 = core == "Cortex-M7"
    refill = _REFILL[core][1 if _writes_pc(name, operands) else 0]
    if name in _LOADS or name in _STORES:
        return (1 if m7 else 2), refill
    if name in _PAIRS:
        return (1 if m7 else 3), refill
    if name in _MULTIPLE:
        n = _registers(operands)
        return (1 + (n + 1) // 2 if m7 else 1 + n), refill
    if name in _DIVIDES:
        return 7, refill
    return 1, refill


def cycles(mix, core):
    """Estimated cycles of ``mix`` on ``core`` (see the module docstring)."""
    if core not in CORES:
        raise ValueError(f"no instruction timings for {core!r}; known: {', '.join(CORES)}")
    total = 0.0
    for disas, (count, taken) in mix.items():
        name, operands = _mnemonic(disas)
        base, refill = _cost(name, operands, core)
        total += count * base + taken * refill
    return total
