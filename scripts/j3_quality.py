"""What shrink-on-load costs in quality on J3's thumbnails (320x320 cover), fanlight against Pillow.

Each tool makes every thumbnail twice, as PNG (no JPEG noise): with its shrink-on-load (fanlight's
DCT scale with its margin; Pillow's draft mode, as scripts/pillow_j3.py) and from a full decode
(`--no-shrink-on-load`; Pillow without draft). Prints, per photo, the PSNR of each tool's shrunk
thumbnail against its own full-decode one, then the median and the minimum.

    python3 scripts/j3_quality.py DIR [--fanlight target/release/fanlight]

Needs Pillow and numpy (pip install pillow numpy).
"""
import argparse
import glob
import os
import statistics
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageOps


def pillow_thumbnail(src, out, draft):
    with Image.open(src) as im:
        w, h = im.size
        scale = 320 / min(w, h)
        if draft:
            im.draft("RGB", (int(w * scale) + 1, int(h * scale) + 1))
        im = ImageOps.exif_transpose(im)
        im = ImageOps.fit(im.convert("RGB"), (320, 320), Image.Resampling.LANCZOS)
        im.save(out)


def psnr(a, b):
    a = np.asarray(Image.open(a).convert("RGB"), dtype=np.float64)
    b = np.asarray(Image.open(b).convert("RGB"), dtype=np.float64)
    mse = ((a - b) ** 2).mean()
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--fanlight", default="target/release/fanlight")
    args = parser.parse_args()
    # Relative paths: fanlight keeps the folder tree in its output.
    files = sorted(os.path.relpath(f, args.dir)
                   for f in glob.glob(os.path.join(args.dir, "**", "*"), recursive=True)
                   if os.path.isfile(f) and not os.path.basename(f).startswith("."))
    work = tempfile.mkdtemp(prefix="fanlight-j3q-")
    common = ["--resize", "320x320", "--fit", "cover", "--format", "png", "--strip", "-q",
              "--progress", "none"]
    for name, extra in (("fanlight-shrunk", []), ("fanlight-full", ["--no-shrink-on-load"])):
        subprocess.run([args.fanlight, "convert", args.dir, "-o", os.path.join(work, name)]
                       + common + extra, check=True)
    for name, draft in (("pillow-shrunk", True), ("pillow-full", False)):
        for f in files:
            out = os.path.join(work, name, os.path.splitext(f)[0] + ".png")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            pillow_thumbnail(os.path.join(args.dir, f), out, draft)
    rows = []
    for f in files:
        png = os.path.splitext(f)[0] + ".png"
        p = lambda d: os.path.join(work, d, png)  # noqa: E731
        rows.append((png, psnr(p("fanlight-shrunk"), p("fanlight-full")),
                     psnr(p("pillow-shrunk"), p("pillow-full"))))
        print(f"{png:48} fanlight {rows[-1][1]:5.1f} dB   Pillow (draft) {rows[-1][2]:5.1f} dB")
    for i, tool in ((1, "fanlight"), (2, "Pillow (draft)")):
        values = [r[i] for r in rows]
        print(f"{tool}: median {statistics.median(values):.1f} dB, min {min(values):.1f} dB")
    print(f"thumbnails kept in {work}")


if __name__ == "__main__":
    main()
