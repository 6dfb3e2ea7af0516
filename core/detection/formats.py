"""The format both sides are scored in. Clean IMM photos are JPEGs and cloaks are usually PNGs, so a detector
given the files as they are can learn the file format instead of the cloak. Both sides are therefore re-encoded
as JPEG 90 (4:2:0, as an upload would do to either) before any feature is taken; "as saved" scores the files as
they are and is reported only as a warning of how much the format alone gives away."""
from __future__ import annotations

import numpy as np

from ..images import decode, encode_jpeg

COMPARED = "jpeg90"  # the format every reported figure is measured in
AS_SAVED = "as saved"  # the files as they are: a warning only
COMPARED_QUALITY = 90
FORMAT_WORDS = {COMPARED: f"both sides re-saved as JPEG {COMPARED_QUALITY}, as an upload would",
                AS_SAVED: "the files as saved (a JPEG against a PNG gives the format away; a warning only)"}


def in_format(rgb: np.ndarray, fmt: str) -> np.ndarray:
    """The photo as a detector scoring in ``fmt`` sees it."""
    if fmt == COMPARED:
        return decode(encode_jpeg(np.ascontiguousarray(rgb, dtype=np.uint8), COMPARED_QUALITY))
    if fmt == AS_SAVED:
        return rgb
    raise ValueError(f"Unknown scoring format '{fmt}': use '{COMPARED}' or '{AS_SAVED}'.")
