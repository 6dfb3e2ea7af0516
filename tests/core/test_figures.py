from matplotlib.figure import Figure

from core.figures import confidence_histogram, reidentification_curve, transfer_matrix
from core.metrics.build import summarize
from core.results import ResultRow


def _row(condition, person, confidence, outcome, predicted=None):
    predicted = predicted if predicted is not None else (person if confidence else "")
    return ResultRow(condition, "dlib", "clean", person, f"{person}-6m.jpg", predicted, confidence, None, outcome)


ROWS = [
    _row("none", "01", 0.81, "identified"), _row("none", "02", 0.83, "identified"), _row("none", "03", 0.62, "identified"),
    _row("import:/x/high", "01", 0.42, "below threshold"), _row("import:/x/high", "02", None, "no face found"),
    _row("import:/x/high", "03", 0.55, "wrong person", predicted="01"),
]
BINS = 40  # 0.025 wide


def test_histogram_splits_right_and_wrong_person_in_fine_bins_with_failures_as_their_own_bar():
    fig = confidence_histogram(ROWS, {"dlib": 0.47})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    heights = [round(p.get_height()) for p in ax.patches]
    # per condition: 40 right-person bins, 40 wrong-person bins (hatched, stacked on top), one "no result" bar
    per = 2 * BINS + 1
    clean_right, clean_wrong, clean_fail = heights[:BINS], heights[BINS:2 * BINS], heights[2 * BINS]
    cloak_right, cloak_wrong, cloak_fail = heights[per:per + BINS], heights[per + BINS:per + 2 * BINS], heights[per + 2 * BINS]
    assert (sum(clean_right), sum(clean_wrong), clean_fail) == (3, 0, 0)
    assert clean_right[32] == 1 and clean_right[33] == 1 and clean_right[24] == 1  # 0.81 in 0.800-0.825, 0.83, 0.62
    assert (sum(cloak_right), sum(cloak_wrong), cloak_fail) == (1, 1, 1)
    assert cloak_wrong[22] == 1  # 0.55: the wrong person is not drawn as a re-identification
    assert ax.patches[per + BINS + 22].get_hatch() and not ax.patches[per + 22].get_hatch()
    assert [round(line.get_xdata()[0], 3) for line in ax.lines] == [1.025, 0.47]  # the "no result" divider, dlib's threshold
    assert [t.get_text() for t in ax.texts] == ["dlib"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["none: 3/3 identified", "import:high: 0/3 identified"]


def test_summary_and_transfer_matrix():
    summary = summarize(ROWS)
    high = summary["conditions"][1]
    assert (high["people"], high["reidentified"], round(high["protection_rate"], 3)) == (3, 0, 1.0)
    assert high["confidence"] == {"min": None, "median": None, "max": None}
    assert high["outcomes"]["no face found"] == 1 and high["not_reidentified"] == ["01", "02", "03"]
    texts = [t.get_text() for t in transfer_matrix(summary).axes[0].texts]
    assert texts == ["3/3\nclean", "0/3\nclean"]


def test_curve_figure_draws_one_line_per_entry_on_a_log_axis():
    summary = {"fmr": 0.01, "conditions": [
        {"name": "none", "recognizer": "dlib", "people": 3,
         "curve": [{"fmr": 0.001, "reidentified": 2}, {"fmr": 0.01, "reidentified": 3}, {"fmr": 1.0, "reidentified": 3}]},
        {"name": "import:/x/high", "recognizer": "dlib", "people": 3,
         "curve": [{"fmr": 0.001, "reidentified": 0}, {"fmr": 0.01, "reidentified": 1}, {"fmr": 1.0, "reidentified": 2}]}]}
    ax = reidentification_curve(summary).axes[0]
    assert ax.get_xscale() == "log"
    assert [list(line.get_ydata()) for line in ax.lines[:2]] == [[2, 3, 3], [0, 1, 2]]
    assert list(ax.lines[2].get_xdata()) == [0.01, 0.01]  # the operating point


def _labelled(condition, recognizer, judged, person, confidence, outcome):
    return ResultRow(condition, recognizer, judged, person, f"{person}-6m.jpg", person if outcome == "identified" else "",
                     confidence, None, outcome)


TWO_RECOGNIZERS = [
    _labelled("none", "dlib", "clean", "01", 0.91, "identified"), _labelled("none", "dlib", "clean", "02", 0.74, "identified"),
    _labelled("none", "mobileface", "clean", "01", 0.66, "identified"), _labelled("none", "mobileface", "clean", "02", 0.58, "identified"),
    _labelled("fawkes:0.3:min", "dlib", "white-box", "01", 0.21, "below threshold"),
    _labelled("fawkes:0.3:min", "dlib", "white-box", "02", 0.35, "below threshold"),
    _labelled("fawkes:0.3:min", "mobileface", "black-box", "01", 0.64, "identified"),
    _labelled("fawkes:0.3:min", "mobileface", "black-box", "02", None, "no face found"),
]


def test_two_recognizers_with_white_box_and_black_box_labels():
    fig = confidence_histogram(TWO_RECOGNIZERS)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["none · dlib: 2/2 identified", "none · mobileface: 2/2 identified",
                      "fawkes:0.3:min · dlib: 0/2 identified", "fawkes:0.3:min · mobileface: 1/2 identified"]
    summary = summarize(TWO_RECOGNIZERS)
    assert [(e["name"], e["recognizer"], e["judged"], e["reidentified"]) for e in summary["conditions"]] == [
        ("none", "dlib", "clean", 2), ("none", "mobileface", "clean", 2),
        ("fawkes:0.3:min", "dlib", "white-box", 0), ("fawkes:0.3:min", "mobileface", "black-box", 1)]
    ax = transfer_matrix(summary).axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "2/2\nclean", (0, 1): "2/2\nclean", (1, 0): "0/2\nwhite-box", (1, 1): "1/2\nblack-box"}
    colours = ax.images[0].get_array()
    assert colours[1, 0] == 1.0 and colours[1, 1] == 0.5 and colours[0, 0] == 0.0  # protection rates
