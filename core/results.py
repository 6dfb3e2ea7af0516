"""Result rows and their outcomes, and the manifest's package versions; results.csv written atomically
(``core.atomic``). The summary built from the rows is ``core.metrics.build``'s."""
from __future__ import annotations

import csv
import io
import platform
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
    rank1_correct: bool | None = None  # the best candidate is the person (no threshold), see core.metrics.build
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
