"""A study's figures in plain words, as the command line, the window and the report say them."""
from __future__ import annotations

from ..conditions import short_condition
from ..fmr import fmr_words


def percent_with_interval(rate: float, ci: list[float] | None) -> str:
    """0.45, [0.30, 0.61] → "45% (30–61%)"."""
    text = f"{rate:.1%}".replace(".0%", "%")
    if ci:
        text += f" ({ci[0]:.0%}–{ci[1]:.0%})".replace("%–", "–")
    return text


def p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def closing_line(entry: dict) -> str:
    """One condition × recognizer of ``summary.json`` in plain words, as the CLI ends."""
    rank1, op = entry["rank1"], entry["operating_point"]
    where = (f"at {fmr_words(op.get('fmr'))}" if op.get("calibrated")
             else f"at its own confidence {op.get('threshold', 0.5):g} (not calibrated: no clean condition)")
    line = (f"{short_condition(entry['name'])} · {entry['recognizer']} ({entry['judged']}): best guess still right for "
            f"{rank1['reidentified']} of {rank1['people']}; {where}, re-identified {op['reidentified']} of "
            f"{op['people']} — protected {percent_with_interval(op['protection_rate'], op['ci95'])}")
    if "versus_clean" in entry:
        line += f"; different from clean: {p_words(entry['versus_clean']['p_value'])}"
    if entry.get("gallery") is not None and entry["gallery"] > entry["people"]:
        line += f"; gallery of {entry['gallery']} people"  # distractors: more people to be mistaken for
    return line
