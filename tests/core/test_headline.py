"""The headline does not flatter the cloak: black-box lines first (the honest test), then clean, white-box last,
greyed and saying in words that it flatters the cloak; the report reads in the same order. Made-up summaries:
no study is run (the command line's order, on a real study: tests/core/test_report.py)."""
from __future__ import annotations

from types import SimpleNamespace

from core.headline import MUTED_COLOUR, WHITE_BOX_WORDS, headlines, in_headline_order, protection_colour

OURS, REAL = "fawkes:0.3:min", "import:/somewhere/fawkes-0.3.1-cloaks/high"


def _entry(name: str, recognizer: str, judged: str, reidentified: int, people: int = 5) -> dict:
    rate = (people - reidentified) / people if people else None
    point = {"calibrated": True, "fmr": 0.01, "threshold": 0.5, "people": people, "reidentified": reidentified,
             "protection_rate": rate, "ci95": [0.1, 0.9]}
    return {"name": name, "recognizer": recognizer, "judged": judged, "people": people, "reidentified": reidentified,
            "protection_rate": rate, "operating_point": point, "rank1": {"people": people, "reidentified": reidentified},
            "set_aside": {}, "nobody_judged": "nobody could be judged: everyone was set aside"}


# in the summary's own order (conditions, then recognizers), as a first run with dlib and mobileface writes it
SUMMARY = {"conditions": [
    _entry("none", "dlib", "clean", 5), _entry("none", "mobileface", "clean", 5),
    _entry(REAL, "dlib", "black-box", 3), _entry(REAL, "mobileface", "black-box", 5),
    _entry(OURS, "dlib", "white-box", 0), _entry(OURS, "mobileface", "black-box", 4),
    _entry("fawkes:0.3:high", "dlib", "white-box", 0, people=0),  # nobody could be judged: no headline
]}
CONDITIONS, RECOGNIZERS = ["none", REAL, OURS, "fawkes:0.3:high"], ["dlib", "mobileface"]


def test_black_box_first_then_clean_then_white_box_in_the_study_order_within_each():
    found = headlines(SUMMARY, CONDITIONS, RECOGNIZERS)
    assert [(h.condition, h.recognizer, h.judged) for h in found] == [
        (REAL, "dlib", "black-box"), (REAL, "mobileface", "black-box"), (OURS, "mobileface", "black-box"),
        ("none", "dlib", "clean"), ("none", "mobileface", "clean"),
        (OURS, "dlib", "white-box")]
    # the report's table and the command's closing lines: the same order, then who could not be judged
    assert [(e["name"], e["recognizer"]) for e in in_headline_order(SUMMARY, CONDITIONS, RECOGNIZERS)] == [
        (h.condition, h.recognizer) for h in found] + [("fawkes:0.3:high", "dlib")]


def test_a_white_box_line_says_it_flatters_the_cloak_and_is_grey_not_green():
    found = {(h.condition, h.recognizer): h for h in headlines(SUMMARY, CONDITIONS, RECOGNIZERS)}
    white = found[(OURS, "dlib")]
    assert white.text == ("Fawkes 0.3.1 min (this app) · dlib, white-box: 5 of 5 people protected (10–90%), at 1 "
                          "stranger in 100; judged by the network the cloak was made against — this flatters it")
    assert white.text.endswith(WHITE_BOX_WORDS) and white.flatters
    assert white.colour == MUTED_COLOUR != protection_colour(1.0)  # everyone "protected", yet not green
    assert white.text_colour != "#111111"
    black = found[(OURS, "mobileface")]
    assert black.text == ("Fawkes 0.3.1 min (this app) · mobileface, black-box: 1 of 5 people protected (10–90%), at "
                          "1 stranger in 100")
    assert black.colour == protection_colour(0.2) and not black.flatters
    assert all(WHITE_BOX_WORDS not in h.text for h in found.values() if h.judged != "white-box")


def test_the_report_front_page_has_the_same_order_and_greys_the_white_box_line(tmp_path):
    from matplotlib.colors import to_hex

    from core.report import _front_pages, _ordered

    config = SimpleNamespace(dataset="sample", split="imm", seed=0, conditions=CONDITIONS, recognizers=RECOGNIZERS)
    page = next(_front_pages(tmp_path, SUMMARY, config, _ordered(SUMMARY, config)))
    boxed = [t for t in page.texts if t.get_bbox_patch() is not None]
    found = headlines(SUMMARY, CONDITIONS, RECOGNIZERS)
    assert [" ".join(t.get_text().split()) for t in boxed] == [h.text for h in found]
    assert to_hex(boxed[-1].get_bbox_patch().get_facecolor()) == MUTED_COLOUR  # white-box: grey, not green
    assert to_hex(boxed[0].get_bbox_patch().get_facecolor()) == protection_colour(0.4)
    cells = page.axes[0].tables[0].get_celld()
    assert [cells[row, 1].get_text().get_text() for row in range(1, 8)] == [
        "dlib", "mobileface", "mobileface", "dlib", "mobileface", "dlib", "dlib"]  # the table: the same order
    assert to_hex(cells[6, 6].get_facecolor()) != protection_colour(1.0)  # its white-box cell is not green either
