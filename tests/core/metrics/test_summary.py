"""The typed summary (core.metrics.summary) reads a summary.json and writes it back byte for byte: an older study
folder's, and one holding keys this version does not know."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from core.metrics.build import summarize
from core.metrics.summary import UNSET, StudySummary
from core.results import read_rows
from tests.conftest import FIXTURES

OLD = FIXTURES / "old_study" / "study"


def _written(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"  # as core.atomic.write_json_atomic writes it


def test_an_old_study_folders_summary_is_read_as_types_and_written_back_the_same():
    text = (OLD / "summary.json").read_text(encoding="utf-8")
    summary = StudySummary.from_json(json.loads(text))
    clean = summary.entry("none", "dlib")
    assert (clean.rank1.people, clean.operating_point.point.calibrated, clean.operating_point.figures.reidentified,
            clean.gallery, clean.curve[-1].threshold) == (3, True, 3, 3, None)
    assert summary.score_scales is UNSET and summary.finished is True  # written before scales were (December 2026)
    assert _written(summary.to_json()) == text


def test_keys_of_another_version_are_kept_and_a_field_never_set_is_not_written():
    data = json.loads((OLD / "summary.json").read_text(encoding="utf-8"))
    data["conditions"][0]["gallery"] = None  # a pair finished before galleries were recorded: null, not absent
    data["conditions"][1]["tracker_side"] = {"cleaning": "median:3"}  # an entry key of a later version
    finished = data.pop("finished")  # cloak_detection is written before it
    data.update(cloak_detection=[{"condition": data["conditions"][1]["name"], "auc": 0.7}], finished=finished,
                later="kept")
    assert _written(StudySummary.from_json(copy.deepcopy(data)).to_json()) == _written(data)
    running = summarize(read_rows(OLD / "results.csv"))  # a study still running: counts, nothing judged yet
    assert list(running) == ["conditions"]
    assert not {"rank1", "operating_point", "curve", "versus_clean", "gallery", "repeats"} & set(running["conditions"][0])
    assert running["conditions"][0]["nobody_judged"] is None
