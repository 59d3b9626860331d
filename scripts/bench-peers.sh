#!/usr/bin/env bash
# Job J1 (web export) or J3 (thumbnails) side by side: fanlight, ImageMagick, GraphicsMagick, libvips and,
# for J3, Pillow (each when installed), several
# rounds of alternating runs, then median wall time, CPU time, peak RSS, the ratios and the codec floor.
#
#   scripts/bench-peers.sh DIR [--job J1|J3] [--runs N] [--only fanlight,libvips,...] [--markdown]
#
# Peers: apt-get install imagemagick graphicsmagick libvips-tools libjpeg-turbo-progs; pip install pyvips
# A folder of photos: cargo run --release --example make_bench_folder -- DIR --count 29 --megapixels 8
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
cargo build --release --quiet --bin fanlight
exec python3 scripts/bench_peers.py --fanlight target/release/fanlight "$@"
