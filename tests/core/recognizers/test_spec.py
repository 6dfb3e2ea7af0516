"""A tracker's spelling (NAME/matcher+step:V) is read once: the full spelling names it everywhere, it says itself
in plain words, and a bad spelling is refused in one line before any work starts."""
from __future__ import annotations

import pytest

from core.catalogue import tracker
from core.recognizers.cleaning import Jpeg, Median
from core.recognizers.matchers import Linear, Nearest
from core.recognizers.registry import is_local, recognizer_class
from core.recognizers.spec import parse_tracker, tracker_words, variant_spellings

from tests.cli_runner import run_main


@pytest.mark.parametrize("text, base, matcher, cleaning", [
    ("dlib", "dlib", None, ()),
    ("dlib/nearest", "dlib", Nearest, ()),
    ("mobileface/linear", "mobileface", Linear, ()),
    ("dlib+median:3", "dlib", None, (Median(3),)),
    ("faceres/linear+jpeg:50", "faceres", Linear, (Jpeg(50),)),
    ("dlib/nearest+median:5+jpeg:75", "dlib", Nearest, (Median(5), Jpeg(75))),
])
def test_a_spelling_is_read_into_its_parts_and_spelt_back_the_same(text, base, matcher, cleaning):
    spec = parse_tracker(text)
    assert (spec.base, spec.matcher, spec.cleaning) == (base, matcher, cleaning)
    assert spec.spelling == text


def test_variants_say_themselves_in_the_words_the_window_uses():
    assert tracker_words("dlib/nearest") == "dlib, matching the nearest photo"
    assert tracker_words("dlib/linear") == "dlib, trained classifier"
    assert tracker_words("dlib+median:3") == "dlib, cleaning every photo with a median filter (3×3 px) first"
    assert tracker_words("dlib") == "dlib"
    assert "dlib/nearest" in variant_spellings("dlib") and "dlib+median:3" in variant_spellings("dlib")


@pytest.mark.parametrize("text, reason", [
    ("dlib/knn", "Unknown matcher '/knn' in the tracker 'dlib/knn': use /mean, /nearest or /linear (then /screened to screen photos for cloaks)."),
    ("dlib+blur:-1", "+blur:-1 needs a radius in pixels above 0"),
    ("dlib+median:4", "+median:4 needs an odd window size"),
    ("dlib+jpeg:101", "+jpeg:101 needs a JPEG quality from 1 to 100"),
    ("dlib+bits:8", "+bits:8 needs the bits kept per channel, from 1 to 7"),
    ("dlib+blur", "'+blur' in the tracker 'dlib+blur' needs a value, e.g. +blur:1"),
    ("dlib+sharpen:2", "Unknown cleaning step '+sharpen:2'"),
    ("dlib+median:3/nearest", "write NAME/MATCHER then the cleaning steps"),
    ("azure/nearest", "azure is an online service"),
    ("rekognition+jpeg:50", "rekognition is an online service"),
    ("nobody/nearest", "Unknown recognizer 'nobody/nearest'"),
])
def test_bad_spellings_are_refused_in_one_line_that_names_them(text, reason):
    with pytest.raises(ValueError) as refused:
        tracker(text)
    message = str(refused.value)
    assert reason in message and "\n" not in message


def test_the_catalogue_and_the_registry_build_a_variant_from_its_base_entry():
    entry = tracker("dlib/linear+jpeg:50")
    assert (entry.name, entry.variant_of, entry.online, entry.can_cloak) == ("dlib/linear+jpeg:50", "dlib", False, False)
    assert entry.describe()["cleaning"] == [Jpeg(50).record()] and entry.describe()["matcher"] == "linear"
    made = recognizer_class("dlib/linear+jpeg:50")
    assert made is recognizer_class("dlib/linear+jpeg:50")  # one class per spelling
    assert (made.name, made.matcher_class, made.cleaning) == ("dlib/linear+jpeg:50", Linear, (Jpeg(50),))
    assert made.scale.kind == "probability" and made.scale.higher_is_better
    assert recognizer_class("dlib/nearest").scale.kind == recognizer_class("dlib").scale.kind == "distance"
    assert is_local("dlib+median:3") and not is_local("azure")


def test_the_command_line_refuses_a_bad_tracker_before_any_work(fixture_imm, tmp_path):
    code, _, err = run_main("study", "--dataset", fixture_imm, "--out", tmp_path / "s", "--recognizer", "dlib/knn")
    assert code == 2 and err.strip() == "error: Unknown matcher '/knn' in the tracker 'dlib/knn': use /mean, /nearest or /linear (then /screened to screen photos for cloaks)."
    assert not (tmp_path / "s").exists()
