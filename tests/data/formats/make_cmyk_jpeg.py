#!/usr/bin/env python3
"""Writes a CMYK JPEG (Adobe, inverted inks, as Photoshop and libvips write them) of a picture,
separated naively (grey component replacement), with a CMYK ICC profile embedded.
Usage: make_cmyk_jpeg.py base.png profile.icc out.jpg (needs pyvips and numpy)."""
import sys
import numpy as np
import pyvips

base, profile, out = sys.argv[1:4]
img = pyvips.Image.new_from_file(base)
a = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8,
               shape=(img.height, img.width, img.bands))[:, :, :3].astype(float) / 255
k = 1 - a.max(axis=2)
rest = np.maximum(1 - k, 1e-6)
inks = [(1 - a[:, :, ch] - k) / rest for ch in range(3)] + [k]
cmyk = (np.stack(inks, axis=2) * 255).round().clip(0, 255).astype(np.uint8)
pyvips.Image.new_from_memory(cmyk.tobytes(), img.width, img.height, 4, 'uchar') \
    .copy(interpretation='cmyk').jpegsave(out, Q=95, profile=profile)
