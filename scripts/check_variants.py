"""Checks a --widths run against its manifest: every file is STEM-WIDTH.EXT at that width (or
the photo's own, never enlarged) and in that format, the manifest lists exactly the files in
the output folder with their sizes in pixels and bytes, and the report shows one decode per photo.

    fanlight convert DIR -o OUT --widths 1280,640,320 --format webp,jpeg --manifest m.json --report r.json
    python3 scripts/check_variants.py OUT m.json r.json

Needs Pillow. Exits 1 on the first mismatch.
"""
import json
import os
import sys

from PIL import Image, ImageOps

EXT = {"jpeg": "jpg", "webp": "webp", "png": "png"}


def main():
    out, manifest, report = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
    files = sorted(os.path.relpath(os.path.join(d, f), out)
                   for d, _, fs in os.walk(out) for f in fs)
    listed = []
    for photo in manifest["photos"]:
        src = photo["input"]
        stem = os.path.splitext(os.path.basename(src))[0]
        with Image.open(src) as im:
            width, height = ImageOps.exif_transpose(im).size
        if (photo["width"], photo["height"], photo["bytes"]) != (width, height, os.path.getsize(src)):
            sys.exit(f"{src}: manifest says {photo['width']}x{photo['height']}, {photo['bytes']} B")
        for o in photo["outputs"]:
            path = os.path.join(out, o["path"])
            listed.append(o["path"])
            with Image.open(path) as im:
                fmt = {"JPEG": "jpeg", "WEBP": "webp", "PNG": "png"}[im.format]
                size = im.size
            w = int(os.path.splitext(os.path.basename(path))[0].rsplit("-", 1)[1])
            want = (w, round(height * w / width))
            checks = {
                "size in the manifest": size == (o["width"], o["height"]),
                "format in the manifest": fmt == o["format"],
                "bytes in the manifest": os.path.getsize(path) == o["bytes"],
                "name": os.path.basename(path) == f"{stem}-{w}.{EXT[fmt]}",
                "width": w <= width and size[0] == w and abs(size[1] - want[1]) <= 1,
            }
            for what, ok in checks.items():
                if not ok:
                    sys.exit(f"{path}: {what} wrong (file {size} {fmt}, manifest {o})")
    if sorted(listed) != files:
        sys.exit(f"the manifest lists {len(listed)} files, the folder holds {len(files)}")
    loads = next(s["items"] for s in report["stages"] if s["name"] == "load")
    if loads != len(manifest["photos"]):
        sys.exit(f"{loads} decodes for {len(manifest['photos'])} photos")
    print(f"ok: {len(manifest['photos'])} photos, {len(files)} files, one decode per photo")


if __name__ == "__main__":
    main()
