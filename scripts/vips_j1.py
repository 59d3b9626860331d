"""Job J1 with libvips through pyvips, one image per core (a process pool), for scripts/bench-peers.sh.

thumbnail() applies the EXIF orientation and shrinks on load (JPEG DCT scaling) where it can: libvips
8.14 keeps at least a factor of 2 for its own resize, so it uses shrink-on-load only when the photo is
4× or more the target (VIPS_INFO=1 shows "loading with factor 1 pre-shrink" for a 15 MP photo fitted
into 1920). The unsharp mask is image + amount * (image - gaussblur(sigma)), the same definition
fanlight and ImageMagick use.
Usage: python3 vips_j1.py OUT_DIR FONT_FILE INPUT...
"""
import os
import sys
import multiprocessing

os.environ.setdefault("VIPS_CONCURRENCY", "1")
import pyvips  # noqa: E402

OUT, FONT = sys.argv[1], sys.argv[2]
TEXT = "(c) Example 2026"


def job(path):
    image = pyvips.Image.thumbnail(path, 1920, height=1920, size="down")
    if image.bands > 3:
        image = image.flatten()
    blurred = image.gaussblur(1.0)
    image = (image + (image - blurred) * 1.0).cast("uchar")
    mask = pyvips.Image.text(TEXT, fontfile=FONT, font="DejaVu Sans 36", dpi=72)
    alpha = (mask * 0.5).cast("uchar")
    white = mask.new_from_image([255] * image.bands)
    overlay = white.bandjoin(alpha).copy(interpretation="srgb" if image.bands == 3 else "b-w")
    x = image.width - mask.width - 24
    y = image.height - mask.height - 24
    image = image.composite2(overlay, "over", x=x, y=y)
    name = os.path.basename(path)
    image.jpegsave(os.path.join(OUT, name), Q=85, strip=True)


if __name__ == "__main__":
    # "spawn": forking a process that has started libvips' threads can hang at exit.
    context = multiprocessing.get_context("spawn")
    with context.Pool(os.cpu_count()) as pool:
        pool.map(job, sys.argv[3:], chunksize=1)
