"""DEPTHWISE_CONV_2D in Thumb-1 assembler for cores without the DSP extension
(Cortex-M0+, M3: ``midge.fast.ASM == "armv6m"``); imported only on ARM.
``dwconv(x, w, out, g)`` and ``channel_params(bias, mult, shift)`` as
``_dwconv_dsp_thumb``'s (the parameters differ: the multiplier is stored as its
16-bit halves).

Two channels at a time (LANES), their accumulators in r2 and r3: byte loads
only (ARMv6-M faults on unaligned words), LDRSB with register offsets 0 and 1,
so a tap of two channels is 14 instructions at depth multiplier 1 (four loads,
the input offset added twice, two MULS, two ADDS, the pointer steps and the
loop branch) and 12 at 2 and above, where both read one input byte. An odd
last channel goes alone. The loops, the skipped outside taps and the frame are
``_dwconv_dsp_thumb``'s; the requantization is ``_fc_m0_thumb``'s (no 64-bit
product: four 16x16-bit ones), a subroutine called (BL) per output. The inline
assembler has no LDRSB, UXTB, UXTH, ADD or CMP of high registers, or SP-relative
loads and stores, so ``data`` emits them, each named in its comment (encodings
from GNU as for -mcpu=cortex-m0: ARMv6-M instructions only).
"""

import micropython

LANES = 2


def channel_params(bias, mult, shift):
    values = []
    for ch in range(len(mult)):
        m, s = mult[ch], shift[ch]
        right = -s if s < 0 else 0
        if s > 31 or right > 31 or not 0 <= m < 1 << 31:
            return None
        mask = (1 << right) - 1
        values += [bias[ch], m & 0xFFFF, m >> 16, s if s > 0 else 0, right, mask, mask >> 1]
    return values


@micropython.asm_thumb
def dwconv(r0, r1, r2, r3):
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    data(2, 0xB098)            # sub sp, #96; the frame: 23 words
    data(2, 0x9300)            # str r3, [sp, G]
    data(2, 0x9101)            # str r1, [sp, W]
    data(2, 0x9202)            # str r2, [sp, OUT]
    data(2, 0x9003)            # str r0, [sp, XB]
    ldr(r4, [r3, 0])
    data(2, 0x9404)            # str r4, [sp, BL]
    b(BATCH)
    label(REQUANT)             # out byte r1 = requant(r2) by channel params r7; both move on
    ldr(r4, [r7, 12])
    lsl(r2, r4)                # left shift (wraps)
    ldr(r4, [r7, 8])           # the multiplier's high half
    asr(r5, r2, 16)            # the accumulator's high half
    data(2, 0xB292)            # uxth r2, r2; its low half
    mov(r6, r5)
    mul(r6, r4)
    lsl(r6, r6, 1)             # (a1 * m1) << 1
    ldr(r3, [r7, 4])           # the multiplier's low half
    mul(r5, r3)                # hi = a1 * m0
    mul(r4, r2)                # lo = m1 * a0
    mul(r3, r2)                # a0 * m0, unsigned
    lsr(r3, r3, 16)
    asr(r0, r5, 15)
    add(r6, r6, r0)
    asr(r0, r4, 15)
    add(r6, r6, r0)
    lsl(r5, r5, 17)
    lsr(r5, r5, 17)
    lsl(r4, r4, 17)
    lsr(r4, r4, 17)
    add(r3, r3, r5)
    add(r3, r3, r4)
    mov(r0, 1)
    lsl(r0, r0, 14)
    add(r3, r3, r0)
    asr(r3, r3, 15)
    add(r6, r6, r3)            # h = (a * m + 2**30) >> 31
    ldr(r4, [r7, 16])
    mov(r5, r6)
    asr(r5, r4)                # h >> e
    ldr(r3, [r7, 20])
    and_(r3, r6)
    asr(r6, r6, 31)
    add(r3, r3, r6)            # (h & mask) - (h < 0)
    ldr(r4, [r7, 24])
    sub(r4, r4, r3)
    asr(r4, r4, 31)
    sub(r5, r5, r4)            # + 1 when that is above mask >> 1
    data(2, 0x9B00)            # ldr r3, [sp, G]
    ldr(r4, [r3, 64])
    add(r5, r5, r4)            # + the output offset
    ldr(r4, [r3, 68])
    cmp(r5, r4)
    bge(ABOVE_MIN)
    mov(r5, r4)
    label(ABOVE_MIN)
    ldr(r4, [r3, 72])
    cmp(r5, r4)
    ble(BELOW_MAX)
    mov(r5, r4)
    label(BELOW_MAX)
    strb(r5, [r1, 0])
    add(r1, 1)
    add(r7, 28)
    bx(lr)
    label(BATCH)
    data(2, 0x9F00)            # ldr r7, [sp, G]
    ldr(r4, [r7, 4])
    data(2, 0x9405)            # str r4, [sp, OYL]
    ldr(r4, [r7, 76])
    add(r4, r4, r7)
    data(2, 0x9406)            # str r4, [sp, YT]
    ldr(r4, [r7, 40])
    neg(r4, r4)
    data(2, 0x9407)            # str r4, [sp, ROWB]; (oy * sh - ph) * wd * c
    label(ROW)
    data(2, 0x9F00)            # ldr r7, [sp, G]
    data(2, 0x9E06)            # ldr r6, [sp, YT]
    ldrh(r4, [r6, 0])
    add(r6, 2)
    data(2, 0x9606)            # str r6, [sp, YT]
    data(2, 0xB2E5)            # uxtb r5, r4; fy0
    lsr(r4, r4, 8)
    data(2, 0x940A)            # str r4, [sp, NYR]
    ldr(r0, [r7, 24])
    mul(r0, r5)
    data(2, 0x9903)            # ldr r1, [sp, XB]
    add(r0, r0, r1)
    data(2, 0x9907)            # ldr r1, [sp, ROWB]
    add(r0, r0, r1)
    data(2, 0x9008)            # str r0, [sp, XROW]
    ldr(r0, [r7, 48])
    mul(r0, r5)
    data(2, 0x9901)            # ldr r1, [sp, W]
    add(r0, r0, r1)
    data(2, 0x9009)            # str r0, [sp, WROW]
    ldr(r4, [r7, 8])
    data(2, 0x940B)            # str r4, [sp, OXL]
    ldr(r4, [r7, 80])
    add(r4, r4, r7)
    data(2, 0x940C)            # str r4, [sp, XT]
    ldr(r4, [r7, 36])
    neg(r4, r4)
    data(2, 0x940D)            # str r4, [sp, COLB]; (ox * sw - pw) * c
    label(PIXEL)
    data(2, 0x9F00)            # ldr r7, [sp, G]
    data(2, 0x9E0C)            # ldr r6, [sp, XT]
    ldrh(r4, [r6, 0])
    add(r6, 2)
    data(2, 0x960C)            # str r6, [sp, XT]
    data(2, 0xB2E5)            # uxtb r5, r4; fx0
    lsr(r4, r4, 8)             # nx
    ldr(r0, [r7, 20])
    mov(r1, r0)
    mul(r1, r5)
    data(2, 0x9A08)            # ldr r2, [sp, XROW]
    add(r1, r1, r2)
    data(2, 0x9A0D)            # ldr r2, [sp, COLB]
    add(r1, r1, r2)
    data(2, 0x910E)            # str r1, [sp, XPIX]
    mul(r0, r4)
    ldr(r2, [r7, 24])
    sub(r2, r2, r0)
    data(2, 0x9211)            # str r2, [sp, XADJ]
    ldr(r0, [r7, 16])
    mov(r1, r0)
    mul(r1, r5)
    data(2, 0x9A09)            # ldr r2, [sp, WROW]
    add(r1, r1, r2)
    data(2, 0x910F)            # str r1, [sp, WPIX]
    mul(r0, r4)
    data(2, 0x9010)            # str r0, [sp, WLEN]
    ldr(r2, [r7, 48])
    sub(r2, r2, r0)
    data(2, 0x9212)            # str r2, [sp, WADJ]
    data(2, 0x9A0A)            # ldr r2, [sp, NYR]
    cmp(r4, 0)
    bne(COLUMNS)
    mov(r2, 0)
    label(COLUMNS)
    data(2, 0x9213)            # str r2, [sp, NY]; no taps when no column is inside
    mov(r4, 0)
    data(2, 0x9414)            # str r4, [sp, CO]
    mov(r4, r7)
    add(r4, 84)
    data(2, 0x9415)            # str r4, [sp, P]
    ldr(r4, [r7, 12])
    cmp(r4, 0)
    bne(GROUP)
    b(TAIL)
    label(GROUP)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    ldr(r2, [r7, 0])           # two accumulators start at their biases
    ldr(r3, [r7, 28])
    data(2, 0x9C13)            # ldr r4, [sp, NY]
    cmp(r4, 0)
    bne(TAPS2)
    b(QUANT2)
    label(TAPS2)
    data(2, 0x9416)            # str r4, [sp, NYL]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    ldr(r4, [r5, 52])
    mov(r0, r6)
    lsr(r0, r4)
    data(2, 0x990E)            # ldr r1, [sp, XPIX]
    add(r0, r0, r1)            # x: the channel's input at the first tap
    data(2, 0x990F)            # ldr r1, [sp, WPIX]
    add(r1, r1, r6)            # w: its filter at the first tap
    data(2, 0x9F10)            # ldr r7, [sp, WLEN]
    add(r7, r7, r1)
    mov(r10, r7)               # w at the end of this filter row's taps
    ldr(r7, [r5, 20])
    mov(r8, r7)
    ldr(r7, [r5, 16])
    mov(r9, r7)
    ldr(r7, [r5, 56])
    mov(r11, r7)
    mov(r6, 0)
    mov(r7, 1)
    cmp(r4, 0)
    bne(SHARED)
    label(PAIRS)               # depth multiplier 1: two input bytes for two channels
    data(2, 0x5784)            # ldrsb r4, [r0, r6]
    data(2, 0x578D)            # ldrsb r5, [r1, r6]
    data(2, 0x445C)            # add r4, r11
    mul(r4, r5)
    add(r2, r2, r4)
    data(2, 0x57C4)            # ldrsb r4, [r0, r7]
    data(2, 0x57CD)            # ldrsb r5, [r1, r7]
    data(2, 0x445C)            # add r4, r11
    mul(r4, r5)
    add(r3, r3, r4)
    data(2, 0x4440)            # add r0, r8
    data(2, 0x4449)            # add r1, r9
    data(2, 0x4551)            # cmp r1, r10
    bne(PAIRS)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9C10)            # ldr r4, [sp, WLEN]
    add(r4, r4, r1)
    mov(r10, r4)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(PAIRS)
    b(QUANT2)
    label(SHARED)              # depth multiplier 2, 4, ...: one input byte for two channels
    data(2, 0x5784)            # ldrsb r4, [r0, r6]
    data(2, 0x445C)            # add r4, r11
    data(2, 0x578D)            # ldrsb r5, [r1, r6]
    mul(r5, r4)
    add(r2, r2, r5)
    data(2, 0x57CD)            # ldrsb r5, [r1, r7]
    mul(r5, r4)
    add(r3, r3, r5)
    data(2, 0x4440)            # add r0, r8
    data(2, 0x4449)            # add r1, r9
    data(2, 0x4551)            # cmp r1, r10
    bne(SHARED)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9C10)            # ldr r4, [sp, WLEN]
    add(r4, r4, r1)
    mov(r10, r4)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(SHARED)
    label(QUANT2)
    mov(r12, r3)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    data(2, 0x9902)            # ldr r1, [sp, OUT]
    bl(REQUANT)
    mov(r2, r12)
    bl(REQUANT)
    data(2, 0x9102)            # str r1, [sp, OUT]
    data(2, 0x9715)            # str r7, [sp, P]
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    add(r6, 2)
    data(2, 0x9614)            # str r6, [sp, CO]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r4, [r5, 12])
    cmp(r6, r4)
    bge(TAIL)
    b(GROUP)
    label(TAIL)                # the last channel of an odd count
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r4, [r5, 16])
    cmp(r6, r4)
    blt(SINGLE_START)
    b(NEXT_PIXEL)
    label(SINGLE_START)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    ldr(r2, [r7, 0])
    data(2, 0x9C13)            # ldr r4, [sp, NY]
    cmp(r4, 0)
    beq(QUANT1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    ldr(r4, [r5, 52])
    mov(r0, r6)
    lsr(r0, r4)
    data(2, 0x990E)            # ldr r1, [sp, XPIX]
    add(r0, r0, r1)
    data(2, 0x990F)            # ldr r1, [sp, WPIX]
    add(r1, r1, r6)
    data(2, 0x9F10)            # ldr r7, [sp, WLEN]
    add(r7, r7, r1)
    mov(r10, r7)
    ldr(r7, [r5, 20])
    mov(r8, r7)
    ldr(r7, [r5, 16])
    mov(r9, r7)
    ldr(r7, [r5, 56])
    mov(r11, r7)
    mov(r6, 0)
    label(SINGLE)
    data(2, 0x5784)            # ldrsb r4, [r0, r6]
    data(2, 0x578D)            # ldrsb r5, [r1, r6]
    data(2, 0x445C)            # add r4, r11
    mul(r4, r5)
    add(r2, r2, r4)
    data(2, 0x4440)            # add r0, r8
    data(2, 0x4449)            # add r1, r9
    data(2, 0x4551)            # cmp r1, r10
    bne(SINGLE)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9C10)            # ldr r4, [sp, WLEN]
    add(r4, r4, r1)
    mov(r10, r4)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(SINGLE)
    label(QUANT1)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    data(2, 0x9902)            # ldr r1, [sp, OUT]
    bl(REQUANT)
    data(2, 0x9102)            # str r1, [sp, OUT]
    data(2, 0x9715)            # str r7, [sp, P]
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    add(r6, 1)
    data(2, 0x9614)            # str r6, [sp, CO]
    b(TAIL)
    label(NEXT_PIXEL)
    data(2, 0x9F00)            # ldr r7, [sp, G]
    data(2, 0x9C0D)            # ldr r4, [sp, COLB]
    ldr(r5, [r7, 28])
    add(r4, r4, r5)
    data(2, 0x940D)            # str r4, [sp, COLB]
    data(2, 0x9C0B)            # ldr r4, [sp, OXL]
    sub(r4, 1)
    data(2, 0x940B)            # str r4, [sp, OXL]
    beq(NEXT_ROW)
    b(PIXEL)
    label(NEXT_ROW)
    data(2, 0x9C07)            # ldr r4, [sp, ROWB]
    ldr(r5, [r7, 32])
    add(r4, r4, r5)
    data(2, 0x9407)            # str r4, [sp, ROWB]
    data(2, 0x9C05)            # ldr r4, [sp, OYL]
    sub(r4, 1)
    data(2, 0x9405)            # str r4, [sp, OYL]
    beq(NEXT_BATCH)
    b(ROW)
    label(NEXT_BATCH)
    data(2, 0x9C03)            # ldr r4, [sp, XB]
    ldr(r5, [r7, 44])
    add(r4, r4, r5)
    data(2, 0x9403)            # str r4, [sp, XB]
    data(2, 0x9C04)            # ldr r4, [sp, BL]
    sub(r4, 1)
    data(2, 0x9404)            # str r4, [sp, BL]
    beq(DONE)
    b(BATCH)
    label(DONE)
    data(2, 0xB018)            # add sp, #96
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)
