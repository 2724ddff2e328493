"""Viper twin of midge.sensors.camera's box resize (imported only where viper works)."""

import micropython


@micropython.viper
def box(src: ptr8, stride: int, xs: ptr16, xe: ptr16, ys: ptr16, ye: ptr16, dw: int, dh: int, dst: ptr8, flip: int):
    o = 0
    oy = 0
    while oy < dh:
        y0 = ys[oy]
        y1 = ye[oy]
        ox = 0
        while ox < dw:
            x0 = xs[ox]
            x1 = xe[ox]
            s = 0
            y = y0
            while y < y1:
                row = y * stride
                x = x0
                while x < x1:
                    s += src[row + x]
                    x += 1
                y += 1
            cnt = (y1 - y0) * (x1 - x0)
            dst[o] = ((s + (cnt >> 1)) // cnt) ^ flip
            o += 1
            ox += 1
        oy += 1
