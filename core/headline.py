"""The study's answer in one plain sentence per condition × recognizer: "Fawkes 0.3.1 high (original
program) · dlib, black-box: 3 of 5 people protected (23–88%), at 1 stranger in 100". The figures are the
operating point's (``core.metrics``: its FMR-calibrated threshold and its Wilson interval); the Results tab, the
command line and the PDF report all show these same sentences, in the same order.

The order does not flatter the cloak: black-box lines first (judged by a network the cloak was not made
against: the honest test), then the clean photos, and white-box lines last (judged by the very network the cloak
was optimised against, which it nearly always fools), greyed and saying so in words. Within each group the
study's own order (conditions, then recognizers) is kept.
"""
from __future__ import annotations

from dataclasses import dataclass

from .conditions import plain_condition

# protection 0 → red, ½ → amber, 1 → green (light, so that black text stays readable)
COLOUR_STOPS = ((0.0, (0xF4, 0xC7, 0xC3)), (0.5, (0xFC, 0xE8, 0xB2)), (1.0, (0xC8, 0xE6, 0xC9)))
# a white-box line is grey, never green: its protection is not evidence that the cloak works
MUTED_COLOUR, MUTED_TEXT, TEXT = "#e4e4e4", "#555555", "#111111"
WHITE_BOX_WORDS = "judged by the network the cloak was made against — this flatters it"
# black-box first (the honest answer), clean next (the baseline), white-box last; anything else with clean
JUDGED_ORDER = {"black-box": 0, "clean": 1, "white-box": 2}


@dataclass(frozen=True)
class Headline:
    condition: str  # the condition's full spelling, as in summary.json
    recognizer: str
    judged: str  # "clean", "white-box" or "black-box"
    protected: int
    people: int
    protection_rate: float
    ci95: tuple[float, float] | None
    text: str

    @property
    def flatters(self) -> bool:
        """A white-box line: the cloak judged by a network it was made against, so it looks better than it is."""
        return self.judged == "white-box"

    @property
    def colour(self) -> str:
        """The line's background: the protection's colour, or grey for a white-box line."""
        return MUTED_COLOUR if self.flatters else protection_colour(self.protection_rate)

    @property
    def text_colour(self) -> str:
        return MUTED_TEXT if self.flatters else TEXT


def protection_colour(rate: float) -> str:
    """A light background colour for a protection rate: red (nobody protected) to green (everyone)."""
    rate = min(max(rate, 0.0), 1.0)
    for (a, ca), (b, cb) in zip(COLOUR_STOPS, COLOUR_STOPS[1:]):
        if rate <= b:
            t = (rate - a) / (b - a)
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))
    return "#" + "".join(f"{x:02x}" for x in COLOUR_STOPS[-1][1])


def interval_words(ci95) -> str:
    """[0.231, 0.882] → "23–88%"."""
    return f"{ci95[0]:.0%}–{ci95[1]:.0%}".replace("%–", "–")


def where_words(point: dict) -> str:
    """The operating point a figure was read at, in words."""
    from .fmr import fmr_words

    if not point:
        return "at the recognizer's own threshold"
    if point.get("calibrated"):
        return f"at {fmr_words(point.get('fmr'))}" if point.get("threshold") is not None else "with no threshold (rank-1)"
    threshold = point.get("threshold")
    return "at its own confidence threshold" + (f" {threshold:g}" if threshold is not None else "")


def headlines(summary: dict, conditions: list[str] | None = None, recognizers: list[str] | None = None) -> list[Headline]:
    """One ``Headline`` per summary entry with people: black-box, then clean, then white-box; within each, ordered
    as ``conditions`` then ``recognizers`` (the study's own order; entries not named there come after, as they
    are in the summary)."""
    entries = [e for e in summary.get("conditions", []) if e.get("people")]
    conditions, recognizers = list(conditions or []), list(recognizers or [])

    def place(item):
        index, e = item
        c = conditions.index(e["name"]) if e["name"] in conditions else len(conditions)
        r = recognizers.index(e["recognizer"]) if e["recognizer"] in recognizers else len(recognizers)
        return JUDGED_ORDER.get(e.get("judged"), JUDGED_ORDER["clean"]), c, r, index

    out = []
    for _, e in sorted(enumerate(entries), key=place):
        point = e.get("operating_point") or {}
        people = point.get("people", e["people"])
        found = point.get("reidentified", e["reidentified"])
        rate = point.get("protection_rate", e["protection_rate"])
        ci = tuple(point["ci95"]) if point.get("ci95") else None
        text = (f"{plain_condition(e['name'])} · {e['recognizer']}, {e.get('judged', '')}: {people - found} of {people} "
                f"{'person' if people == 1 else 'people'} protected" + (f" ({interval_words(ci)})" if ci else "")
                + f", {where_words(point)}" + (f"; {WHITE_BOX_WORDS}" if e.get("judged") == "white-box" else ""))
        out.append(Headline(e["name"], e["recognizer"], e.get("judged", ""), people - found, people, rate, ci, text))
    return out


def headline_sentences(summary: dict, conditions: list[str] | None = None, recognizers: list[str] | None = None) -> list[str]:
    return [h.text for h in headlines(summary, conditions, recognizers)]


def in_headline_order(summary: dict, conditions: list[str] | None = None, recognizers: list[str] | None = None) -> list[dict]:
    """Every summary entry, those with a headline in its order, then those nobody could be judged in (never
    left out), so that the report's table and the command's closing lines read in the same order."""
    order = {(h.condition, h.recognizer): i for i, h in enumerate(headlines(summary, conditions, recognizers))}
    entries = summary.get("conditions", [])
    return sorted(entries, key=lambda e: order.get((e["name"], e["recognizer"]), len(order)))
