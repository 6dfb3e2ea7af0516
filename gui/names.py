"""The application's names and where its bundled files are: shared by the start-up code and the window,
kept apart from both so that neither imports the other."""
from __future__ import annotations

from pathlib import Path

ORGANISATION = "FawkesTracker"
APP_NAME = "Fawkes Tracker"
REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "resources" / "sample"
