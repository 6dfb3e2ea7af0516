"""Your cloaked photos, to keep and post: full resolution, PNG (exactly the cloak) or JPEG at a chosen quality,
with a small text file that says how they were made and what the check found."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_bytes_atomic, write_text_atomic
from ..conditions import VERSION_WORDS
from ..images import load_rgb, save_rgb_atomic

if TYPE_CHECKING:  # only named in annotations
    from .run import SelfCheck


HOW_MADE_NAME = "HOW-THESE-WERE-MADE.txt"


def save_cloaked_photos(check: SelfCheck, folder: Path | str, fmt: str = "png", quality: int = 90) -> list[Path]:
    """Write every cloaked photo (full resolution, PNG or JPEG at ``quality``) into ``folder`` with a
    small text file that says how they were made; returns the photos written."""
    fmt = fmt.lower()
    if fmt not in ("png", "jpeg", "jpg"):
        raise ValueError(f"Choose PNG or JPEG, not {fmt}.")
    if not 1 <= int(quality) <= 100:
        raise ValueError("JPEG quality goes from 1 to 100.")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".png" if fmt == "png" else ".jpg"
    written = []
    for source, cloak in sorted(check.cloaks.items()):
        target = folder / f"{source.stem}_cloaked{suffix}"
        if suffix == ".png":  # the cloak exactly as it was made
            write_bytes_atomic(target, Path(cloak).read_bytes())
        else:
            save_rgb_atomic(target, load_rgb(cloak), quality=int(quality))
        written.append(target)
    write_text_atomic(folder / HOW_MADE_NAME, how_made(check, fmt, int(quality), written))
    return written


def how_made(check: SelfCheck, fmt: str, quality: int, written: list[Path]) -> str:
    config = check.config
    from importlib import metadata

    try:
        version = metadata.version("fawkes-tracker")
    except metadata.PackageNotFoundError:
        version = "unknown"
    mode = config.mode + (f" (custom: {json.dumps(config.custom, sort_keys=True)})" if config.custom else "")
    lines = [
        f"These {len(written)} photos were cloaked by Fawkes Tracker {version} on {time.strftime('%Y-%m-%d %H:%M')}.",
        f"Cloak: our rebuild of Fawkes {VERSION_WORDS.get(config.version, config.version)}, mode {mode}, made against "
        f"{', '.join(config.extractors)}, seed {config.seed}.",
        "Each photo keeps its full resolution; " + ("saved as PNG, exactly as the cloak was made." if fmt == "png" else
                                                     f"saved as JPEG quality {quality}, which may weaken the cloak a little."),
        f"Originals: {check.photos.folder}",
        "",
        "What the check found, with your clean test photo(s) " + ", ".join(p.name for p in check.test)
        + f" against a crowd of {check.crowd_people} people ({config.crowd}):",
        *(f"- {a.recognizer}: {a.text}" for a in check.answers),
        "",
        *check.what_it_means(),
    ]
    return "\n".join(lines) + "\n"
