"""The study's summary as types: what ``summary.json`` holds, field for field, in the order it is written.

Built in one place (``core.metrics.build``) from the judged rows and the scores; the study run adds only what it
alone knows (each pair's gallery, ``finished``), the repeats their runs. ``to_json`` writes exactly the fields a
summary has always had, so a study folder written before reads the same: a field left ``UNSET`` is not written
at all (``None`` is written as null), and keys this version does not know are kept in ``extra`` and written back.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, ClassVar

from ..score_scale import ScoreScale


class _Unset:
    """A field the summary does not have: not even null in ``summary.json``."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def _plain(value):
    """A field's value as JSON holds it."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _list_of(read: Callable) -> Callable:
    return lambda values: [read(v) for v in values]


def _dict_of(read: Callable) -> Callable:
    return lambda values: {k: read(v) for k, v in values.items()}


@dataclass
class Record:
    """A JSON object read and written in field order: ``UNSET`` fields left out, unknown keys kept in ``extra``.
    ``READ``: how a field's JSON becomes its type (fields not named there are kept as JSON gives them)."""

    READ: ClassVar[dict[str, Callable]] = {}

    def to_json(self) -> dict:
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)
                if f.name != "extra" and getattr(self, f.name) is not UNSET}
        data.update((k, v) for k, v in getattr(self, "extra", {}).items() if k not in data)
        return data

    @classmethod
    def from_json(cls, data: dict):
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: cls.READ.get(k, lambda v: v)(v) for k, v in data.items() if k in known}
        if any(f.name == "extra" for f in fields(cls)):
            values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)


@dataclass
class Figures(Record):
    """People re-identified at one line, and the protection rate with its 95% Wilson interval."""

    reidentified: int
    people: int
    protection_rate: float | None
    ci95: list[float] | None


@dataclass
class PointRecord(Record):
    """Where a tracker's line was drawn (``OperatingPoint.record``); ``threshold_confidence``: the line as a
    confidence, for the figures."""

    fmr: float | None
    threshold: float | None
    score: str
    impostor_comparisons: int
    calibrated: bool
    threshold_confidence: float | None


@dataclass
class AtPoint:
    """An entry's ``operating_point``: where the line was (none for an entry judged without one) and the figures
    there, written as one object."""

    point: PointRecord | None
    figures: Figures

    def to_json(self) -> dict:
        return {**(self.point.to_json() if self.point else {}), **self.figures.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> "AtPoint":
        figures = Figures.from_json({k: data.get(k) for k in ("reidentified", "people", "protection_rate", "ci95")})
        point = {k: v for k, v in data.items() if k not in ("reidentified", "people", "protection_rate", "ci95")}
        return cls(PointRecord.from_json(point) if point else None, figures)


@dataclass
class CurvePoint(Record):
    fmr: float
    threshold: float | None
    reidentified: int


@dataclass
class VersusClean(Record):
    """The exact McNemar test against the clean condition, on the people judged in both."""

    changed_people: int
    p_value: float


@dataclass
class Confidence(Record):
    """Of the identified test photos, as the reference study reported them."""

    min: float | None
    median: float | None
    max: float | None


@dataclass
class RepeatRun(Record):
    """What one run of a repeated study contributes (``core.repeats``)."""

    seed: int
    reidentified: int
    people: int
    protection_rate: float | None
    rank1_reidentified: int


@dataclass
class Spread(Record):
    mean: float
    min: float
    max: float


@dataclass
class RepeatRecord(Record):
    """The summary's ``repeat``: how many runs, their seeds, the conditions run again and the runs' folders."""

    runs: int
    seeds: list[int]
    conditions: list[str]
    folders: list[str]


@dataclass
class PairSummary(Record):
    """One condition × tracker. ``reidentified``, ``protected`` and ``protection_rate`` are at the operating
    point once the study is judged (as the rows' outcomes say before)."""

    name: str
    recognizer: str
    judged: str  # "clean", "white-box" or "black-box"
    people: int
    reidentified: int
    protected: int
    protection_rate: float | None
    confidence: Confidence
    outcomes: dict[str, int]
    not_reidentified: list[str]
    set_aside: dict[str, str]
    notes: list[str]
    nobody_judged: str | None = UNSET  # why nobody could be judged; None when somebody was
    rank1: Figures = UNSET  # no threshold at all: the best guess is right
    operating_point: AtPoint = UNSET
    curve: list[CurvePoint] = UNSET  # people re-identified at each FMR of core.fmr.CURVE_FMRS
    versus_clean: VersusClean = UNSET  # every cloaked condition of a study with a clean one
    gallery: int | None = UNSET  # people the test photos were matched against (None: not recorded)
    repeats: list[RepeatRun] = UNSET
    repeat_spread: dict[str, Spread] = UNSET  # "protection_rate" and "reidentified": mean, min, max over the runs
    extra: dict = field(default_factory=dict)

    READ: ClassVar[dict[str, Callable]] = {
        "confidence": Confidence.from_json, "rank1": Figures.from_json, "operating_point": AtPoint.from_json,
        "curve": _list_of(CurvePoint.from_json), "versus_clean": VersusClean.from_json,
        "repeats": _list_of(RepeatRun.from_json), "repeat_spread": _dict_of(Spread.from_json)}

    @property
    def pair(self) -> tuple[str, str]:
        return self.name, self.recognizer


@dataclass
class StudySummary(Record):
    """``summary.json``. ``cloak_detection``: how well a detector tells each cloaked condition's photos from clean
    ones, a record per cloaked condition (written only when a study measured it)."""

    conditions: list[PairSummary]
    operating_points: dict[str, PointRecord] = UNSET
    score_scales: dict[str, ScoreScale] = UNSET
    fmr: float = UNSET
    cloak_detection: list[dict] = UNSET
    finished: bool = UNSET
    repeat: RepeatRecord = UNSET
    extra: dict = field(default_factory=dict)

    READ: ClassVar[dict[str, Callable]] = {
        "conditions": _list_of(PairSummary.from_json), "operating_points": _dict_of(PointRecord.from_json),
        "score_scales": _dict_of(ScoreScale.from_json), "repeat": RepeatRecord.from_json}

    def entry(self, condition: str, recognizer: str) -> PairSummary | None:
        return next((e for e in self.conditions if e.pair == (condition, recognizer)), None)

    def kept_from(self, before: "StudySummary") -> "StudySummary":
        """This summary, with what only ``before`` recorded (galleries, repeats, ``finished``, keys of another
        version) carried over, in ``before``'s order of entries; entries only ``before`` has are kept as they were."""
        made = {e.pair: e for e in self.conditions}
        for old in before.conditions:
            if old.pair in made:
                _fill(made[old.pair], old)
        self.conditions = [made.pop(old.pair, old) for old in before.conditions] + list(made.values())
        _fill(self, before)
        return self


def _fill(record: Record, before: Record) -> None:
    """``record``'s unset fields and unknown keys taken from ``before``."""
    for f in fields(record):
        if f.name == "extra":
            record.extra = {**before.extra, **record.extra}
        elif getattr(record, f.name) is UNSET:
            setattr(record, f.name, getattr(before, f.name))
