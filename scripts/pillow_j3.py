"""Job J3 with Pillow, for scripts/bench_peers.py: 320x320 cover thumbnails at JPEG quality 80,
EXIF orientation applied, metadata dropped, with Pillow's draft mode (DCT-scaled JPEG decoding,
its shrink-on-load) and a pool of one process per core.

    python3 scripts/pillow_j3.py OUT CORES FILE...
"""
import os
import sys
from multiprocessing import Pool

from PIL import Image, ImageOps


def thumbnail(job):
    src, out = job
    with Image.open(src) as im:
        # Draft keeps at least the requested size; 320 on the short side covers the box.
        w, h = im.size
        scale = 320 / min(w, h)
        im.draft("RGB", (int(w * scale) + 1, int(h * scale) + 1))
        im = ImageOps.exif_transpose(im)
        im = ImageOps.fit(im.convert("RGB"), (320, 320), Image.Resampling.LANCZOS)
        name = os.path.splitext(os.path.basename(src))[0] + ".jpg"
        im.save(os.path.join(out, name), quality=80)


def main():
    out, cores, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with Pool(cores) as pool:
        pool.map(thumbnail, [(f, out) for f in files])


if __name__ == "__main__":
    main()
