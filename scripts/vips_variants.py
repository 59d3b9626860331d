"""The variant job with libvips through pyvips, the efficient way, for scripts/bench_variants.py:
each photo is shrunk on load once to the largest width (thumbnail(), which applies the EXIF
orientation and uses JPEG DCT scaling), kept in memory, each smaller width resized from it, and
every width saved as WebP and JPEG at quality 85, metadata stripped. One process per core, each
with VIPS_CONCURRENCY=1 (libvips' own threads would only compete with the pool).

    python3 scripts/vips_variants.py OUT CORES WIDTHS FILE...     (WIDTHS: 1280,640,320)
"""
import multiprocessing
import os
import sys

os.environ.setdefault("VIPS_CONCURRENCY", "1")
import pyvips  # noqa: E402

QUALITY = 85


def variants(job):
    src, out, widths = job
    stem = os.path.splitext(os.path.basename(src))[0]
    largest = max(widths)
    # Fit the width only (a height no photo reaches); never enlarge, as fanlight --widths.
    image = pyvips.Image.thumbnail(src, largest, height=10_000_000, size="down")
    image = image.copy_memory()
    for width in sorted(widths, reverse=True):
        if width >= image.width:
            sized, width = image, image.width
        else:
            sized = image.resize(width / image.width).copy_memory()
        base = os.path.join(out, f"{stem}-{width}")
        sized.webpsave(base + ".webp", Q=QUALITY, strip=True)
        sized.jpegsave(base + ".jpg", Q=QUALITY, strip=True)


def main():
    out, cores, widths, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    widths = [int(w) for w in widths.split(",")]
    # "spawn": forking a process that has started libvips' threads can hang at exit.
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        pool.map(variants, [(f, out, widths) for f in files], chunksize=1)


if __name__ == "__main__":
    main()
