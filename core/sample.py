"""The sample that comes with the app: 30 IMM photos of five people, and the real Fawkes 0.3.1 cloaks
(modes min and high) of their training photos, so that a first run already asks the question.

The cloaks sit one folder deeper (``fawkes-0.3.1-cloaks/<mode>/``) than the photos: a folder with
image sub-folders directly inside would be read as "one sub-folder per person".
"""
from __future__ import annotations

from pathlib import Path, PurePath

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "sample"
SAMPLE_CLOAKS = SAMPLE / "fawkes-0.3.1-cloaks"
SAMPLE_CLOAK_MODES = ("min", "high")
# The first launch's recognizers. Our own cloak is made against dlib (the Cloaking tab's default), so dlib alone
# would judge it white-box and call everyone protected; mobileface, a network the cloak never saw, gives the
# honest black-box answer beside it. Both run on this computer and take seconds on the sample.
FIRST_RUN_RECOGNIZERS = ("dlib", "mobileface")


def first_run_conditions() -> list[str]:
    """Clean, the real Fawkes 0.3.1 min and high cloaks (imported), and our own 0.3.1 min."""
    return ["none", *(f"import:{SAMPLE_CLOAKS / mode}" for mode in SAMPLE_CLOAK_MODES), "fawkes:0.3:min"]


def bundled_cloak_mode(folder: str | PurePath) -> str | None:
    """"min" or "high" when ``folder`` is one of the bundled real Fawkes 0.3.1 folders (wherever the app
    was installed when the study ran), else None."""
    parts = PurePath(str(folder).rstrip("/\\")).parts
    if len(parts) >= 2 and parts[-2] == SAMPLE_CLOAKS.name and parts[-1] in SAMPLE_CLOAK_MODES:
        return parts[-1]
    return None
