from matplotlib.figure import Figure

from core.figures import confidence_histogram, transfer_matrix
from core.results import ResultRow, summarize


def _row(condition, person, confidence, outcome):
    return ResultRow(condition, "dlib", "clean", person, f"{person}-6m.jpg", person if confidence else "", confidence,
                     None, outcome)


ROWS = [
    _row("none", "01", 0.81, "identified"), _row("none", "02", 0.83, "identified"), _row("none", "03", 0.62, "identified"),
    _row("import:/x/high", "01", 0.42, "below threshold"), _row("import:/x/high", "02", None, "no face found"),
    _row("import:/x/high", "03", 0.55, "identified"),
]


def test_histogram_counts_photos_per_condition_with_failures_as_their_own_bar():
    fig = confidence_histogram(ROWS)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    heights = [round(p.get_height()) for p in ax.patches]
    # per condition: 10 confidence bins and then one "no result" bar
    clean, cloaked = heights[:10], heights[11:21]
    assert sum(clean) == 3 and heights[10] == 0
    assert sum(cloaked) == 2 and heights[21] == 1
    assert clean[8] == 2 and clean[6] == 1  # 0.81, 0.83 in 0.8-0.9; 0.62 in 0.6-0.7
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["none (3/3 identified)", "import:high (1/3 identified)"]


def test_summary_and_transfer_matrix():
    summary = summarize(ROWS)
    high = summary["conditions"][1]
    assert (high["people"], high["reidentified"], round(high["protection_rate"], 3)) == (3, 1, 0.667)
    assert high["confidence"] == {"min": 0.55, "median": 0.55, "max": 0.55}
    assert high["outcomes"]["no face found"] == 1 and high["not_reidentified"] == ["01", "02"]
    texts = [t.get_text() for t in transfer_matrix(summary).axes[0].texts]
    assert texts == ["3/3\nclean", "1/3\nclean"]


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
    assert labels == ["none · dlib (2/2 identified)", "none · mobileface (2/2 identified)",
                      "fawkes:0.3:min · dlib (0/2 identified)", "fawkes:0.3:min · mobileface (1/2 identified)"]
    summary = summarize(TWO_RECOGNIZERS)
    assert [(e["name"], e["recognizer"], e["judged"], e["reidentified"]) for e in summary["conditions"]] == [
        ("none", "dlib", "clean", 2), ("none", "mobileface", "clean", 2),
        ("fawkes:0.3:min", "dlib", "white-box", 0), ("fawkes:0.3:min", "mobileface", "black-box", 1)]
    ax = transfer_matrix(summary).axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "2/2\nclean", (0, 1): "2/2\nclean", (1, 0): "0/2\nwhite-box", (1, 1): "1/2\nblack-box"}
    colours = ax.images[0].get_array()
    assert colours[1, 0] == 1.0 and colours[1, 1] == 0.5 and colours[0, 0] == 0.0  # protection rates
