#!/usr/bin/env python3
"""Writes a Display P3 matrix/TRC ICC v2 profile (D50-adapted P3-D65 colorants, sRGB tone curve)
made from the published primaries: our own work, free of any licence."""
import struct, sys
from icc_v2 import s15, xyz, desc, text, profile
# parametric curve, function type 3 (the sRGB curve)
para = b'para\0\0\0\0' + struct.pack('>HH', 3, 0) + s15(2.4) + s15(1 / 1.055) + s15(0.055 / 1.055) + s15(1 / 12.92) + s15(0.04045)
tags = [(b'desc', desc('Display P3 (fanlight test profile)')), (b'cprt', text('No copyright, use freely')),
        (b'wtpt', xyz(0.964203, 1.0, 0.824905)),
        (b'rXYZ', xyz(0.515102, 0.241182, -0.001050)), (b'gXYZ', xyz(0.291965, 0.692236, 0.041882)),
        (b'bXYZ', xyz(0.157153, 0.066582, 0.784378)),
        (b'rTRC', para), (b'gTRC', para), (b'bTRC', para)]
open(sys.argv[1], 'wb').write(profile(b'mntr', b'RGB ', b'XYZ ', (0.9642, 1.0, 0.8249), tags))
