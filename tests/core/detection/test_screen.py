"""A tracker that screens photos for cloaks (``dlib/screened``): in a study its detector, trained on the study's own
photos, sets the cloaked training photos aside before enrolling; a person left with none is still asked for (the
tracker does not know them), and with ``@K`` the leaked clean photos carry the person."""
from __future__ import annotations

import json
import re

from core.results import read_rows
from core.study import StudyConfig, run_study
from tests.core.detection.test_detection import stand_in_cloaks  # noqa: F401 - a fixture


def test_a_screening_tracker_sets_the_cloaks_aside_and_says_so(fixture_imm, stand_in_cloaks, tmp_path):
    cloaks = stand_in_cloaks
    out = tmp_path / "study"
    summary = run_study(StudyConfig(fixture_imm, out, recognizers=["dlib", "dlib/screened"],
                                    conditions=["none", f"import:{cloaks}", f"import:{cloaks}@2"]))
    entries = {(e["name"], e["recognizer"]): e for e in summary["conditions"]}
    cloaked, leaked = f"import:{cloaks}", f"import:{cloaks}@2"

    rows = {(r.condition, r.recognizer, r.person): r for r in read_rows(out / "results.csv")}
    state = json.loads((out / "study_state.json").read_text())
    said = {(p["condition"], p["recognizer"]): p for p in state["pairs"]}
    screened = said[(cloaked, "dlib/screened")]
    set_aside = int(re.search(r"would have set aside (\d+) of the 15 photos", screened["notes"][0])[1])
    assert set_aside >= 5 and screened["gallery"] < said[(cloaked, "dlib")]["gallery"]  # the stand-in cloaks are seen
    left_with_none = [p for p in ("01", "02", "03") if rows[(cloaked, "dlib/screened", p)].predicted != p]
    for person in left_with_none:  # not enrolled, still asked: the tracker cannot name them
        assert rows[(cloaked, "dlib/screened", person)].outcome != "identified"
    assert entries[(cloaked, "dlib/screened")]["reidentified"] < entries[(cloaked, "dlib")]["reidentified"] == 3
    assert not entries[(cloaked, "dlib/screened")]["set_aside"]  # counted, not set aside
    # @2: the three leaked clean photos of each person pass the screen and carry them
    assert entries[(leaked, "dlib/screened")]["reidentified"] == 3
    assert "A tracker that screens photos for cloaks would have set aside" in said[(leaked, "dlib/screened")]["notes"][0]
    assert entries[("none", "dlib/screened")]["reidentified"] == entries[("none", "dlib")]["reidentified"] == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recognizers"]["dlib/screened"]["screened"] is True
