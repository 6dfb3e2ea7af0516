#!/usr/bin/env python3
"""A stand-in for the original Fawkes command line (which cannot be installed on this Python):
``fake_fawkes.py -d DIR --mode MODE`` writes ``<stem>_<mode>_cloaked.png`` beside each photo in DIR,
with a small fixed change, and prints progress like the original. ``--fail`` exits with an error."""
import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("-d", "--directory", required=True)
parser.add_argument("--mode", default="min")
parser.add_argument("--fail", action="store_true")
args = parser.parse_args()
if args.fail:
    print("Failed to load the feature extractor (no network connection)")
    sys.exit(3)
photos = sorted(p for p in Path(args.directory).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and "_cloaked" not in p.stem)
print(f"Identify {len(photos)} images", flush=True)
for i, photo in enumerate(photos):
    pixels = np.asarray(Image.open(photo).convert("RGB")).astype(np.int16)
    pixels[::7, ::7] += 3  # a faint, fixed pattern
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(photo.with_name(f"{photo.stem}_{args.mode}_cloaked.png"))
    print(f"processing image {i + 1}/{len(photos)}", flush=True)
print(f"Done! Protected {len(photos)} images", flush=True)
