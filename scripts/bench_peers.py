"""Runs job J1 or J3 with fanlight and the installed peers, alternately; prints medians and ratios.

Called by scripts/bench-peers.sh, which builds fanlight first.
- Job J1 (web export): decode, EXIF orientation, fit inside 1920x1920 (shrink only), unsharp mask
  sigma 1.0 amount 1.0, text watermark "(c) Example 2026" (DejaVu Sans 36 px, white, 50% opacity,
  bottom-right, margin 24), JPEG quality 85, metadata stripped.
- Job J3 (thumbnails): decode, EXIF orientation, 320x320 cover (centre crop), JPEG quality 80,
  metadata stripped. Peers use their shrink-on-load: libvips' vipsthumbnail, Pillow's draft mode
  (a process per core), ImageMagick's -define jpeg:size.
Wall time comes from a monotonic clock; CPU time and peak RSS from wait4(), which counts the
process and every child it waited for (peak RSS is that of the largest single process).

The codec floor is libjpeg-turbo's djpeg decoding every input at the smallest DCT scale whose
result still covers the job's output (djpeg -scale 1/d), plus `djpeg | cjpeg -quality Q` on every
fanlight output, one process at a time, CPU time divided by the number of cores.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TEXT = "(c) Example 2026"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = os.path.join(ROOT, "assets", "fonts", "DejaVuSans.ttf")


def run(argv, cwd=None, stdin=None, stdout=subprocess.DEVNULL):
    """Runs argv; returns (wall s, cpu s, peak RSS MB); raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: {err.strip()[:500]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


JOBS = {
    # (box, cover, JPEG quality)
    "J1": ((1920, 1920), False, 85),
    "J3": ((320, 320), True, 80),
}


def fanlight_argv(binary, src, out, job="J1"):
    if job == "J3":
        argv = [binary, "convert", src, "-o", out, "--resize", "320x320", "--fit", "cover",
                "--format", "jpeg", "--quality", "80", "--progress", "none", "-q", "--strip"]
        return argv
    argv = [binary, "convert", src, "-o", out, "--resize", "1920x1920",
            "--filter", "unsharp:sigma=1.0,amount=1.0", "--watermark", TEXT, "--font-size", "36",
            "--opacity", "0.5", "--gravity", "bottom-right", "--margin", "24",
            "--format", "jpeg", "--quality", "85", "--progress", "none", "-q"]
    help_text = subprocess.run([binary, "convert", "--help"], capture_output=True, text=True).stdout
    if "--strip" in help_text:
        argv.append("--strip")
    return argv


def magick_args(gm):
    fill = "#ffffff80" if gm else "rgba(255,255,255,0.5)"
    text = ["-draw", f"text 24,24 '{TEXT}'"] if gm else ["-annotate", "+24+24", TEXT]
    return ["-auto-orient", "-resize", "1920x1920>", "-unsharp", "0x1+1+0", "-font", FONT,
            "-pointsize", "36", "-fill", fill, "-gravity", "SouthEast", *text, "-strip",
            "-quality", "85"]


def dct_denominator(size, job):
    """The largest d of 8, 4, 2 for which the image at 1/d still covers the job's output, else 1."""
    (bw, bh), cover, _ = JOBS[job]
    w, h = size
    scale = max(bw / w, bh / h) if cover else min(bw / w, bh / h, 1.0)
    need = (w * scale, h * scale)
    for d in (8, 4, 2):
        if -(-w // d) >= need[0] and -(-h // d) >= need[1]:
            return d
    return 1


def codec_floor(inputs, sizes, outputs, cores, scratch, job):
    """Seconds: djpeg -scale 1/d on every input plus djpeg | cjpeg on every output, one at a
    time, CPU time / cores; also the total CPU time and the peak RSS."""
    quality = JOBS[job][2]
    total_cpu = peak = 0.0
    for path, size in zip(inputs, sizes):
        d = dct_denominator(size, job)
        _, cpu, rss = run(["djpeg", "-scale", f"1/{d}", "-outfile", os.devnull, path])
        total_cpu, peak = total_cpu + cpu, max(peak, rss)
    ppm = os.path.join(scratch, "floor.ppm")
    for path in outputs:
        _, c1, r1 = run(["djpeg", "-outfile", ppm, path])
        _, c2, r2 = run(["cjpeg", "-quality", str(quality), "-outfile", os.devnull, ppm])
        total_cpu = total_cpu + c1 + c2
        peak = max(peak, r1, r2)
    return total_cpu / cores, total_cpu, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="folder of JPEG photos (walked recursively)")
    parser.add_argument("--fanlight", required=True, help="the fanlight binary")
    parser.add_argument("--runs", type=int, default=5, help="rounds of alternating runs (5)")
    parser.add_argument("--only", default="", help="comma-separated tools to run (default: all)")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--job", choices=sorted(JOBS), default="J1", help="J1 (default) or J3")
    args = parser.parse_args()

    src = os.path.abspath(args.dir)
    inputs = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs
                    if f.lower().endswith((".jpg", ".jpeg")))
    rel = [os.path.relpath(p, src) for p in inputs]
    if not inputs:
        sys.exit(f"no JPEG files under {src}")
    cores = os.cpu_count()
    scratch = tempfile.mkdtemp(prefix="fanlight-bench-")

    job = args.job
    tools = {"fanlight": lambda out: (fanlight_argv(args.fanlight, src, out, job), None)}
    if job == "J3":
        j3_peers(tools, inputs, cores)
    elif shutil.which("mogrify"):
        tools["imagemagick"] = lambda out: (["mogrify", "-path", out, *magick_args(False), *inputs],
                                            None)
    if shutil.which("gm"):
        tools["graphicsmagick"] = lambda out: (["gm", "mogrify", "-output-directory", out,
                                                "-create-directories", *magick_args(True), *rel],
                                               src)
    try:
        if job == "J3":
            raise subprocess.CalledProcessError(0, "J3 runs vipsthumbnail")
        subprocess.run([sys.executable, "-c", "import pyvips"], check=True,
                       capture_output=True)
        script = os.path.join(ROOT, "scripts", "vips_j1.py")
        tools["libvips"] = lambda out: ([sys.executable, script, out, FONT, *inputs], None)
    except subprocess.CalledProcessError:
        if job == "J1":
            print("pyvips not importable: libvips skipped (pip install pyvips)", file=sys.stderr)
    floor_ok = shutil.which("djpeg") and shutil.which("cjpeg")
    if not floor_ok:
        print("djpeg/cjpeg not found: codec floor skipped (libjpeg-turbo-progs)", file=sys.stderr)
    if args.only:
        wanted = set(args.only.split(","))
        tools = {k: v for k, v in tools.items() if k in wanted or k == "fanlight"}

    mp = 0.0
    sizes = []
    try:
        from PIL import Image  # for the megapixel count and the floor's DCT scales
        for p in inputs:
            with Image.open(p) as im:
                mp += im.width * im.height / 1e6
                sizes.append(im.size)
    except ImportError:
        mp = float("nan")
        if floor_ok:
            print("Pillow not importable: the codec floor decodes at full size", file=sys.stderr)
        sizes = [(1, 1)] * len(inputs)
    print(f"{len(inputs)} JPEGs ({mp:.0f} MP) in {src}; {cores} cores; {args.runs} rounds; "
          f"tools: {', '.join(tools)}{', codec floor' if floor_ok else ''}", file=sys.stderr)

    results = {name: [] for name in tools}
    if floor_ok:
        results["codec floor"] = []
    for round_no in range(args.runs):
        for name, make in tools.items():
            out = os.path.join(scratch, name)
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            argv, cwd = make(out)
            wall, cpu, rss = run(argv, cwd=cwd)
            written = sum(len(fs) for _, _, fs in os.walk(out))
            if written != len(inputs):
                raise SystemExit(f"{name} wrote {written} files for {len(inputs)} inputs")
            results[name].append((wall, cpu, rss))
            print(f"round {round_no + 1} {name:15} {wall:7.2f} s wall {cpu:7.2f} s CPU "
                  f"{rss:6.0f} MB", file=sys.stderr)
        if floor_ok:
            outputs = sorted(os.path.join(d, f)
                             for d, _, fs in os.walk(os.path.join(scratch, "fanlight"))
                             for f in fs)
            results["codec floor"].append(
                codec_floor(inputs, sizes, outputs, cores, scratch, job))
            print(f"round {round_no + 1} codec floor     {results['codec floor'][-1][0]:7.2f} s",
                  file=sys.stderr)
    shutil.rmtree(scratch, ignore_errors=True)

    med = {name: tuple(statistics.median(r[i] for r in runs) for i in range(3))
           for name, runs in results.items()}
    ours = med["fanlight"][0]
    rows = [("tool", "wall s (median)", "CPU s", "peak RSS MB", "fanlight / tool")]
    for name, (wall, cpu, rss) in med.items():
        rows.append((name, f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", f"{ours / wall:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    if args.markdown:
        print()
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + "---|" * 5)
        for row in rows[1:]:
            print("| " + " | ".join(row) + " |")
    goals = {"libvips": 1 / 3, "imagemagick": 1 / 10, "codec floor": 1.15}
    if job == "J3":
        goals = {"libvips": 1 / 1.15, "pillow": 1 / 1.15, "codec floor": 1.1}
    for name, limit in goals.items():
        if name in med:
            ratio = ours / med[name][0]
            verdict = "meets" if ratio <= limit else "misses"
            print(f"fanlight / {name} = {ratio:.2f} ({verdict} the goal <= {limit:.2f})")


def j3_peers(tools, inputs, cores):
    """J3's peers, each with its shrink-on-load: vipsthumbnail, Pillow's draft mode (a pool of
    processes, one per core) and ImageMagick's -define jpeg:size."""
    if shutil.which("vipsthumbnail"):
        tools["libvips"] = lambda out: (["vipsthumbnail", "-s", "320x320", "--smartcrop", "centre",
                                         "-o", os.path.join(out, "%s.jpg[Q=80,strip]"),
                                         *inputs], None)
    try:
        subprocess.run([sys.executable, "-c", "import PIL"], check=True, capture_output=True)
        script = os.path.join(ROOT, "scripts", "pillow_j3.py")
        tools["pillow"] = lambda out: ([sys.executable, script, out, str(cores), *inputs], None)
    except subprocess.CalledProcessError:
        print("Pillow not importable: Pillow skipped (pip install pillow)", file=sys.stderr)
    if shutil.which("mogrify"):
        tools["imagemagick"] = lambda out: (["mogrify", "-path", out, "-define", "jpeg:size=640x640",
                                             "-auto-orient", "-thumbnail", "320x320^", "-gravity",
                                             "center", "-extent", "320x320", "-strip",
                                             "-quality", "80", *inputs], None)


if __name__ == "__main__":
    main()
