"""The summary per condition × recognizer: rank-1, the operating point, the interval, the test against clean."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

SUMMARY_COLUMNS = ["Condition", "Recognizer", "Judged", "People", "Best guess right (rank-1)", "Threshold",
                   "Re-identified", "Protected (95% interval)", "Different from clean", "Confidence min · median · max",
                   "Set aside"]


def summary_cells(e: dict) -> list[str]:
    """One summary entry as the table's texts (an entry of a study still running has no operating point yet)."""
    from core.figures import short_condition
    from core.fmr import fmr_label
    from core.metrics.words import p_words, percent_with_interval
    from core.recognizers.spec import tracker_label

    c = e.get("confidence") or {}
    confidence = " · ".join("–" if c.get(k) is None else f"{c[k]:.2f}" for k in ("min", "median", "max"))
    set_aside = "; ".join(f"{p}: {why}" for p, why in (e.get("set_aside") or {}).items())
    rank1, op = e.get("rank1"), e.get("operating_point") or {}
    if not op:
        threshold = "(when the study ends)"
    elif op.get("threshold") is None:
        threshold = "none"
    elif op.get("calibrated"):
        threshold = f"{op['score']} {op['threshold']:.3f} (FMR {fmr_label(op['fmr'])})"
    else:
        threshold = f"own confidence {op['threshold']:g} (not calibrated)"
    versus = e.get("versus_clean")
    spread = (e.get("repeat_spread") or {}).get("protection_rate")
    if not e["people"]:  # asked for, but nobody could be judged: say why instead of a rate
        set_aside = e.get("nobody_judged") or "nobody could be judged"
    protected = "–" if e.get("protection_rate") is None else percent_with_interval(e["protection_rate"], op.get("ci95"))
    if spread:
        protected += f"; {len(e['repeats'])} runs: {spread['min']:.0%}–{spread['max']:.0%}"
    gallery = f" (gallery {e['gallery']})" if e.get("gallery") not in (None, e["people"]) else ""  # distractors
    # a spelled variant in plain words too: "dlib/nearest (dlib, matching the nearest photo)"
    return [short_condition(e["name"]), tracker_label(e["recognizer"]), e.get("judged", ""), f"{e['people']}{gallery}",
            f"{rank1['reidentified']} of {rank1['people']}" if rank1 else "",
            threshold, f"{e['reidentified']} of {e['people']}", protected,
            p_words(versus["p_value"]) if versus else "", confidence, set_aside]


class SummaryTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, len(SUMMARY_COLUMNS), parent)
        self.setHorizontalHeaderLabels(SUMMARY_COLUMNS)
        # sized to the entries in show_summary: a detector's line spans every column and would widen the first
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setToolTip("Rank-1: the best guess is the right person, with no threshold. Re-identified: the best guess is "
                        "right and passes the threshold set by the false-match rate. Protected: people not "
                        "re-identified ÷ people, with its 95% interval. Different from clean: an exact test on the "
                        "people whose outcome changed. White-box: judged by a network the cloak was made against "
                        "(overstates protection); black-box: by another one.")
        self.verticalHeader().setVisible(False)

    def show_summary(self, summary: dict) -> None:
        from core.detection import detection_lines

        entries = summary.get("conditions", [])
        spotted = detection_lines(summary)  # a line per cloaked condition: could a tracker spot the cloaks?
        self.clearSpans()
        self.clearContents()
        self.setRowCount(len(entries) + len(spotted))
        for i, e in enumerate(entries):
            for j, text in enumerate(summary_cells(e)):
                item = QTableWidgetItem(text)
                item.setToolTip(e["name"] if j == 0 else text)
                self.setItem(i, j, item)
        self.resizeColumnsToContents()  # before the detector's lines, which span the table
        for i, line in enumerate(spotted, start=len(entries)):
            item = QTableWidgetItem(line)
            item.setToolTip(line)
            self.setItem(i, 0, item)
            self.setSpan(i, 0, 1, len(SUMMARY_COLUMNS))
