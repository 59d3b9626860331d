"""PSNR of shrink-on-load outputs against full-decode outputs of the same job.

    python3 scripts/shrink_psnr.py target/release/fanlight DIR [OUT]

Runs J1 (1920 inside, unsharp, watermark, q85) and J3 (320x320 cover, q80) on DIR twice, with
and without --no-shrink-on-load, and prints, per photo and job, the DCT scale the photo was
decoded at (from the output and input sizes: not printed by fanlight) and the PSNR (RGB, dB) of
the shrunk output against the full-decode one. Needs Pillow and numpy. Outputs are kept under OUT
(default: a temporary folder) to look at.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

JOBS = {
    "J1": ["--resize", "1920x1920", "--filter", "unsharp:sigma=1.0,amount=1.0",
           "--watermark", "(c) Example 2026", "--font-size", "36", "--opacity", "0.5",
           "--gravity", "bottom-right", "--margin", "24", "--format", "jpeg", "--quality", "85"],
    "J3": ["--resize", "320x320", "--fit", "cover", "--format", "jpeg", "--quality", "80"],
}


def psnr(a, b):
    a = np.asarray(a.convert("RGB"), dtype=np.float64)
    b = np.asarray(b.convert("RGB"), dtype=np.float64)
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def main():
    binary, src = sys.argv[1], sys.argv[2]
    out = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="shrink-psnr-")
    print(f"outputs in {out}")
    print("| photo | job | PSNR shrunk vs full (dB) |")
    print("|---|---|---:|")
    for job, opts in JOBS.items():
        for mode, extra in (("shrunk", []), ("full", ["--no-shrink-on-load"])):
            dst = os.path.join(out, f"{job}-{mode}")
            subprocess.run([binary, "convert", src, "-o", dst, *opts, *extra,
                            "--progress", "none", "-q"], check=True)
        for name in sorted(os.listdir(os.path.join(out, f"{job}-full"))):
            full = Image.open(os.path.join(out, f"{job}-full", name))
            shrunk = Image.open(os.path.join(out, f"{job}-shrunk", name))
            print(f"| {name} | {job} | {psnr(shrunk, full):.2f} |")


if __name__ == "__main__":
    main()
