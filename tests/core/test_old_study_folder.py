"""A study folder written before conditions were parsed once and listed their photos (``tests/fixtures/old_study``,
made by that code) still opens, reads the same, makes the same report and resumes; and the report of a new
study reads each condition's listing, falling back to what the study recorded when there is none."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.conditions import parse_spec, read_listing
from core.condition_photos import study_photos
from core.headline import headline_sentences
from core.study import StudyConfig, run_study
from core.study_folder import load_study
from tests.cli_runner import run_main
from tests.conftest import FIXTURES, REPO

OLD = FIXTURES / "old_study"
FAKE_FAWKES = REPO / "tests" / "fake_fawkes.py"


@pytest.fixture
def old_study(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # its dataset and imported cloaks were named from the repository root
    return shutil.copytree(OLD / "study", tmp_path / "study")


def _report_text(study: Path, pdf: Path) -> tuple[list[str], list[str]]:
    code, stdout, stderr = run_main("report", study, "--out", pdf)
    assert code == 0, stderr
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    return stdout.splitlines(), [line for page in pages for line in page.splitlines() if " · person " in line]


def test_an_old_study_reopens_reads_the_same_and_makes_the_same_report(old_study, tmp_path):
    expected = json.loads((OLD / "expected.json").read_text(encoding="utf-8"))
    study = load_study(old_study)
    assert study.finished and study.summary == json.loads((OLD / "study" / "summary.json").read_text(encoding="utf-8"))
    assert headline_sentences(study.summary, study.config.conditions, study.config.recognizers) == expected["report_sentences"]
    modified = study.config.conditions[2]
    assert read_listing(old_study, parse_spec(study.config.conditions[1])) is None  # no listing: written before them

    pdf = tmp_path / "report.pdf"
    said, examples = _report_text(old_study, pdf)
    assert said == [*expected["report_sentences"], f"Report written to {pdf}"]
    assert examples == expected["example_lines"]  # the imported cloaks found without a listing, the modified with its old one
    methods = re.sub(r"\s+", " ", PdfReader(pdf).pages[-1].extract_text())
    assert expected["conditions_in_full"] in methods

    photos = study_photos(old_study, modified, "01")  # the window's photos as enrolled, from the old listing
    assert [p.enrolled.name for p in photos] == ["01-1m.jpg", "01-2m.jpg", "01-3m_cloaked.jpg", "01-4m_cloaked.jpg",
                                                 "01-5m_cloaked.jpg"]
    assert all(p.enrolled.is_file() and p.steps for p in photos)


def test_an_old_study_resumes_with_nothing_to_redo_and_the_same_figures(old_study):
    before = json.loads((old_study / "summary.json").read_text(encoding="utf-8"))
    config = StudyConfig.from_json(json.loads((old_study / "study.json").read_text(encoding="utf-8")))
    config.out = old_study
    after = run_study(config)
    assert after["conditions"] == before["conditions"]
    assert (old_study / "results.csv").read_text() == (OLD / "study" / "results.csv").read_text()
    for condition in config.conditions:  # every condition now lists its photos
        listing = read_listing(old_study, parse_spec(condition))
        assert listing is not None and len(listing.files()) == 15 and all(f.is_file() for f in listing.files().values())


def test_the_report_reads_the_listing_and_falls_back_without_it(fixture_imm, tmp_path):
    """The original program's cloaks (``cloaks/external-min/``): listed by the study, then found again from
    what the study recorded once the listing is gone, as for a folder written before listings existed."""
    out = tmp_path / "study"
    run_study(StudyConfig(fixture_imm, out, conditions=["none", "external:min"],
                          cloak_options={"external_command": f"{sys.executable} {FAKE_FAWKES}"}))
    listing = read_listing(out, parse_spec("external:min"))
    assert listing.folder == out / "cloaks" / "external-min"
    assert sorted(listing.files().values()) == sorted((out / "cloaks" / "external-min").glob("*_min_cloaked.png"))

    said, examples = _report_text(out, tmp_path / "listed.pdf")
    assert examples and all(line.startswith("Fawkes min (original program, run here) · person ") for line in examples)
    (out / parse_spec("external:min").enrolled_dir / "enrolled.json").unlink()
    assert _report_text(out, tmp_path / "unlisted.pdf")[1] == examples
