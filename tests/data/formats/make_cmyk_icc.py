#!/usr/bin/env python3
"""Writes a CMYK printer ICC v2 profile: an A2B0 lut16 table (CMYK -> Lab D50, 7 points a side)
from a made-up press model (dot gain, inks that are not pure, a black that is not black, under
a slightly warm paper), so a naive CMYK to RGB conversion is visibly wrong for it. Our own work,
free of any licence."""
import struct, sys
from icc_v2 import s15, xyz, desc, text, profile

GRID = 7

def srgb_to_lab(r, g, b):
    """sRGB (0..1) to CIE Lab, D50 (the ICC connection space), through the Bradford-adapted matrix."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    m = ((0.4360747, 0.3850649, 0.1430804), (0.2225045, 0.7168786, 0.0606169), (0.0139322, 0.0971045, 0.7141733))
    x, y, z = (sum(m[i][j] * lin[j] for j in range(3)) for i in range(3))
    wx, wy, wz = 0.9642, 1.0, 0.8249
    def f(t): return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    fx, fy, fz = f(x / wx), f(y / wy), f(z / wz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

def press(c, m, y, k):
    """The made-up press: ink coverage 0..1 to the sRGB colour printed."""
    gain = lambda v: v + 0.18 * v * (1 - v) * 4 * 0.5  # dot gain, largest in the mid-tones
    c, m, y, k = map(gain, (c, m, y, k))
    paper = (0.97, 0.95, 0.90)
    # Each ink absorbs mostly its own channel and a little of the others.
    absorb = {'c': (0.88, 0.22, 0.06), 'm': (0.10, 0.85, 0.30), 'y': (0.02, 0.08, 0.90), 'k': (0.90, 0.90, 0.88)}
    out = []
    for ch in range(3):
        t = paper[ch]
        for ink, amount in (('c', c), ('m', m), ('y', y), ('k', k)):
            t *= 1 - absorb[ink][ch] * amount
        out.append(min(1.0, max(0.0, t)))
    return out

def lut16():
    """lut16Type, 4 inputs, 3 outputs, identity curves, a GRID^4 table in the legacy 16-bit Lab
    encoding (L 0..100 -> 0..0xFF00, a and b -128..127.996 -> 0..0xFFFF)."""
    body = b'mft2\0\0\0\0' + struct.pack('>BBBB', 4, 3, GRID, 0)
    body += b''.join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    body += struct.pack('>HH', 2, 2)
    body += struct.pack('>HH', 0, 0xFFFF) * 4
    steps = [i / (GRID - 1) for i in range(GRID)]
    for c in steps:
        for m in steps:
            for y in steps:
                for k in steps:
                    l, a, b = srgb_to_lab(*press(c, m, y, k))
                    enc = (l * 0xFF00 / 100, (a + 128) * 256, (b + 128) * 256)
                    body += struct.pack('>HHH', *(min(0xFFFF, max(0, round(v))) for v in enc))
    body += struct.pack('>HH', 0, 0xFFFF) * 3
    return body

wx, wy, wz = 0.9642, 1.0, 0.8249
table_a2b = lut16()
tags = [(b'desc', desc('fanlight test press (CMYK)')), (b'cprt', text('No copyright, use freely')),
        (b'wtpt', xyz(wx, wy, wz)), (b'A2B0', table_a2b), (b'A2B1', table_a2b)]
open(sys.argv[1], 'wb').write(profile(b'prtr', b'CMYK', b'Lab ', (wx, wy, wz), tags))
