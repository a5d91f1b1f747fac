"""``python -m sources.generate --out DIR --scale 1 --seed 2026``: write the demo extracts."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sources.generate",
                                 description="Write synthetic, anonymised demo extracts for every catalogue source.")
    ap.add_argument("--out", type=Path, default=Path("data/landing"), help="landing folder (default data/landing)")
    ap.add_argument("--scale", type=float, default=1.0, help="volume multiplier; 1 = B&NES (~0.63M rows)")
    ap.add_argument("--seed", type=int, default=2026, help="random seed; same seed and scale = same bytes")
    ap.add_argument("--manifest", type=Path, default=None,
                    help="manifest path (default: <out>/../demo_manifest.json)")
    ap.add_argument("--statutory", type=Path, default=None,
                    help="also write the statutory returns (CIN census, Annex A, school census) into this folder")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.out, scale=args.scale, seed=args.seed, manifest_path=args.manifest,
                        statutory_dir=args.statutory)
    faults = ", ".join(f"{k} {v}" for k, v in manifest["faults"].items()) or "none"
    print(f"Wrote {len(manifest['files'])} files, {manifest['total_rows']:,} rows to {args.out} "
          f"in {time.perf_counter() - started:.1f} s (scale {args.scale}, seed {args.seed}); faults: {faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
