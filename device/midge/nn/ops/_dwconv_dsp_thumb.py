"""DEPTHWISE_CONV_2D in ARM Thumb-2 assembler with the DSP extension (Cortex-M4,
M7, M33: ``midge.fast.ASM == "armv7emsp"``); imported only there.

``dwconv(x, w, out, g)`` computes ``conv.dwconv_int8`` for a depth multiplier
1, 2, 4, 8, ... with ``g`` laid out by ``_dwconv_asm`` and, at byte 84, per
channel ``channel_params(bias, mult, shift)`` (None when a shift is outside
-31..31): its bias, multiplier, left shift, right shift and its mask and half mask.

Four channels at a time (LANES), their accumulators in r8-r11 starting at their
biases; for each tap inside the input (a loop over the filter rows and, within
one, over its taps: no branch per tap but the loop's) a word of w holds their
four weights: SXTB16 makes two pairs of int16 of them (channels 0, 2 and,
rotated by 8, 1, 3), SXTAB16 the same of x with the input offset added to each
half (x + ioff fits int16), and SMLABB/SMLATT add each product to its channel:
four MACs in 14 instructions with the loads, pointer steps and loop branch.
The x word holds the four channels' inputs at depth multiplier 1; at 2 a
halfword holds two (PKHBT copies the second to byte 2), at 4 and above one byte
serves all four. Taps outside the input are skipped, as the plain kernel does
(the same as padding with the input zero point). The last ``ocn % 4`` channels
go one at a time. The requantization is ``_fc_dsp_thumb``'s (TFLM's
MultiplyByQuantizedMultiplier with SMULL), a subroutine called (BL) per output.

Loop state lives in a frame of 23 words on the stack, named in the comments: G,
W, OUT (the next output), XB (x of this batch), BL (batches left), OYL (output
rows left), YT (the row table's next entry), ROWB ((oy * sh - ph) * wd * c),
XROW and WROW (x and w at this output row's first filter row inside the
input), NYR (how many are), OXL (output columns left), XT (the column table's
next entry), COLB ((ox * sw - pw) * c), XPIX and WPIX (x and w at this output's
first tap), WLEN (w across a filter row's taps inside), XADJ and WADJ (x and w
from the end of those taps to the next filter row's), NY (its filter rows, 0
when no column is inside), CO (the channel), P (its parameters) and NYL (filter
rows left). r8-r11 are restored. The inline assembler has none of SXTB16,
SXTAB16, SMLABB, SMLATT, PKHBT, SMULL, UXTB, LDR.W, ADD of high registers or
SP-relative loads and stores, so ``data`` emits them, each named in its
comment (encodings from GNU as for -mcpu=cortex-m4); the module compiles for
armv6m too (no wide branches), as every ``*_thumb`` module must.
"""

import micropython

LANES = 4


def channel_params(bias, mult, shift):
    values = []
    for ch in range(len(mult)):
        m, s = mult[ch], shift[ch]
        right = -s if s < 0 else 0
        if s > 31 or right > 31 or not 0 <= m < 1 << 31:
            return None
        mask = (1 << right) - 1
        values += [bias[ch], m, s if s > 0 else 0, right, mask, mask >> 1]
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
    label(REQUANT)             # out byte r3 = requant(r4) by channel params r7 (ooff, amin, amax: r0-r2)
    ldr(r5, [r7, 8])
    lsl(r4, r5)                # left shift (wraps)
    ldr(r5, [r7, 4])
    data(2, 0xFB84, 0x5605)    # smull r5, r6, r4, r5
    data(2, 0xF115, 0x4580)    # adds.w r5, r5, #0x40000000; + 2**30, carry into the high word
    data(2, 0xF146, 0x0600)    # adc.w r6, r6, #0
    add(r5, r5, r5)
    adc(r6, r6)                # h = (a * m + 2**30) >> 31
    ldr(r5, [r7, 12])
    mov(r4, r6)
    asr(r4, r5)                # h >> e
    ldr(r5, [r7, 16])
    and_(r5, r6)
    asr(r6, r6, 31)
    add(r5, r5, r6)            # (h & mask) - (h < 0)
    ldr(r6, [r7, 20])
    sub(r6, r6, r5)
    asr(r6, r6, 31)
    sub(r4, r4, r6)            # + 1 when that is above mask >> 1
    add(r4, r4, r0)            # + the output offset
    cmp(r4, r1)
    bge(ABOVE_MIN)
    mov(r4, r1)
    label(ABOVE_MIN)
    cmp(r4, r2)
    ble(BELOW_MAX)
    mov(r4, r2)
    label(BELOW_MAX)
    strb(r4, [r3, 0])
    add(r3, 1)
    add(r7, 24)
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
    data(2, 0xF8D7, 0x8000)    # ldr.w r8, [r7]; four accumulators start at their biases
    data(2, 0xF8D7, 0x9018)    # ldr.w r9, [r7, #24]
    data(2, 0xF8D7, 0xA030)    # ldr.w r10, [r7, #48]
    data(2, 0xF8D7, 0xB048)    # ldr.w r11, [r7, #72]
    data(2, 0x9C13)            # ldr r4, [sp, NY]
    cmp(r4, 0)
    bne(TAPS4)
    b(QUANT4)
    label(TAPS4)
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
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)            # w at the end of this filter row's taps
    ldr(r2, [r5, 20])
    mov(r12, r2)
    ldr(r2, [r5, 16])
    mov(lr, r2)
    ldr(r2, [r5, 60])
    cmp(r4, 1)
    beq(TO_PAIRED)
    bgt(TO_SHARED)
    label(QUADS)               # depth multiplier 1: four input bytes for four channels
    ldr(r4, [r0, 0])
    ldr(r5, [r1, 0])
    data(2, 0xFA22, 0xF694)    # sxtab16 r6, r2, r4, ror #8
    data(2, 0xFA22, 0xF484)    # sxtab16 r4, r2, r4
    data(2, 0xFA2F, 0xF795)    # sxtb16 r7, r5, ror #8
    data(2, 0xFA2F, 0xF585)    # sxtb16 r5, r5
    data(2, 0xFB14, 0x8805)    # smlabb r8, r4, r5, r8
    data(2, 0xFB14, 0xAA35)    # smlatt r10, r4, r5, r10
    data(2, 0xFB16, 0x9907)    # smlabb r9, r6, r7, r9
    data(2, 0xFB16, 0xBB37)    # smlatt r11, r6, r7, r11
    data(2, 0x4460)            # add r0, r12
    data(2, 0x4471)            # add r1, lr
    cmp(r1, r3)
    bne(QUADS)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(QUADS)
    b(QUANT4)
    label(TO_PAIRED)
    b(PAIRED)
    label(TO_SHARED)
    b(SHARED)
    label(PAIRED)              # depth multiplier 2: two input bytes for four channels
    ldrh(r4, [r0, 0])
    ldr(r5, [r1, 0])
    data(2, 0xEAC4, 0x2404)    # pkhbt r4, r4, r4, lsl #8
    data(2, 0xFA22, 0xF484)    # sxtab16 r4, r2, r4
    data(2, 0xFA2F, 0xF795)    # sxtb16 r7, r5, ror #8
    data(2, 0xFA2F, 0xF585)    # sxtb16 r5, r5
    data(2, 0xFB14, 0x8805)    # smlabb r8, r4, r5, r8
    data(2, 0xFB14, 0xAA35)    # smlatt r10, r4, r5, r10
    data(2, 0xFB14, 0x9907)    # smlabb r9, r4, r7, r9
    data(2, 0xFB14, 0xBB37)    # smlatt r11, r4, r7, r11
    data(2, 0x4460)            # add r0, r12
    data(2, 0x4471)            # add r1, lr
    cmp(r1, r3)
    bne(PAIRED)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(PAIRED)
    b(QUANT4)
    label(SHARED)              # depth multiplier 4, 8, ...: one input byte for four channels
    ldrb(r4, [r0, 0])
    ldr(r5, [r1, 0])
    data(2, 0xEAC4, 0x4404)    # pkhbt r4, r4, r4, lsl #16
    data(2, 0xFA22, 0xF484)    # sxtab16 r4, r2, r4
    data(2, 0xFA2F, 0xF795)    # sxtb16 r7, r5, ror #8
    data(2, 0xFA2F, 0xF585)    # sxtb16 r5, r5
    data(2, 0xFB14, 0x8805)    # smlabb r8, r4, r5, r8
    data(2, 0xFB14, 0xAA35)    # smlatt r10, r4, r5, r10
    data(2, 0xFB14, 0x9907)    # smlabb r9, r4, r7, r9
    data(2, 0xFB14, 0xBB37)    # smlatt r11, r4, r7, r11
    data(2, 0x4460)            # add r0, r12
    data(2, 0x4471)            # add r1, lr
    cmp(r1, r3)
    bne(SHARED)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(SHARED)
    label(QUANT4)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    data(2, 0x9B02)            # ldr r3, [sp, OUT]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r0, [r5, 64])
    ldr(r1, [r5, 68])
    ldr(r2, [r5, 72])
    mov(r4, r8)
    bl(REQUANT)
    mov(r4, r9)
    bl(REQUANT)
    mov(r4, r10)
    bl(REQUANT)
    mov(r4, r11)
    bl(REQUANT)
    data(2, 0x9302)            # str r3, [sp, OUT]
    data(2, 0x9715)            # str r7, [sp, P]
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    add(r6, 4)
    data(2, 0x9614)            # str r6, [sp, CO]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r4, [r5, 12])
    cmp(r6, r4)
    bge(TAIL)
    b(GROUP)
    label(TAIL)                # the last ocn % 4 channels, one at a time
    data(2, 0x9E14)            # ldr r6, [sp, CO]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r4, [r5, 16])
    cmp(r6, r4)
    bge(NEXT_PIXEL)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    data(2, 0xF8D7, 0x8000)    # ldr.w r8, [r7]
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
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)
    ldr(r2, [r5, 20])
    mov(r12, r2)
    ldr(r2, [r5, 16])
    mov(lr, r2)
    ldr(r2, [r5, 60])
    label(SINGLE)
    ldrb(r4, [r0, 0])
    ldrb(r5, [r1, 0])
    data(2, 0xFA22, 0xF484)    # sxtab16 r4, r2, r4
    data(2, 0xFA2F, 0xF585)    # sxtb16 r5, r5
    data(2, 0xFB14, 0x8805)    # smlabb r8, r4, r5, r8
    data(2, 0x4460)            # add r0, r12
    data(2, 0x4471)            # add r1, lr
    cmp(r1, r3)
    bne(SINGLE)
    data(2, 0x9C11)            # ldr r4, [sp, XADJ]
    add(r0, r0, r4)
    data(2, 0x9C12)            # ldr r4, [sp, WADJ]
    add(r1, r1, r4)
    data(2, 0x9B10)            # ldr r3, [sp, WLEN]
    add(r3, r3, r1)
    data(2, 0x9C16)            # ldr r4, [sp, NYL]
    sub(r4, 1)
    data(2, 0x9416)            # str r4, [sp, NYL]
    bne(SINGLE)
    label(QUANT1)
    data(2, 0x9F15)            # ldr r7, [sp, P]
    data(2, 0x9B02)            # ldr r3, [sp, OUT]
    data(2, 0x9D00)            # ldr r5, [sp, G]
    ldr(r0, [r5, 64])
    ldr(r1, [r5, 68])
    ldr(r2, [r5, 72])
    mov(r4, r8)
    bl(REQUANT)
    data(2, 0x9302)            # str r3, [sp, OUT]
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
