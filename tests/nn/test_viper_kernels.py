"""The viper kernels of midge.nn (ops/_conv_viper.py, _dwconv_viper.py, _fc_viper.py, _softmax_viper.py,
_pool_viper.py, _elementwise_viper.py) produce exactly what the plain kernels produce:
CONV_2D (general and the 1x1 matmul path), DEPTHWISE_CONV_2D and FULLY_CONNECTED on
random shapes, strides, dilations, paddings, groups, depth multipliers, zero points,
biases up to the int32 limits, multipliers and shifts (left and right); SOFTMAX on
random rows, depths (1 to 8191) and input scales, all-equal rows and one huge logit,
and its reciprocal (TFLM's GetReciprocal) on sums of exps across 1 .. 2**32 - 1;
AVERAGE_POOL_2D, MAX_POOL_2D and MEAN on random shapes, paddings, axes and multipliers;
ADD, SUB and MUL on random broadcasts (ranks 1 to 6, either or both operands, dropped
leading axes, empty axes), scales, zero points, multipliers and shifts, at the rounding
boundaries (exact ties included) and saturating, and on every pair of int8 inputs; for
many seeds. A viper kernel allocates nothing per call, and models load with the viper
kernels when viper is on.

The same checks run on the 32-bit port (`micropython32`, the emulated board's
interpreter) with 32-bit machine ints, as on boards, plus parity with TFLM on the reference models (TFLM's
hello_world, micro_speech and person_detect, or without ../shared the generated ones of the
same ops and shapes) and on the generated models with
SOFTMAX, MEAN, pooling, ADD, SUB or MUL there, with no op of any reference or generated
model allocating (only a float32 input's QUANTIZE makes floats). On the Thumb test bed the packers
take the ARM core's asm_thumb kernels where midge has them (FULLY_CONNECTED, CONV_2D and
DEPTHWISE_CONV_2D: the DSP extension's, and with MIDGE_ASM=armv6m the Thumb-1 ones), so the
same checks prove them."""


import numpy as np
import pytest

from midge_host.unixport import run_micropython, thumb_executable
from nn_support import RUNNER, _output_specs, _records, _split, run_tflm

CASES = 300
SOFTMAX_CASES, SOFTMAX_TABLES, RECIPROCAL_PROBES = 2000, 40, 30000
POOL_CASES = 2000
ELEMENTWISE_CASES, ELEMENTWISE_GRIDS = 2000, 16

RNG_SCRIPT = r"""
class Rng:
    def __init__(self, seed):
        self.s = (seed * 2654435761 + 12345) & 0xFFFFFFFF or 1

    def bits(self):
        x = self.s
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.s = x
        return x

    def int(self, lo, hi):
        return lo + self.bits() % (hi - lo + 1)

    def pick(self, seq):
        return seq[self.bits() % len(seq)]
"""

KERNELS_SCRIPT = r"""
from array import array
from midge.nn.ops import conv, fc
# the packers the model loader uses: viper, or where the ARM core has them asm_thumb kernels
pack_conv = conv._packer(False)
pack_depthwise = conv._packer(True)
pack_fc = fc.pack_fc


def int8s(r, n):
    mode = r.int(0, 9)
    if mode == 0:
        return array("b", [r.pick((-128, 127)) for _ in range(n)])
    if mode == 1:
        return array("b", [-128] * n)
    return array("b", [r.int(-128, 127) for _ in range(n)])


def bitlen(v):
    n = 0
    while v:
        v >>= 1
        n += 1
    return n


def requant(r, n, macs):
    # mostly scales that map the accumulators (about 5500 * sqrt(macs)) onto int8;
    # sometimes biases near the int32 limits (less the largest MAC sum these shapes
    # reach), any multiplier, any shift
    typical = 5500 << (bitlen(macs) // 2)
    wild = r.int(0, 3) == 0
    big = (1 << 31) - (1 << 23)
    bias = [r.int(-big, big) if wild and r.int(0, 1) else r.int(-typical, typical) for _ in range(n)]
    fit = 7 - bitlen(typical)
    mult = [r.int(0, (1 << 31) - 1) if wild else r.pick((r.int(1 << 30, (1 << 31) - 1), (1 << 31) - 1, 1 << 30))
            for _ in range(n)]
    shift = [r.pick((r.int(-31, 0), r.int(1, 4))) if wild else max(-31, fit + r.int(-2, 2)) for _ in range(n)]
    zin, zout = r.int(-128, 127), r.int(-128, 127)
    a, b = r.int(-128, 127), r.int(-128, 127)
    if r.int(0, 2):
        a, b = -128, 127
    return bias, mult, shift, -zin, zout, min(a, b), max(a, b)


def window(r, size, filt, stride, dilation, same):
    eff = (filt - 1) * dilation + 1
    out = (size + stride - 1) // stride if same else (size - eff + stride) // stride
    total = (out - 1) * stride + eff - size
    return out, (total // 2 if total > 0 else 0)


def geometry(r, big_filter):
    fh, fw = (r.int(6, 10), r.int(4, 8)) if big_filter else (r.int(1, 4), r.int(1, 4))
    sh, sw, dh, dw = r.int(1, 3), r.int(1, 3), r.int(1, 2), r.int(1, 2)
    h, wd, same = r.int(1, 12), r.int(1, 12), r.int(0, 1)
    oh, ph = window(r, h, fh, sh, dh, same)
    ow, pw = window(r, wd, fw, sw, dw, same)
    return fh, fw, sh, sw, dh, dw, h, wd, oh, ow, ph, pw


def conv_case(r):
    nb = r.int(1, 2)
    if r.int(0, 3) == 0:
        groups, fc_, fpg = 1, r.int(1, 40), r.int(1, 12)
        fh = fw = sh = sw = dh = dw = 1
        h, wd = r.int(1, 6), r.int(1, 6)
        oh, ow, ph, pw = h, wd, 0, 0
    else:
        groups, fc_, fpg = r.pick((1, 1, 2, 3)), r.int(1, 9), r.int(1, 4)
        fh, fw, sh, sw, dh, dw, h, wd, oh, ow, ph, pw = geometry(r, False)
    if oh <= 0 or ow <= 0:
        return None
    c, ocn = fc_ * groups, fpg * groups
    taps = fh * fw
    w = int8s(r, ocn * taps * fc_)
    geom = (nb, h, wd, c, oh, ow, ocn, fh, fw, fc_, sh, sw, dh, dw, ph, pw, fpg)
    # as prepare_conv: per-tap sums only where a window reaches outside the input
    wtap = array("i", [0] * (ocn * taps)) if conv.reaches_outside(geom) else None
    wfull = [0] * ocn
    for t in range(ocn * taps):
        s = 0
        for k in range(fc_):
            s += w[t * fc_ + k]
        if wtap is not None:
            wtap[t] = s
        wfull[t // taps] += s
    bias, mult, shift, ioff, ooff, amin, amax = requant(r, ocn, taps * fc_)
    x = int8s(r, nb * h * wd * c)
    n = nb * oh * ow * ocn
    return conv.conv_int8, pack_conv, n, lambda out: (x, w, out, wtap, wfull, bias, mult, shift, geom,
                                                      ioff, ooff, amin, amax)


def depthwise_case(r):
    nb, c, dm = r.int(1, 2), r.int(1, 9), r.pick((1, 1, 2, 3, 4, 8))
    fh, fw, sh, sw, dh, dw, h, wd, oh, ow, ph, pw = geometry(r, r.int(0, 4) == 0)
    if oh <= 0 or ow <= 0:
        return None
    ocn = c * dm
    w = int8s(r, fh * fw * ocn)
    bias, mult, shift, ioff, ooff, amin, amax = requant(r, ocn, fh * fw)
    geom = (nb, h, wd, c, oh, ow, ocn, fh, fw, dm, sh, sw, dh, dw, ph, pw)
    x = int8s(r, nb * h * wd * c)
    return conv.dwconv_int8, pack_depthwise, nb * oh * ow * ocn, lambda out: (
        x, w, out, [0] * ocn, bias, mult, shift, geom, ioff, ooff, amin, amax)


def fc_case(r):
    batches, depth, units = r.int(1, 3), r.int(1, 70), r.int(1, 9)
    w = int8s(r, units * depth)
    const, mult, shift, ioff, ooff, amin, amax = requant(r, units, depth)
    woff = r.pick((0, 0, r.int(-127, 127)))
    x = int8s(r, batches * depth)
    return fc.fc_int8, pack_fc, batches * units, lambda out: (
        x, w, out, const, mult, shift, batches, depth, units, woff, ooff, amin, amax)


def check(kind, make, seed):
    r = Rng(seed)
    case = None
    while case is None:
        case = make(r)
    plain, pack, n, args = case
    want, got = array("b", bytes(n)), array("b", bytes(n))
    plain(*args(want))
    kernel, packed = pack(plain, args(got))
    if kernel is plain:
        print("not packed", kind, seed)
    kernel(*packed)
    for v in want:
        if -128 < v < 127:
            interior[0] += 1
    interior[1] += n
    if want != got:
        bad = [i for i in range(n) if want[i] != got[i]]
        print("mismatch", kind, seed, len(bad), "of", n, "first", bad[0], want[bad[0]], got[bad[0]])


def requant_edges(seed):
    # FULLY_CONNECTED with zero weights requantizes its constants, and a one-pixel
    # DEPTHWISE_CONV_2D its biases: accumulators at and around both rounding
    # boundaries (the high multiply's and the right shift's) of outputs across
    # int8, the int32 extremes, and left shifts
    r = Rng(seed)
    const, mult, shift = [], [], []
    for _ in range(64):
        m, e = r.int(0, (1 << 31) - 1), r.int(0, 31)
        q = r.int(-128, 127)
        for h in (q << e, (q << e) + (1 << e >> 1)):
            if m:
                for a in ((h << 31) // m, ((2 * h + 1) << 30) // m):
                    for d in (-2, -1, 0, 1, 2):
                        if -(1 << 31) <= a + d < 1 << 31:
                            const.append(a + d)
                            mult.append(m)
                            shift.append(-e)
    for a in (-(1 << 31), (1 << 31) - 1, -(1 << 31) + 1, -1, 0, 1, 1 << 30, -(1 << 30)):
        for m in ((1 << 31) - 1, 1 << 30, r.int(1 << 30, (1 << 31) - 1)):
            for s in (-31, -7, 0, 1, 5, 31):
                const.append(a >> (s if s > 0 else 0))
                mult.append(m)
                shift.append(s)
    n = len(const)
    fc_args = lambda out: (array("b", [0]), array("b", [0] * n), out, const, mult, shift, 1, 1, n, 0, 0,
                           -128, 127)
    dw_args = lambda out: (array("b", [0] * n), array("b", [0] * n), out, [0] * n, const, mult, shift,
                           (1, 1, 1, n, 1, 1, n, 1, 1, 1, 1, 1, 1, 1, 0, 0), 0, 0, -128, 127)
    for kind, plain, pack, args in (("fc", fc.fc_int8, pack_fc, fc_args),
                                    ("depthwise", conv.dwconv_int8, pack_depthwise, dw_args)):
        want, got = array("b", bytes(n)), array("b", bytes(n))
        plain(*args(want))
        kernel, packed = pack(plain, args(got))
        kernel(*packed)
        for v in want:
            if -128 < v < 127:
                interior[0] += 1
        interior[1] += n
        bad = [i for i in range(n) if want[i] != got[i]]
        if bad:
            i = bad[0]
            print("mismatch requant", kind, seed, len(bad), "of", n, "first acc", const[i], "mult", mult[i],
                  "shift", shift[i], want[i], got[i])


def declines_left_shift_above_31():
    args = (array("b", [1]), array("b", [1]), array("b", [0]), [0], [1 << 30], [32], 1, 1, 1, 0, 0, -128, 127)
    kernel, packed = pack_fc(fc.fc_int8, args)
    if kernel is not fc.fc_int8 or packed is not args:
        print("mismatch: a left shift of 32 was packed")


interior = [0, 0]
for seed in range(CASES):
    check("conv", conv_case, seed)
    check("depthwise", depthwise_case, seed)
    check("fc", fc_case, seed)
    requant_edges(seed)
declines_left_shift_above_31()
print("checked", CASES, "unsaturated", interior[0], "of", interior[1])
"""

SOFTMAX_SCRIPT = r"""
from array import array
from midge.nn import fixedpoint
from midge.nn.ops.softmax import softmax_int8
from midge.nn.ops._softmax_viper import pack_softmax, softmax
from midge.nn.qmath import bitlen, rdbpot, srdhm, wrap32


def tables(mult, shift):
    # prepare_softmax's tables for an input multiplier and left shift
    limit = (31 << 26) >> shift
    table = []
    for d in range(256):
        e = fixedpoint.exp_on_negative_values(srdhm(wrap32(-d << shift), mult), 5) if d <= limit else 0
        table += [e, rdbpot(e, 12)]
    return array("i", table), limit


def row_values(r, depth):
    mode = r.int(0, 7)
    if mode == 0:
        v = r.int(-128, 127)
        return [v] * depth                                  # all equal
    if mode == 1:
        xs = [-128] * depth                                 # one huge logit
        xs[r.int(0, depth - 1)] = 127
        return xs
    if mode == 2:
        top = r.int(-128, 127)                              # near the maximum
        return [max(-128, top - r.int(0, 6)) for _ in range(depth)]
    if mode == 3:
        return [r.pick((-128, 127)) for _ in range(depth)]
    return [r.int(-128, 127) for _ in range(depth)]


def case(r, sets):
    table, limit = sets[r.int(0, len(sets) - 1)]
    mode = r.int(0, 19)
    if mode == 0:
        rows, depth = 1, r.pick((1000, 1023, 1024, 1500, 2047, 4095, 4096, 4097, 6000, 8191))
    elif mode < 3:
        rows, depth = r.int(1, 3), r.int(100, 1200)
    else:
        rows, depth = r.int(1, 6), r.pick((1, 1, 2, 3, r.int(1, 40)))
    xs = []
    for _ in range(rows):
        xs += row_values(r, depth)
    return array("b", xs), rows, depth, table, limit


def check(seed, sets):
    r = Rng(seed)
    x, rows, depth, table, limit = case(r, sets)
    n = rows * depth
    want, got = array("b", bytes(n)), array("b", bytes(n))
    softmax_int8(x, want, rows, depth, table, limit)
    kernel, packed = pack_softmax(softmax_int8, (x, got, rows, depth, table, limit))
    if kernel is not softmax:
        print("not packed", seed)
    kernel(*packed)
    for v in want:
        if -128 < v < 127:
            stats[0] += 1
    stats[1] += n
    if want != got:
        bad = [i for i in range(n) if want[i] != got[i]]
        print("mismatch softmax", seed, "rows", rows, "depth", depth, len(bad), "of", n,
              "first", bad[0], want[bad[0]], got[bad[0]])


def reciprocal(seed, count):
    # one-value rows whose tables give any sum of exps T (1 .. 2**32 - 1) and any exp E:
    # the kernel's reciprocal and headroom (left in its parameters) and its output
    # against TFLM's GetReciprocal as the plain kernel computes it
    r = Rng(seed)
    x, want, got = array("b", [0]), array("b", [0]), array("b", [0])
    t = array("i", bytes(8 * 256))
    g = array("i", [1, 1, 1515870810, -1010580540, 0, 0])
    for i in range(count):
        mode = i % 6
        if mode == 0:
            total = (1 << 31) + r.int(0, (1 << 31) - 1)          # headroom 0, any a
        elif mode == 1:
            k = r.int(0, 31)
            total = (1 << k) + r.int(-2, 2)                       # powers of two
        elif mode == 2:
            total = r.int(1, 1 << r.int(1, 32))
        else:
            total = r.int(1 << 19, 1 << 31)                       # what rows sum to
        total = min(max(total, 1), (1 << 32) - 1)
        head = 32 - bitlen(total)
        recip = fixedpoint.one_over_one_plus_x(((total << head) & 0xFFFFFFFF) - (1 << 31))
        e = 35 - head
        exp = r.int(1, (1 << 31) - 1)
        if r.int(0, 1) and e <= 31:
            # an exp whose product lands on (or next to) the output's rounding boundary
            p = (r.int(0, 255) << e) + (1 << (e - 1)) + r.int(-1, 1)
            exp = min(max(((p << 31) - (1 << 30)) // recip + r.int(-1, 1), 1), (1 << 31) - 1)
        t[0] = exp
        t[1] = wrap32(total)
        softmax(0, 0, x, got, t, g)
        softmax_int8(x, want, 1, 1, [exp, total], 255)
        if g[4] != recip or g[5] != head or want[0] != got[0]:
            print("mismatch reciprocal", seed, "sum", total, "exp", exp, "recip", recip, g[4],
                  "headroom", head, g[5], "out", want[0], got[0])
            return
        stats[2] += 1


stats = [0, 0, 0]
r = Rng(7)
sets = []
for i in range(SETS):
    mult = r.pick((r.int(1 << 30, (1 << 31) - 1), (1 << 31) - 1, 1 << 30))
    shift = r.pick((r.int(0, 31), r.int(18, 27), r.int(18, 27)))
    sets.append(tables(mult, shift))
for seed in range(CASES):
    check(seed, sets)
reciprocal(1, PROBES)
print("checked", CASES, "unsaturated", stats[0], "of", stats[1], "probes", stats[2])
"""

POOL_SCRIPT = r"""
from array import array
from midge.nn.ops import pool as P
from midge.nn.ops._pool_viper import mean, pack_mean, pack_pool


def int8s(r, n):
    mode = r.int(0, 9)
    if mode == 0:
        return array("b", [r.pick((-128, 127)) for _ in range(n)])
    if mode == 1:
        return array("b", [r.pick((-128, 127))] * n)
    if mode == 2:
        v = r.int(-128, 127)
        return array("b", [max(-128, min(127, v + r.int(-2, 2))) for _ in range(n)])
    return array("b", [r.int(-128, 127) for _ in range(n)])


def bitlen(v):
    n = 0
    while v:
        v >>= 1
        n += 1
    return n


def pool_case(r):
    nb, c = r.int(1, 2), r.int(1, 9)
    fh, fw, sh, sw = r.int(1, 5), r.int(1, 5), r.int(1, 3), r.int(1, 3)
    h, wd, same = r.int(1, 12), r.int(1, 12), r.int(0, 1)
    dims = []
    for size, filt, stride in ((h, fh, sh), (wd, fw, sw)):
        o = (size + stride - 1) // stride if same else (size - filt + stride) // stride
        total = (o - 1) * stride + filt - size
        dims += [o, total // 2 if total > 0 else 0]
    oh, ph, ow, pw = dims
    if oh <= 0 or ow <= 0 or ph >= fh or pw >= fw:
        return None
    a, b = r.int(-128, 127), r.int(-128, 127)
    if r.int(0, 2):
        a, b = -128, 127
    x = int8s(r, nb * h * wd * c)
    geom = (nb, h, wd, c, oh, ow, fh, fw, sh, sw, ph, pw)
    return P.pool_int8, pack_pool, nb * oh * ow * c, lambda out: (x, out, geom, r.int(0, 1) == 1,
                                                                    min(a, b), max(a, b))


def mean_case(r):
    rank = r.int(1, 4)
    shape = tuple(r.int(1, 6) for _ in range(rank))
    axes = [a for a in range(rank) if r.int(0, 1)] or [r.int(0, rank - 1)]
    count = 1
    for a in axes:
        count *= shape[a]
    strides = [0] * rank
    stride = 1
    for i in range(rank - 1, -1, -1):
        if i not in axes:
            strides[i] = stride
            stride *= shape[i]
    n = 1
    for s in shape:
        n *= s
    # prepare_mean's multiplier over the count, from any QuantizeMultiplier result
    mult = r.pick((r.int(1 << 30, (1 << 31) - 1), 1 << 30, (1 << 31) - 1))
    shift = r.pick((r.int(-10, 2), r.int(-31, 31)))
    adjust = min(bitlen(count) - 1, 32, 31 + shift)
    mult = (mult << adjust) // count
    shift -= adjust
    izp, ozp = r.int(-128, 127), r.int(-128, 127)
    x = int8s(r, n)
    geom = (shape, tuple(strides), [0] * rank)
    return P.mean_int8, pack_mean, stride, lambda out: (x, out, n, geom, [0] * stride, count, izp, mult,
                                                        shift, ozp)


def check(kind, make, seed):
    r = Rng(seed)
    case = None
    while case is None:
        case = make(r)
    plain, pack, n, args = case
    state = r.s
    want, got = array("b", bytes(n)), array("b", bytes(n))
    plain(*args(want))
    r.s = state
    a = args(got)
    kernel, packed = pack(plain, a)
    if kernel is plain:
        if kind != "mean" or -31 <= a[8] <= 31:
            print("not packed", kind, seed)
        return
    kernel(*packed)
    kernel(*packed)
    for v in want:
        if -128 < v < 127:
            interior[0] += 1
    interior[1] += n
    if want != got:
        bad = [i for i in range(n) if want[i] != got[i]]
        print("mismatch", kind, seed, len(bad), "of", n, "first", bad[0], want[bad[0]], got[bad[0]])


interior = [0, 0]
for seed in range(CASES):
    check("pool", pool_case, seed)
    check("mean", mean_case, seed)
print("checked", CASES, "unsaturated", interior[0], "of", interior[1])
"""

ELEMENTWISE_SCRIPT = r"""
import gc
from array import array
from midge.nn import qmath
from midge.nn.ops import elementwise as E
from midge.nn.ops._elementwise_viper import addsub, mul, pack_addsub, pack_mul
from midge.nn.qmath import mbqm


def int8s(r, n):
    mode = r.int(0, 9)
    if mode == 0:
        return array("b", [r.pick((-128, 127)) for _ in range(n)])
    if mode == 1:
        return array("b", [r.pick((-128, 127))] * n)
    if mode == 2:
        v = r.int(-128, 127)
        return array("b", [max(-128, min(127, v + r.int(-2, 2))) for _ in range(n)])
    return array("b", [r.int(-128, 127) for _ in range(n)])


def size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def shapes(r):
    # output shape of rank 1..6; per axis both operands full, either one broadcast
    # or both 1; leading 1s of an operand sometimes dropped; rarely an empty axis
    if r.int(0, 5) == 0:
        shape = [r.int(1, 40)]
        return shape, shape, shape
    rank = r.pick((1, 2, 3, 4, 4, 4, 5, 6))
    top = 6 if rank <= 3 else 3
    out, sa, sb = [], [], []
    for _ in range(rank):
        n = r.int(1, top)
        kind = r.int(0, 4)
        out.append(n if kind < 4 else 1)
        sa.append(1 if kind in (1, 4) else n)
        sb.append(1 if kind in (2, 4) else n)
    if r.int(0, 40) == 0:
        i = r.int(0, rank - 1)
        out[i] = 0
        sa[i] = 0 if sa[i] != 1 or r.int(0, 1) else 1
        sb[i] = 0 if sa[i] == 1 else r.pick((0, 1))
    for s in (sa, sb):
        while len(s) > 1 and s[0] == 1 and r.int(0, 1):
            s.pop(0)
    return sa, sb, out


def clamp_range(r, zp):
    mode = r.int(0, 4)
    if mode == 0:
        a, b = r.int(-128, 127), r.int(-128, 127)
        return min(a, b), max(a, b)
    if mode == 1:
        return max(-128, zp), 127                    # RELU
    return -128, 127


def rand_scale(r):
    # a float32 scale as qmath's (m, e) pair
    return r.int(1 << 23, (1 << 24) - 1), r.int(-36, -20)


def boundary_accs(r, m, e, count, limit):
    # accumulators at and around both rounding boundaries (the high multiply's and the
    # right shift's) of outputs across int8 and beyond
    accs = []
    while len(accs) < count:
        q = r.int(-300, 300)
        for h in (q << e, (q << e) + (1 << e >> 1)):
            if m:
                for a in ((h << 31) // m, ((2 * h + 1) << 30) // m):
                    d = r.int(-2, 2)
                    if -limit <= a + d <= limit:
                        accs.append(a + d)
    return accs[:count]


def addsub_case(r, grid):
    sub = r.int(0, 1) == 1
    if grid:
        sa, sb, so = [256, 1], [1, 256], [256, 256]
        a = array("b", range(-128, 128))
        b = array("b", range(-128, 128))
    else:
        sa, sb, so = shapes(r)
        a, b = int8s(r, size(sa)), int8s(r, size(sb))
    geom = E.broadcast_geometry(None, sa, sb, so)
    ozp = r.int(-128, 127)
    mode = r.int(0, 3)
    if mode < 2:
        # prepare_addsub's arithmetic for random float32 scales and zero points
        s1, s2 = rand_scale(r), rand_scale(r)
        so_ = (r.int(1 << 23, (1 << 24) - 1), max(s1[1], s2[1]) + r.int(-3, 2))
        big = s2 if qmath.less(s1, s2) else s1
        twice = (big[0], big[1] + 1)
        fmt = qmath.F32 if sub else qmath.F64
        tables = []
        for s in (s1, s2):
            mt, st = qmath.quantize_multiplier(qmath.div(s, twice, fmt))
            zp = r.int(-128, 127)
            tables.append(array("i", [mbqm((v - zp) << 20, mt, st) for v in range(-128, 128)]))
        mult, shift = qmath.quantize_multiplier(qmath.div(twice, (so_[0], so_[1] + 20), fmt))
        if shift > 0 or not mult:
            return None
        ta, tb = tables
    elif mode == 2:
        # any tables within the rescaled range, any multiplier and right shift
        lim = 1 << 28
        ta = array("i", [r.int(-lim, lim) >> r.int(0, 20) for _ in range(256)])
        tb = array("i", [r.int(-lim, lim) >> r.int(0, 20) for _ in range(256)])
        mult, shift = r.pick((r.int(0, (1 << 31) - 1), r.int(1 << 30, (1 << 31) - 1))), r.int(-31, 0)
    else:
        # raw sums at the output's rounding boundaries
        mult, e = r.pick((r.int(1 << 30, (1 << 31) - 1), (1 << 31) - 1, 1 << 30)), r.int(0, 20)
        shift = -e
        ta = array("i", boundary_accs(r, mult, e, 256, (1 << 28) - 4))
        tb = array("i", [r.int(-2, 2) for _ in range(256)])
    amin, amax = clamp_range(r, ozp)
    return E.addsub_int8, pack_addsub, addsub, size(so), lambda out: (
        a, b, out, geom, ta, tb, -1 if sub else 1, mult, shift, ozp, amin, amax)


def mul_case(r, grid):
    if grid:
        sa, sb, so = [256, 1], [1, 256], [256, 256]
        a = array("b", range(-128, 128))
        b = array("b", range(-128, 128))
    else:
        sa, sb, so = shapes(r)
        a, b = int8s(r, size(sa)), int8s(r, size(sb))
    geom = E.broadcast_geometry(None, sa, sb, so)
    azp, bzp, ozp = r.int(-128, 127), r.int(-128, 127), r.int(-128, 127)
    mode = r.int(0, 3)
    if mode < 2:
        # prepare_mul's arithmetic for random float32 scales
        s1, s2, s3 = rand_scale(r), rand_scale(r), rand_scale(r)
        s3 = (s3[0], s1[1] + s2[1] + r.int(8, 23) + r.pick((0, 0, r.int(-12, 12))))
        mult, shift = qmath.quantize_multiplier(qmath.div(qmath.mul(s1, s2, qmath.F64), s3, qmath.F64))
    elif mode == 2:
        # any multiplier, any shift (left shifts wrap to int32 as TFLM's do)
        mult = r.pick((r.int(0, (1 << 31) - 1), r.int(1 << 30, (1 << 31) - 1), (1 << 31) - 1, 0))
        shift = r.pick((r.int(-31, 31), r.int(-16, -6), r.int(1, 31), r.int(30, 34)))
    else:
        # a product of two possible factors on (or next to) a rounding boundary
        x, y = r.int(-128, 127) - azp, r.int(-128, 127) - bzp
        p = abs(x * y) or 1
        e = r.int(0, 14)
        k = 0
        while not (p >> k) & 1:
            k += 1
        if r.int(0, 1) and k <= 30:
            # p * mult == (2h + 1) * 2**30 exactly: the high multiply's tie
            mult = (r.int(0, (1 << k) - 1) * 2 + 1) << (30 - k)
        else:
            h = r.int(0, p // 2)
            h = ((h >> e) << e) + r.pick((0, 1 << e >> 1))
            mult = r.pick((((2 * h + 1) << 30) // p, (h << 31) // p)) + r.int(-1, 1)
            mult = min(max(mult, 0), (1 << 31) - 1)
        shift = -e
    amin, amax = clamp_range(r, ozp)
    return E.mul_int8, pack_mul, mul, size(so), lambda out: (
        a, b, out, geom, -azp, -bzp, mult, shift, ozp, amin, amax)


def check(kind, make, seed, grid=False):
    r = Rng(seed)
    case = None
    while case is None:
        case = make(r, grid)
    plain, pack, viper, n, args = case
    want, got = array("b", bytes(n)), array("b", bytes(n))
    plain(*args(want))
    a = args(got)
    kernel, packed = pack(plain, a)
    if kernel is not viper:
        if not kind.startswith("mul") or a[7] <= 31:
            print("not packed", kind, seed)
        else:
            stats[2] += 1
        return
    kernel(*packed)
    gc.collect()
    before = gc.mem_alloc()
    kernel(*packed)
    grown = gc.mem_alloc() - before
    if grown:
        print("mismatch: allocates", grown, kind, seed)
    for v in want:
        if -128 < v < 127:
            stats[0] += 1
    stats[1] += n
    if want != got:
        bad = [i for i in range(n) if want[i] != got[i]]
        print("mismatch", kind, seed, len(bad), "of", n, "first", bad[0], want[bad[0]], got[bad[0]])


stats = [0, 0, 0]
for seed in range(CASES):
    check("addsub", addsub_case, seed)
    check("mul", mul_case, seed)
for seed in range(GRIDS):
    check("addsub grid", addsub_case, 100000 + seed, True)
    check("mul grid", mul_case, 100000 + seed, True)
print("checked", CASES, GRIDS, "unsaturated", stats[0], "of", stats[1], "declined", stats[2])
"""

ALLOC_SCRIPT = r"""
import gc
import midge.nn
from midge.nn.ops import _conv_viper, _dwconv_viper, _elementwise_viper, _fc_viper, _pool_viper, _softmax_viper

VIPER = (_conv_viper.conv, _dwconv_viper.dwconv, _fc_viper.matmul, _softmax_viper.softmax,
         _pool_viper.pool, _pool_viper.mean, _elementwise_viper.addsub, _elementwise_viper.mul)
from midge import fast
if fast.ASM:  # the ARM core's asm_thumb kernels stand for viper ones
    from midge.nn.ops import _conv_asm, _dwconv_asm, _fc_asm
    VIPER += (_fc_asm._kernel.matmul, _conv_asm.conv, _dwconv_asm._kernel.dwconv)
before = 0  # made before any count: the globals growing for a new name would count as the op's
for path in PATHS:
    m = midge.nn.load(path)
    m.invoke()
    used = 0
    for (kernel, args), (name, _) in zip(m._steps, m.ops):
        viper = kernel in VIPER
        used += viper
        kernel(*args)
        gc.collect()
        before = gc.mem_alloc()
        kernel(*args)
        print("alloc", gc.mem_alloc() - before, name, "viper" if viper else kernel.__name__)
    gc.collect()
    before = gc.mem_alloc()
    m.invoke()
    print("invoke", gc.mem_alloc() - before)
    print("viper kernels", used)
"""

# ops that must run a viper kernel when viper is on (a plain CONV_2D, say, would be a bug)
VIPER_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "AVERAGE_POOL_2D",
             "MAX_POOL_2D", "MEAN", "ADD", "SUB", "MUL"}


def kernel_check(runner):
    out = runner(f"CASES = {CASES}\n" + RNG_SCRIPT + KERNELS_SCRIPT)
    problems = [line for line in out.splitlines() if line.startswith(("mismatch", "not packed"))]
    assert not problems, "\n".join(problems[:20])
    done = [line.split() for line in out.splitlines() if line.startswith("checked")]
    assert done and done[0][1] == str(CASES), out
    unsaturated, total = int(done[0][3]), int(done[0][5])
    assert unsaturated > total // 2, f"only {unsaturated} of {total} outputs are inside int8: a weak test"


def alloc_check(runner, paths):
    """Every listed model runs its VIPER_OPS as viper kernels (a model with one of them
    runs at least one viper kernel), and no op allocates during an invoke but a float32
    input's QUANTIZE (floats are heap objects); the whole invoke of a model without one
    allocates 0 B."""
    out = runner(f"PATHS = {[str(p) for p in paths]!r}\n" + ALLOC_SCRIPT)
    counts = [int(line.split()[-1]) for line in out.splitlines() if line.startswith("viper kernels")]
    assert len(counts) == len(paths), out
    model = 0
    per_op = 0
    has_viper_op = False
    for line in out.splitlines():
        if line.startswith("alloc"):
            _, grown, op, kernel = line.split()
            assert kernel == "viper" or op not in VIPER_OPS, f"{paths[model]}: {op} runs plain {kernel}"
            assert int(grown) == 0 or kernel == "quantize_f32", f"{paths[model]}: {line}"
            per_op += int(grown)
            has_viper_op = has_viper_op or op in VIPER_OPS
        elif line.startswith("invoke"):
            # int8 models: 0 B; float32 input: what its QUANTIZE's floats take
            assert int(line.split()[1]) == 0 or per_op, f"{paths[model]}: {line}\n{out}"
        elif line.startswith("viper kernels"):
            assert int(line.split()[-1]) or not has_viper_op, f"{paths[model]}: no viper kernel\n{out}"
            model += 1
            per_op = 0
            has_viper_op = False


def softmax_check(runner, cases=SOFTMAX_CASES, probes=RECIPROCAL_PROBES):
    out = runner(f"SETS, CASES, PROBES = {SOFTMAX_TABLES}, {cases}, {probes}\n" + RNG_SCRIPT + SOFTMAX_SCRIPT)
    problems = [line for line in out.splitlines() if line.startswith(("mismatch", "not packed"))]
    assert not problems, "\n".join(problems[:20])
    done = [line.split() for line in out.splitlines() if line.startswith("checked")]
    assert done and done[0][1] == str(cases) and done[0][7] == str(probes), out
    unsaturated, total = int(done[0][3]), int(done[0][5])
    assert unsaturated > total // 20, f"only {unsaturated} of {total} outputs are inside int8: a weak test"


def pool_check(runner):
    out = runner(f"CASES = {POOL_CASES}\n" + RNG_SCRIPT + POOL_SCRIPT)
    problems = [line for line in out.splitlines() if line.startswith(("mismatch", "not packed"))]
    assert not problems, "\n".join(problems[:20])
    done = [line.split() for line in out.splitlines() if line.startswith("checked")]
    assert done and done[0][1] == str(POOL_CASES), out
    unsaturated, total = int(done[0][3]), int(done[0][5])
    assert unsaturated > total // 2, f"only {unsaturated} of {total} outputs are inside int8: a weak test"


def elementwise_check(runner):
    out = runner(f"CASES, GRIDS = {ELEMENTWISE_CASES}, {ELEMENTWISE_GRIDS}\n" + RNG_SCRIPT
                 + ELEMENTWISE_SCRIPT)
    problems = [line for line in out.splitlines() if line.startswith(("mismatch", "not packed"))]
    assert not problems, "\n".join(problems[:20])
    done = [line.split() for line in out.splitlines() if line.startswith("checked")]
    assert done and done[0][1:3] == [str(ELEMENTWISE_CASES), str(ELEMENTWISE_GRIDS)], out
    unsaturated, total, declined = int(done[0][4]), int(done[0][6]), int(done[0][8])
    assert unsaturated > total // 2, f"only {unsaturated} of {total} outputs are inside int8: a weak test"
    assert declined, "no MUL with a left shift above 31 was tried"


def suite_models(tmp_path, names):
    """Paths of midge_host.modelgen's models ``names`` for weight seeds 0 and 1 (cached builds)."""
    modelgen = pytest.importorskip("midge_host.modelgen")
    from midge_host.errors import MidgeError
    paths = []
    for name in names:
        for seed in (0, 1):
            path = tmp_path / f"{name}-{seed}.tflite"
            try:
                path.write_bytes(modelgen.build_model(name, seed))
            except MidgeError as exc:
                pytest.skip(f"cannot build the generated models: {exc}")
            paths.append(path)
    return paths


# generated models with SOFTMAX, MEAN, AVERAGE_POOL_2D, MAX_POOL_2D, ADD, SUB or MUL
SUITE_WITH_NEW_KERNELS = ("dense", "activations", "keras_kws", "float_dense", "keras_motion", "pool",
                          "broadcast")


def all_suite_models(tmp_path):
    """Every generated model (weight seeds 0 and 1)."""
    modelgen = pytest.importorskip("midge_host.modelgen")
    return suite_models(tmp_path, list(modelgen.SPECS))


@pytest.fixture
def reference_models(hello_world_model, micro_speech_model, person_detect_model):
    """TFLM's hello_world, micro_speech and person_detect, or the generated ones like them."""
    return [hello_world_model, micro_speech_model, person_detect_model]


def unix64(code):
    return run_micropython(code=code, viper=True, timeout=600).check()


def test_viper_kernels_equal_plain_kernels_on_random_ops():
    kernel_check(unix64)


def test_viper_softmax_equals_plain_softmax():
    softmax_check(unix64)


def test_viper_pooling_and_mean_equal_plain_kernels():
    pool_check(unix64)


def test_viper_add_sub_mul_equal_plain_kernels():
    elementwise_check(unix64)


def test_models_use_viper_kernels_that_allocate_nothing(reference_models, tmp_path):
    alloc_check(unix64, reference_models + all_suite_models(tmp_path))


# --- 32-bit machine ints: micropython32 (x86 code) and the Thumb test bed (Cortex-M code) ---

def runner32(executable=None):
    """Run device code on the 32-bit port (``executable``: the Thumb test bed) and check it."""
    def run(code=None, path=None, args=()):
        return run_micropython(code=code, path=path, args=args, bits=32, executable=executable,
                               timeout=2400).check()

    return run


@pytest.fixture(params=["i386", "thumb"])
def unix32(request):
    if request.param == "i386":
        return runner32()
    executable = thumb_executable()
    assert executable, "make setup builds the Thumb test bed (gcc-arm-linux-gnueabihf, qemu-user)"
    return runner32(executable)


def test_viper_kernels_equal_plain_kernels_with_32_bit_ints(unix32):
    kernel_check(unix32)


@pytest.fixture
def thumb_m0(monkeypatch):
    """The Thumb test bed running the Thumb-1 (Cortex-M0+) asm kernels (MIDGE_ASM=armv6m)."""
    executable = thumb_executable()
    assert executable, "make setup builds the Thumb test bed (gcc-arm-linux-gnueabihf, qemu-user)"
    monkeypatch.setenv("MIDGE_ASM", "armv6m")
    return runner32(executable)


def test_armv6m_asm_kernels_equal_plain_kernels(thumb_m0):
    # (the thumb run above takes the DSP extension's kernels: the test bed is an armv7em core)
    assert "armv6m" in thumb_m0(code="from midge import fast; print(fast.ASM)")
    kernel_check(thumb_m0)


def test_armv6m_asm_kernels_allocate_nothing_and_match_tflm(thumb_m0, reference_models, person_detect_inputs,
                                                            tmp_path):
    alloc_check(thumb_m0, reference_models)
    test_reference_models_match_tflm_with_32_bit_ints(thumb_m0, reference_models, person_detect_inputs, tmp_path)


def test_viper_softmax_equals_plain_softmax_with_32_bit_ints(unix32):
    softmax_check(unix32)


def test_viper_pooling_and_mean_equal_plain_kernels_with_32_bit_ints(unix32):
    pool_check(unix32)


def test_viper_add_sub_mul_equal_plain_kernels_with_32_bit_ints():
    # i386 only: on the Thumb test bed the plain reference kernels make this a minute
    # under qemu; ADD, SUB and MUL run there in the broadcast model's TFLM parity below
    elementwise_check(runner32())


def test_viper_kernels_allocate_nothing_with_32_bit_ints(unix32, reference_models, tmp_path):
    alloc_check(unix32, reference_models + all_suite_models(tmp_path))


def test_reference_models_match_tflm_with_32_bit_ints(unix32, reference_models, person_detect_inputs, tmp_path):
    hello, micro_speech, person_detect = reference_models
    rng = np.random.default_rng(32)
    cases = [
        (hello, np.arange(-128, 128, dtype=np.int8).reshape(256, 1, 1)),
        (micro_speech, rng.integers(-128, 128, size=(12, 1, 1960), dtype=np.int8)),
        (person_detect, person_detect_inputs),
    ]
    for model, x in cases:
        want = run_tflm(model, [x])
        src, dst = tmp_path / "inputs.bin", tmp_path / "outputs.bin"
        src.write_bytes(b"".join(_records(model, [x])))
        unix32(path=RUNNER, args=[str(model), str(src), str(dst)])
        got = _split(dst.read_bytes(), _output_specs(model), len(x))
        for g, w in zip(got, want):
            assert np.array_equal(g, w), f"{model.name}: 32-bit viper differs from TFLM"


def generated_parity_check(unix32, tmp_path, names, records=24):
    modelgen = pytest.importorskip("midge_host.modelgen")
    for model in suite_models(tmp_path, names):
        inputs = modelgen.random_inputs(model.read_bytes(), records, seed=32)
        # plus a record at the low end and one at the high end of every int8 input
        # (float inputs: zeros)
        inputs = [np.concatenate([x] + [np.full((1,) + x.shape[1:], v if x.dtype == np.int8 else 0, x.dtype)
                                        for v in (-128, 127)])
                  for x in inputs]
        want = run_tflm(model, inputs)
        src, dst = tmp_path / "inputs.bin", tmp_path / "outputs.bin"
        src.write_bytes(b"".join(_records(model, inputs)))
        unix32(path=RUNNER, args=[str(model), str(src), str(dst)])
        got = _split(dst.read_bytes(), _output_specs(model), len(inputs[0]))
        for g, w in zip(got, want):
            assert np.array_equal(g, w), f"{model.name}: 32-bit viper differs from TFLM"


def test_broadcast_model_matches_tflm_with_32_bit_ints(unix32, tmp_path):
    # ADD, SUB and MUL with every broadcast, a constant operand and fused RELU
    generated_parity_check(unix32, tmp_path, ("broadcast",), records=200)


@pytest.mark.slow
def test_generated_models_with_viper_kernels_match_tflm_with_32_bit_ints(unix32, tmp_path):
    generated_parity_check(unix32, tmp_path, [n for n in SUITE_WITH_NEW_KERNELS if n != "broadcast"])
