"""A/B timing of two or more fanlight binaries (or any commands) on the same job, run alternately.

    python3 scripts/ab.py ROUNDS BIN_A BIN_B [BIN ...] -- ARGS...

Each round runs every binary once with ARGS, in turn; the word OUT in ARGS is replaced by a fresh,
emptied output folder. Prints per binary the median and minimum wall time, CPU time (user + system,
from wait4) and peak RSS, measured as scripts/bench-peers.sh measures; a failed run stops it.
Alternating rounds keep a shared, noisy machine's drift out of the ratio.
"""
import os
import shutil
import statistics
import sys
import tempfile

from bench_peers import run


def main():
    if "--" not in sys.argv or len(sys.argv) < 4:
        print(__doc__.strip())
        sys.exit(2)
    rounds = int(sys.argv[1])
    split = sys.argv.index("--")
    binaries, args = sys.argv[2:split], sys.argv[split + 1:]
    out = os.path.join(tempfile.mkdtemp(prefix="fanlight-ab-"), "out")
    results = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            shutil.rmtree(out, ignore_errors=True)
            argv = [binary] + [out if a == "OUT" else a for a in args]
            results[binary].append(run(argv))
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    for binary, runs in results.items():
        wall = [r[0] for r in runs]
        cpu = [r[1] for r in runs]
        rss = [r[2] for r in runs]
        print(f"{binary:40} wall med {statistics.median(wall):.3f} (min {min(wall):.3f})  "
              f"cpu med {statistics.median(cpu):.3f} (min {min(cpu):.3f})  "
              f"rss {statistics.median(rss):.0f} MB")


if __name__ == "__main__":
    main()
