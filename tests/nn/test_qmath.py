"""midge.nn.qmath derives TFLM's multipliers with integer-only arithmetic.

Checked against CPython's IEEE double and numpy's float32 arithmetic on many
random float32 scales (the host computes what TFLM computes in C), and the
derivation is re-run under the unix port to prove it needs no double floats.
"""

import math
import random
import struct

import numpy as np
import pytest

from midge.nn import qmath
from midge.nn.qmath import F32, F64


def _bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _value(a):
    return math.ldexp(a[0], a[1])


def _tflm_quantize_multiplier(d):
    """TFLM QuantizeMultiplier in CPython doubles (std::round = half away from zero)."""
    if d == 0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = math.floor(q * (1 << 31) + 0.5)
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def _random_scales(n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(float(np.float32(rng.uniform(1, 2) * 2.0 ** rng.randint(-20, 6))))
    out += [float(np.float32(1 / 256)), float(np.float32(1.0)), float(np.float32(0.1)),
            float(np.nextafter(np.float32(1.0), np.float32(2.0)))]
    return out


def test_double_and_float_ops_match_ieee():
    scales = _random_scales(3000, 1)
    rng = random.Random(2)
    for _ in range(3000):
        a, b, c = rng.choice(scales), rng.choice(scales), rng.choice(scales)
        qa, qb, qc = (qmath.from_f32_bits(_bits(v)) for v in (a, b, c))
        assert _value(qmath.div(qmath.mul(qa, qb, F64), qc, F64)) == a * b / c
        assert _value(qmath.div(qa, qc, F64)) == a / c
        f32 = np.float32
        assert _value(qmath.mul(qa, qb, F32)) == float(f32(a) * f32(b))
        assert _value(qmath.div(qa, qb, F32)) == float(f32(a) / f32(b))
        assert _value(qmath.div(qmath.mul(qa, qb, F32), qc, F64)) == float(f32(a) * f32(b)) / c


def test_quantize_multiplier_matches_tflm_formula():
    scales = _random_scales(3000, 3)
    rng = random.Random(4)
    for _ in range(5000):
        a, b, c = rng.choice(scales), rng.choice(scales), rng.choice(scales)
        real = a * b / c
        exact = qmath.div(qmath.mul(*(qmath.from_f32_bits(_bits(v)) for v in (a, b)), F64),
                          qmath.from_f32_bits(_bits(c)), F64)
        assert qmath.quantize_multiplier(exact) == _tflm_quantize_multiplier(real)


def test_quantize_multiplier_rounds_up_to_two_pow_31():
    # a double just below 1.0: q * 2**31 rounds to 2**31, TFLM halves it and bumps the shift
    below_one = (2 ** 53 - 1, -53)
    assert qmath.quantize_multiplier(below_one) == (1 << 30, 1) == _tflm_quantize_multiplier(1 - 2 ** -53)
    assert qmath.quantize_multiplier((1, -40)) == (0, 0)


def test_subnormal_and_invalid_scales():
    assert _value(qmath.from_f32_bits(1)) == 2.0 ** -149
    with pytest.raises(ValueError):
        qmath.from_f32_bits(0x7F800000)
    with pytest.raises(ValueError):
        qmath.div((1, 0), (0, 0), F64)


def _srdhm_ref(a, b):
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return int(np.int64(ab + nudge) // (1 << 31)) if ab + nudge >= 0 else -((-(ab + nudge)) // (1 << 31))


def test_fixed_point_primitives():
    rng = random.Random(5)
    values = [rng.randint(-(1 << 31), (1 << 31) - 1) for _ in range(2000)] + [-(1 << 31), (1 << 31) - 1, 0, -1, 1]
    for a in values:
        b = rng.choice(values)
        assert qmath.srdhm(a, b) == _srdhm_ref(a, b)
        e = rng.randint(0, 31)
        mask = (1 << e) - 1
        expected = (a >> e) + (1 if (a & mask) > (mask >> 1) + (a < 0) else 0)
        assert qmath.rdbpot(a, e) == expected
        # RoundingDivideByPOT is division rounded to nearest, ties away from zero
        assert qmath.rdbpot(a, e) == int(math.copysign(math.floor(abs(a) / 2 ** e + 0.5), a))


def test_activation_range_uses_float32_division():
    scale = float(np.float32(0.0235294))
    zp = -128
    lo, hi = qmath.activation_range(3, _bits(scale), zp)
    assert lo == -128
    assert hi == min(127, zp + int(np.round(np.float32(6.0) / np.float32(scale))))


def test_derivation_runs_without_doubles_on_the_unix_port(run_mpy):
    cases = [(_bits(a), _bits(b), _bits(c)) for a, b, c in zip(*[iter(_random_scales(300, 9)[:300])] * 3)]
    code = (
        "from midge.nn import qmath\n"
        "for a, b, c in %r:\n"
        "    fa, fb, fc = (qmath.from_f32_bits(v) for v in (a, b, c))\n"
        "    print(*qmath.quantize_multiplier(qmath.div(qmath.mul(fa, fb, qmath.F64), fc, qmath.F64)))\n" % cases)
    out = run_mpy(code=code).check().split("\n")
    for (a, b, c), line in zip(cases, out):
        fa, fb, fc = (struct.unpack("<f", struct.pack("<I", v))[0] for v in (a, b, c))
        assert tuple(int(v) for v in line.split()) == _tflm_quantize_multiplier(fa * fb / fc)
