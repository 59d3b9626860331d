#!/usr/bin/env bash
# Sixteen real camera photos (6-16 MP, JPEG straight from phones and cameras, several with EXIF
# rotation) from drewnoakes/metadata-extractor-images ("You are free to use these media files
# however you wish"), for scripts/bench_variants.py and the other benchmarks:
#
#   scripts/real_photos.sh DIR        (clones the collection into DIR/.src first, about 1 GB)
#   REPO=/path/to/a/clone/or/mirror scripts/real_photos.sh DIR      (from a local copy instead)
set -euo pipefail
dir=${1:?usage: scripts/real_photos.sh DIR}
commit=4beba640487802442bc9931fb01274e908102d3a
src="$dir/.src"
if [ ! -d "$src" ]; then
    git clone --quiet --no-checkout "${REPO:-https://github.com/drewnoakes/metadata-extractor-images}" "$src"
fi
git -C "$src" checkout --quiet "$commit"
i=0
while IFS= read -r path; do
    i=$((i + 1))
    name=$(basename "$path" | tr ' ' '_')
    cp "$src/$path" "$dir/$(printf %02d "$i")_$name"
done <<'LIST'
jpg/Apple iPhone 4S.jpg
jpg/Canon EOS 1000D.jpg
jpg/Canon EOS 20D (1).jpg
jpg/Canon EOS 450D.jpg
jpg/Canon Powershot A2500.JPG
jpg/Kodak Easyshare M5370.jpg
jpg/Kodak PIXPRO AZ521.jpg
jpg/Kodak PIXPRO S-1.jpg
jpg/Kodak Z1012 IS.jpg
jpg/Leica T (Typ 701).jpg
jpg/Nikon D3100.jpg
jpg/Nikon D40.jpg
jpg/Nikon D90.jpg
jpg/Panasonic DMC-LX3 (Lumix).jpg
jpg/Samsung SM-G935L (Galaxy S7 Edge).jpg
jpg/Samsung SM-N900A (Galaxy Note 3).jpg
LIST
echo "$i photos in $dir"
