#!/usr/bin/env python3
"""Writes a Display P3 matrix/TRC ICC v2 profile (D50-adapted P3-D65 colorants, sRGB tone curve)
made from the published primaries: our own work, free of any licence."""
import struct, sys
def s15(v): return struct.pack('>i', round(v * 65536))
def xyz(x, y, z): return b'XYZ \0\0\0\0' + s15(x) + s15(y) + s15(z)
def desc(text):
    t = text.encode() + b'\0'
    return b'desc\0\0\0\0' + struct.pack('>I', len(t)) + t + b'\0' * 4 + b'\0' * 4 + b'\0' * 2 + b'\0' + b'\0' * 67
def text(t): return b'text\0\0\0\0' + t.encode() + b'\0'
# parametric curve, function type 3 (the sRGB curve)
para = b'para\0\0\0\0' + struct.pack('>HH', 3, 0) + s15(2.4) + s15(1 / 1.055) + s15(0.055 / 1.055) + s15(1 / 12.92) + s15(0.04045)
tags = [(b'desc', desc('Display P3 (fanlight test profile)')), (b'cprt', text('No copyright, use freely')),
        (b'wtpt', xyz(0.964203, 1.0, 0.824905)),
        (b'rXYZ', xyz(0.515102, 0.241182, -0.001050)), (b'gXYZ', xyz(0.291965, 0.692236, 0.041882)),
        (b'bXYZ', xyz(0.157153, 0.066582, 0.784378)),
        (b'rTRC', para), (b'gTRC', para), (b'bTRC', para)]
table = struct.pack('>I', len(tags))
data = b''
offset = 128 + 4 + 12 * len(tags)
shared = {}
for sig, body in tags:
    while len(body) % 4: body += b'\0'
    if body in shared:
        table += struct.pack('>4sII', sig, *shared[body]); continue
    shared[body] = (offset + len(data), len(body))
    table += struct.pack('>4sII', sig, offset + len(data), len(body))
    data += body
size = 128 + len(table) + len(data)
header = struct.pack('>I4sI4s4s4s', size, b'none', 0x02100000, b'mntr', b'RGB ', b'XYZ ') + b'\0' * 12 + b'acsp' + b'\0' * 4 + b'\0' * 4 + b'\0' * 8 + b'\0' * 8 + struct.pack('>I', 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b'\0' * 4 + b'\0' * 16 + b'\0' * 28
assert len(header) == 128, len(header)
open(sys.argv[1], 'wb').write(header + table + data)
