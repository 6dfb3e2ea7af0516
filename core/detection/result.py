"""What the detector found for one cloaked condition, as plain fields for the summary (``cloak_detection``),
and in plain words for the Results tab, the report and "Check my own photos"."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..conditions.spec import parse_spec
from .formats import COMPARED, FORMAT_WORDS

EASE_WORDS = ((0.9, "very easily"), (0.75, "easily"), (0.6, "with some effort"), (0.0, "hardly (close to guessing)"))


@dataclass
class CloakDetection:
    condition: str  # the full spelling
    format: str = COMPARED  # what the figures below were measured in
    format_words: str = FORMAT_WORDS[COMPARED]
    auc: float | None = None
    auc_ci95: list[float] | None = None
    caught_at_1_in_20: float | None = None  # share of cloaked photos flagged when 1 in 20 clean photos is
    as_saved_auc: float | None = None  # the files as saved: a warning of what the format alone gives away
    as_saved_ci95: list[float] | None = None
    cloaked_photos: int = 0
    clean_photos: int = 0
    groups: int = 0  # people (photos, in a self-check)
    folds: int = 0
    features: str = ""
    model: str = ""
    interval: str = ""  # how the 95% interval was found
    seed: int = 0
    skipped: list[str] = field(default_factory=list)  # photos that could not be scored, with why
    reason: str = ""  # why there are no figures, when there are none

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "CloakDetection":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def ease(self) -> str:
        if self.auc is None:
            return "could not be measured"
        return next(words for floor, words in EASE_WORDS if self.auc >= floor)

    def figures(self) -> str:
        """"AUC 0.96 (95% interval 0.93–0.99); 80% caught at 1 in 20 clean photos flagged"."""
        if self.auc is None:
            return f"not measured: {self.reason}"
        interval = f" (95% interval {self.auc_ci95[0]:.2f}–{self.auc_ci95[1]:.2f})" if self.auc_ci95 else ""
        caught = ("" if self.caught_at_1_in_20 is None
                  else f"; {self.caught_at_1_in_20:.0%} caught when 1 in 20 clean photos is flagged")
        return f"AUC {self.auc:.2f}{interval}{caught}"

    def sentence(self) -> str:
        """One plain line: how easily a tracker could spot these cloaks."""
        if self.auc is None:
            return f"Whether a tracker could spot these cloaks was not measured: {self.reason}."
        caught = ("" if self.caught_at_1_in_20 is None else
                  f"; flagging 1 in 20 clean photos by mistake, it would catch {self.caught_at_1_in_20:.0%} of the "
                  "cloaked ones")
        return (f"A tracker could spot these cloaks {self.ease}: its detector ranks a cloaked photo above a clean "
                f"one {self.auc:.0%} of the time ({self.figures().split(';')[0]}){caught}.")

    def format_warning(self) -> str:
        """The as-saved figure, said as the warning it is; "" when it was not measured."""
        if self.as_saved_auc is None or self.auc is None:
            return ""
        return (f"Scored on the files as saved instead, the AUC would be {self.as_saved_auc:.2f}: the difference is "
                "what the file format alone gives away, not the cloak.")


def detection_lines(summary: dict) -> list[str]:
    """A plain line per cloaked condition of a summary (``cloak_detection``), for the Results tab and the report:
    the condition, how easily a tracker could spot its cloaks, and the as-saved figure as a warning."""
    lines = []
    for entry in summary.get("cloak_detection") or []:
        found = CloakDetection.from_json(entry)
        try:
            words = parse_spec(found.condition).words
        except ValueError:
            words = found.condition
        lines.append(" ".join(part for part in (f"{words}: {found.sentence()}", found.format_warning()) if part))
    return lines
