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
