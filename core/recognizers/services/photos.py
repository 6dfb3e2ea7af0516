"""The bytes sent for a photo: the file as it is on disk whenever the service can take it, since re-encoding
would change the cloak being judged; only a photo over a limit is shrunk, and a note names it."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ...images import UnusableImage, load_rgb


@dataclass(frozen=True)
class PhotoLimits:
    service: str
    max_bytes: int
    max_side: int | None  # pixels, the longer side; None: any size is taken
    formats: frozenset[str] = frozenset({"JPEG", "PNG"})
    min_side: int = 48  # pixels, the shorter side; 0: no check
    min_bytes: int = 0  # a smaller file is refused (Azure: 1 KB)
    shrink_side: int | None = None  # a copy for a file over max_bytes starts at this longer side, not the photo's own

    def over_side(self, width: int, height: int) -> bool:
        return self.max_side is not None and max(width, height) > self.max_side


def upload_bytes(photo: Path, limits: PhotoLimits) -> tuple[bytes, str | None]:
    """The bytes to send and a note when they are not the file as it is (shrunk, or a JPEG copy)."""
    photo = Path(photo)
    try:
        data = photo.read_bytes()
    except FileNotFoundError:
        raise UnusableImage(photo, "the file does not exist") from None
    if len(data) < limits.min_bytes:
        raise UnusableImage(photo, f"the file is under {limits.min_bytes / 1024:g} KB, which {limits.service} refuses")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height), turned = img.format, img.size, img.getexif().get(0x0112, 1) != 1
    except (UnidentifiedImageError, OSError):
        raise UnusableImage(photo, "not an image file Pillow can read") from None
    if min(width, height) < limits.min_side:
        raise UnusableImage(photo, f"{width}×{height} px is smaller than {limits.service} accepts "
                                   f"({limits.min_side} px at least)")
    if fmt in limits.formats and len(data) <= limits.max_bytes and not limits.over_side(width, height) and not turned:
        return data, None
    rgb = load_rgb(photo)  # upright, as every local tracker sees it
    height, width = rgb.shape[:2]
    over_side = limits.over_side(width, height)
    side = min(max(width, height), limits.max_side or max(width, height))
    if len(data) > limits.max_bytes and limits.shrink_side:
        side = min(side, limits.shrink_side)
    while True:
        scale = min(1.0, side / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = rgb if scale == 1 else np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
        buf = io.BytesIO()
        Image.fromarray(small).save(buf, format="JPEG", quality=95)
        encoded = buf.getvalue()
        if len(encoded) <= limits.max_bytes:
            break
        side = round(side * 0.75)
    if size != (width, height) and not over_side:  # over the byte limit only
        return encoded, (f"{photo.name} is {len(data) / 2**20:.1f} MB, over {limits.service}'s {limits.max_bytes / 2**20:g} "
                         f"MB limit: sent a copy scaled down from {width}×{height} to {size[0]}×{size[1]} "
                         f"({len(encoded) / 2**20:.1f} MB).")
    if size != (width, height):
        return encoded, (f"{photo.name} ({width}×{height}, {len(data) / 2**20:.1f} MB) is over {limits.service}'s "
                         f"limit of {limits.max_side} px and {limits.max_bytes / 2**20:g} MB: sent a copy shrunk to "
                         f"{size[0]}×{size[1]} ({len(encoded) / 2**20:.1f} MB).")
    if fmt not in limits.formats:
        return encoded, f"{photo.name}: {limits.service} does not read {fmt} files, so a JPEG copy was sent."
    if len(data) > limits.max_bytes:
        return encoded, (f"{photo.name} is {len(data) / 2**20:.1f} MB, over {limits.service}'s limit of "
                         f"{limits.max_bytes / 2**20:g} MB: sent a JPEG copy ({len(encoded) / 2**20:.1f} MB).")
    return encoded, f"{photo.name}: turned upright by its EXIF orientation before sending (a JPEG copy)."
