"""The variant job side by side: every photo at widths 1280, 640 and 320 (fit to the width, never
enlarged), each as WebP and JPEG at quality 85, metadata stripped; three ways, alternately:

- fanlight, one run: --widths 1280,640,320 --format webp,jpeg (one decode per photo);
- fanlight, separate runs: one run per width and format (six decodes per photo);
- libvips, the efficient way (scripts/vips_variants.py): shrink-on-load once at the largest width,
  each smaller width resized from it, every width saved twice; one process per core.

Prints the median wall time, CPU time and peak RSS of each, and the ratios, and the codec floor:
djpeg at the smallest DCT scale that still covers the largest width (margin 1, so tighter than
fanlight's), then cwebp and cjpeg on every output fanlight wrote (as PPM), CPU time / cores.

    python3 scripts/bench_variants.py DIR [--runs N] [--widths 1280,640,320] [--markdown]
        [--fanlight target/release/fanlight]

Needs pyvips (pip install pyvips) for the libvips row; without it, that row is left out.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peers import run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = ("webp", "jpeg")


def fanlight_once(binary, src, widths):
    def make(out):
        return [[binary, "convert", src, "-o", out, "--widths", widths,
                 "--format", ",".join(FORMATS), "--quality", "85", "--strip",
                 "--progress", "none", "-q"]]
    return make


def fanlight_separate(binary, src, widths):
    def make(out):
        return [[binary, "convert", src, "-o", out, "--resize", f"{w}x",
                 "--format", f, "--quality", "85", "--strip", "--name", "{stem}-{width}.{ext}",
                 "--on-exists", "overwrite", "--progress", "none", "-q"]
                for w in widths.split(",") for f in FORMATS]
    return make


def libvips(inputs, widths, cores):
    script = os.path.join(ROOT, "scripts", "vips_variants.py")

    def make(out):
        return [[sys.executable, script, out, str(cores), widths, *inputs]]
    return make


def upright_width(path):
    from PIL import Image
    with Image.open(path) as im:
        w, h = im.size
        turned = im.getexif().get(274, 1) in (5, 6, 7, 8)
    return (h if turned else w), (w if turned else h)


def codec_floor(inputs, outputs, largest, cores, scratch):
    """(seconds, CPU seconds): every input decoded once at the scale for the largest width, every
    output encoded from PPM by cwebp or cjpeg at quality 85, CPU time / cores."""
    cpu = 0.0
    for path in inputs:
        width, _ = upright_width(path)
        d = next((d for d in (8, 4, 2) if width / d >= largest), 1)
        cpu += run(["djpeg", "-scale", f"1/{d}", "-outfile", os.devnull, path])[1]
    ppm = os.path.join(scratch, "floor.ppm")
    for path in outputs:
        jpeg = os.path.splitext(path)[0] + ".jpg"
        subprocess.run(["djpeg", "-outfile", ppm, jpeg], check=True)
        if path.endswith(".webp"):
            cpu += run(["cwebp", "-quiet", "-q", "85", ppm, "-o", os.devnull])[1]
        else:
            cpu += run(["cjpeg", "-quality", "85", "-outfile", os.devnull, ppm])[1]
    return cpu / cores, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--widths", default="1280,640,320")
    parser.add_argument("--fanlight", default=os.path.join(ROOT, "target", "release", "fanlight"))
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    src = os.path.abspath(args.dir)
    inputs = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs
                    if f.lower().endswith((".jpg", ".jpeg")))
    cores = os.cpu_count() or 1
    tools = {
        "fanlight (one run)": fanlight_once(args.fanlight, src, args.widths),
        "fanlight (6 runs)": fanlight_separate(args.fanlight, src, args.widths),
    }
    try:
        subprocess.run([sys.executable, "-c", "import pyvips"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tools["libvips"] = libvips(inputs, args.widths, cores)
    except subprocess.CalledProcessError:
        print("pyvips not importable: libvips left out (pip install pyvips)", file=sys.stderr)
    print(f"{len(inputs)} JPEGs in {src}; {cores} cores; {args.runs} rounds", file=sys.stderr)
    scratch = tempfile.mkdtemp(prefix="fanlight-variants-")
    results = {name: [] for name in tools}
    counts = {}
    for round_no in range(args.runs):
        for name, make in tools.items():
            out = os.path.join(scratch, name.split()[0] + str(len(counts)))
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            wall = cpu = rss = 0.0
            for argv in make(out):
                w, c, r = run(argv)
                wall, cpu, rss = wall + w, cpu + c, max(rss, r)
            written = sum(len(fs) for _, _, fs in os.walk(out))
            counts.setdefault(name, written)
            if written != counts[name] or written < len(inputs) * len(FORMATS):
                raise SystemExit(f"{name} wrote {written} files")
            if name == "fanlight (one run)":
                kept = os.path.join(scratch, "kept")
                shutil.rmtree(kept, ignore_errors=True)
                os.rename(out, kept)
            shutil.rmtree(out, ignore_errors=True)
            results[name].append((wall, cpu, rss))
            print(f"round {round_no + 1} {name:20} {wall:7.2f} s wall {cpu:7.2f} s CPU "
                  f"{rss:6.0f} MB  {written} files", file=sys.stderr)
    floor = None
    if shutil.which("cwebp") and shutil.which("cjpeg"):
        kept = os.path.join(scratch, "kept")
        outputs = sorted(os.path.join(d, f) for d, _, fs in os.walk(kept) for f in fs)
        largest = max(int(w) for w in args.widths.split(","))
        floor = codec_floor(inputs, outputs, largest, cores, scratch)
    else:
        print("cwebp or cjpeg missing: no codec floor (apt-get install webp libjpeg-turbo-progs)",
              file=sys.stderr)
    shutil.rmtree(scratch, ignore_errors=True)
    med = {name: tuple(statistics.median(r[i] for r in runs) for i in range(3))
           for name, runs in results.items()}
    ours = med["fanlight (one run)"][0]
    rows = [("tool", "wall s (median)", "CPU s", "peak RSS MB", "files", "tool / fanlight")]
    for name, (wall, cpu, rss) in med.items():
        rows.append((name, f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", str(counts[name]),
                     f"{wall / ours:.2f}"))
    if floor:
        rows.append(("codec floor", f"{floor[0]:.2f}", f"{floor[1]:.2f}", "-",
                     str(counts["fanlight (one run)"]), f"{floor[0] / ours:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    if args.markdown:
        print()
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + "---|" * len(rows[0]))
        for row in rows[1:]:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
