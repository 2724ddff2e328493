"""Exact integer math for building DSP tables (plain Python, arbitrary-precision ints).

Extractors compute their constants (FFT twiddles, DCT matrices, filter
coefficients, mel edges) with these functions at construction, so a board with
single-precision floats, the unix port and CPython build the very same tables:
no float enters a table. They allocate (long ints) and are meant for
construction time, not for the per-frame path.

``isqrt(n)``: floor(sqrt(n)) for any n >= 0;
``sin_cos(num, den, bits)``: sin and cos of 2*pi*num/den, rounded to Q``bits``;
``round_div(a, b)``: a / b rounded half away from zero (b > 0);
``bit_length(x)``: bits needed for x >= 0 (from midge.bits);
``samples_of(name, ms, rate)``: whole samples in ``ms`` at ``rate`` Hz, or ValueError.
"""

from midge.bits import bit_length

PI_Q64 = 57952155664616982739  # round(pi * 2**64)
_GUARD = 24  # extra fraction bits carried through the series


def isqrt(n):
    """floor(sqrt(n)) for an int n >= 0 (Newton's method on ints)."""
    if n < 0:
        raise ValueError("isqrt of a negative number")
    if n < 2:
        return n
    x = 1 << ((bit_length(n) + 1) >> 1)
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            return x
        x = y


def round_div(a, b):
    """a / b rounded to the nearest int, halves away from zero (b > 0)."""
    if a >= 0:
        return (2 * a + b) // (2 * b)
    return -((-2 * a + b) // (2 * b))


def _sin_cos_quarter(num, den, q):
    """sin and cos of (pi/2) * num/den, 0 <= num <= den, in Q``q`` (Taylor series)."""
    x = (PI_Q64 * num // den) >> (65 - q)  # (pi / 2) * num / den in Q q
    one = 1 << q
    x2 = (x * x) >> q
    s = term = x
    n = 1
    while term:
        term = -((term * x2) >> q) // ((n + 1) * (n + 2))
        s += term
        n += 2
    c = term = one
    n = 0
    while term:
        term = -((term * x2) >> q) // ((n + 1) * (n + 2))
        c += term
        n += 2
    return s, c


def sin_cos(num, den, bits=15):
    """(sin, cos) of 2*pi*num/den rounded to Q``bits`` ints (den > 0).

    Exact at multiples of pi/2 and symmetric by quadrant, so tables built from
    it keep the identities (cos(0) == 1 << bits, sin(pi) == 0).
    """
    num %= den
    quadrant = (4 * num) // den
    rest = 4 * num - quadrant * den  # angle within the quadrant: (pi/2) * rest/den
    q = bits + _GUARD
    s, c = _sin_cos_quarter(rest, den, q)
    half = 1 << (_GUARD - 1)
    s = (s + half) >> _GUARD
    c = (c + half) >> _GUARD
    if quadrant == 0:
        return s, c
    if quadrant == 1:
        return c, -s
    if quadrant == 2:
        return -s, -c
    return -c, s


def samples_of(name, ms, rate):
    """Whole number of samples in ``ms`` milliseconds at ``rate`` Hz, or ValueError."""
    if not isinstance(ms, (int, float)) or ms <= 0:
        raise ValueError("%s must be a positive number of milliseconds, got %r" % (name, ms))
    exact = ms * rate / 1000
    n = int(exact + 0.5)
    if n < 1 or abs(exact - n) > 1e-3:
        raise ValueError("%s of %r ms is not a whole number of samples at %d Hz (%r)"
                         % (name, ms, rate, exact))
    return n
