"""The Recognition tab offers each offline tracker's matchers and cleanings in plain words, several at once."""
from __future__ import annotations

from gui.tracker_variants import TrackerVariants


def test_variants_are_offered_in_plain_words_and_ticked_as_trackers_of_their_own(qtbot):
    variants = TrackerVariants("dlib", ["dlib/linear", "dlib+median:3"])
    qtbot.addWidget(variants)
    words = {spelling: box.text() for spelling, box in variants.boxes.items()}
    assert words["dlib/nearest"] == "dlib, matching the nearest photo"
    assert words["dlib/linear"] == "dlib, trained classifier"
    assert words["dlib+median:3"] == "dlib, cleaning every photo with a median filter (3×3 px) first"
    assert "dlib+jpeg:50" in words
    assert sorted(s for s, box in variants.boxes.items() if box.isChecked()) == ["dlib+median:3", "dlib/linear"]
    assert variants.toggle.isChecked()  # a chosen variant is in sight
    other = TrackerVariants("mobileface", ["dlib/linear"])
    qtbot.addWidget(other)
    assert not other.toggle.isChecked() and not any(box.isChecked() for box in other.boxes.values())
