"""Result rows, the per-condition summary, the manifest's package versions; results.csv written atomically
(``core.atomic``)."""
from __future__ import annotations

import csv
import io
import platform
import statistics
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path

from .atomic import write_text_atomic

IDENTIFIED = "identified"
WRONG_PERSON = "wrong person"
BELOW_THRESHOLD = "below threshold"
NO_FACE = "no face found"
ERROR = "error"
OUTCOMES = (IDENTIFIED, WRONG_PERSON, BELOW_THRESHOLD, NO_FACE, ERROR)


@dataclass
class ResultRow:
    condition: str
    recognizer: str
    judged: str  # "clean", "white-box" or "black-box"
    person: str
    file: str  # test photo, relative to the dataset folder
    predicted: str  # best candidate, "" when there is none
    confidence: float | None  # of the best candidate
    score: float | None  # the recognizer's raw distance or similarity
    outcome: str
    reason: str = ""  # why a photo could not be judged
    rank1_correct: bool | None = None  # the best candidate is the person (no threshold), see core.metrics
    threshold: float | None = None  # the operating point's raw-score threshold the outcome followed

    @property
    def key(self) -> tuple[str, str, str]:
        return self.condition, self.recognizer, self.file


FIELDS = [f.name for f in fields(ResultRow)]


def outcome_for(person: str, predicted: str, confidence: float | None, threshold: float) -> str:
    if not predicted or confidence is None or confidence < threshold:
        return BELOW_THRESHOLD
    return IDENTIFIED if predicted == person else WRONG_PERSON


def rows_to_csv(rows: list[ResultRow]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                         for k, v in asdict(row).items()})
    return buf.getvalue()


def write_rows_csv(path: Path | str, rows: list[ResultRow]) -> None:
    write_text_atomic(path, rows_to_csv(rows))


def read_rows(path: Path | str) -> list[ResultRow]:
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            for name in ("confidence", "score", "threshold"):
                raw[name] = float(raw[name]) if raw.get(name) not in (None, "") else None
            raw["rank1_correct"] = {"true": True, "false": False}.get(str(raw.get("rank1_correct")).lower())
            rows.append(ResultRow(**{k: raw.get(k, "") for k in FIELDS}))
    return rows


def summarize(rows: list[ResultRow], set_aside: dict[str, dict[str, str]] | None = None,
              notes: dict[str, list[str]] | None = None, asked: dict[tuple[str, str], str] | None = None) -> dict:
    """One entry per (condition, recognizer): every pair in ``asked`` ((condition, recognizer) -> how it is
    judged), in that order, even when nobody could be judged (``people`` 0 and a sentence saying why),
    then any other pair the rows hold.

    A person counts as re-identified when any of their test photos was identified (with the usual
    single test photo, that photo). protection_rate = people not re-identified / people.
    Confidence figures are over the identified test photos, as the reference study reported them.
    """
    set_aside, notes = set_aside or {}, notes or {}
    groups: dict[tuple[str, str], list[ResultRow]] = {pair: [] for pair in asked or {}}
    for row in rows:
        groups.setdefault((row.condition, row.recognizer), []).append(row)
    conditions = []
    for (condition, recognizer), group in groups.items():
        people = sorted({r.person for r in group})
        found = sorted({r.person for r in group if r.outcome == IDENTIFIED})
        confidences = [r.confidence for r in group if r.outcome == IDENTIFIED and r.confidence is not None]
        conditions.append({
            "name": condition,
            "recognizer": recognizer,
            "judged": group[0].judged if group else (asked or {}).get((condition, recognizer), ""),
            "people": len(people),
            "reidentified": len(found),
            "protected": len(people) - len(found),
            "protection_rate": (len(people) - len(found)) / len(people) if people else None,
            "confidence": {
                "min": min(confidences) if confidences else None,
                "median": statistics.median(confidences) if confidences else None,
                "max": max(confidences) if confidences else None,
            },
            "outcomes": {o: sum(r.outcome == o for r in group) for o in OUTCOMES},
            "not_reidentified": [p for p in people if p not in found],
            "set_aside": set_aside.get(condition, {}),
            "notes": notes.get(condition, []),
            "nobody_judged": None if people else nobody_judged(set_aside.get(condition, {})),
        })
    return {"conditions": conditions}


def nobody_judged(set_aside: dict[str, str]) -> str:
    """Why a condition has no result, in one sentence: "nobody could be judged: 3 people set aside — only 4
    of 5 training photos are cloaked"."""
    if not set_aside:
        return "nobody could be judged: no person has both training and test photos here"
    reasons: dict[str, int] = {}
    for why in set_aside.values():
        reasons[why] = reasons.get(why, 0) + 1
    n = len(set_aside)
    because = "; ".join(why if count == n else f"{count}: {why}" for why, count in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return f"nobody could be judged: {n} {'person' if n == 1 else 'people'} set aside — {because}"


PACKAGES = ("numpy", "pillow", "torch", "dlib-bin", "face_recognition_models", "matplotlib", "pyside6",
            "azure-cognitiveservices-vision-face", "msrest", "keyring")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
