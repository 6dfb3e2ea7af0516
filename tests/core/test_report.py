"""The headline sentences and the PDF report, on a real study of the bundled sample (clean photos and the real
Fawkes 0.3.1 high cloaks that come with it, judged by dlib): the report's text is text, holds every headline
sentence, and its figures are summary.json's."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.headline import headline_sentences, headlines, protection_colour
from core.sample import SAMPLE, SAMPLE_CLOAKS, first_run_conditions
from tests.cli_runner import run_main as _main

HIGH = f"import:{SAMPLE_CLOAKS / 'high'}"


@pytest.fixture(scope="module")
def sample_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "study"
    code, stdout, stderr = _main("study", "--dataset", SAMPLE, "--out", out, "--condition", HIGH, "--condition", "none")
    assert code == 0, stderr
    return out, stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_sample_is_read_as_imm_names_and_the_first_run_has_the_real_cloaks():
    from core.datasets import open_dataset

    dataset = open_dataset(SAMPLE, check_images=False)
    assert dataset.layout == "imm" and len(dataset.photos) == 30 and not dataset.problems  # the cloaks are not people
    assert first_run_conditions() == ["none", f"import:{SAMPLE_CLOAKS / 'min'}", HIGH, "fawkes:0.3:min"]
    for mode in ("min", "high"):
        assert sorted(p.name for p in (SAMPLE_CLOAKS / mode).iterdir()) == [
            f"{person:02d}-{photo}m_{mode}_cloaked.png" for person in range(1, 6) for photo in range(1, 6)]
    assert "Fawkes 0.3.1" in (SAMPLE / "ATTRIBUTION.txt").read_text(encoding="utf-8")


def test_headline_in_the_conditions_order_with_the_operating_points_figures(sample_study):
    out, stdout = sample_study
    summary = json.loads((out / "summary.json").read_text())
    found = headlines(summary, [HIGH, "none"], ["dlib"])
    assert [h.condition for h in found] == [HIGH, "none"]  # as the study named them, not as the summary lists them
    for h in found:
        entry = next(e for e in summary["conditions"] if e["name"] == h.condition)
        point = entry["operating_point"]
        lo, hi = point["ci95"]
        assert h.protected == point["people"] - point["reidentified"] and h.people == point["people"]
        assert f"{h.protected} of {h.people} people protected ({lo:.0%}–{hi:.0%})".replace("%–", "–") in h.text
        assert h.text.endswith("at 1 stranger in 100")
    assert found[0].text.startswith("Fawkes 0.3.1 high (original program) · dlib, black-box: ")
    assert found[1].text.startswith("No cloak · dlib, clean: ")
    # the command line ends with the same sentences
    assert stdout.split("In short:\n")[1].splitlines()[:2] == [f"  {h.text}" for h in found]
    assert protection_colour(0.0) == "#f4c7c3" and protection_colour(1.0) == "#c8e6c9" != protection_colour(0.5)


def test_report_command_writes_a_pdf_whose_text_is_the_summary(sample_study, tmp_path):
    out, _ = sample_study
    pdf = tmp_path / "report.pdf"
    code, stdout, stderr = _main("report", out, "--out", pdf)
    assert code == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    config = json.loads((out / "study.json").read_text())
    sentences = headline_sentences(summary, config["conditions"], config["recognizers"])
    assert stdout.splitlines() == [*sentences, f"Report written to {pdf}"]

    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) >= 4  # the answer, the histogram, the curve, example cloaks, methods
    first = _flat(pages[0])
    for sentence in sentences:
        assert sentence in first
    for entry in summary["conditions"]:  # the table's figures, read back from the PDF
        rank1, point = entry["rank1"], entry["operating_point"]
        lo, hi = point["ci95"]
        assert f"{rank1['reidentified']} of {rank1['people']}" in first
        assert f"{point['reidentified']} of {point['people']}" in first
        assert f"{point['protection_rate']:.0%} ({lo:.0%}–{hi:.0%})".replace("%–", "–") in first
    everything = _flat(" ".join(pages))
    assert "Example cloaks: original | cloaked | difference" in everything
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dataset"]["fingerprint_sha256"][:40] in everything.replace(" ", "")
    assert HIGH in everything.replace(" ", "") or HIGH.replace(" ", "") in everything.replace(" ", "")
    assert "Stegmann" in everything and "USENIX Security" in everything


def test_report_on_a_folder_that_is_not_a_study_says_why(tmp_path):
    code, _, stderr = _main("report", tmp_path)
    assert code == 2
    assert stderr.strip().splitlines() == [f"error: {tmp_path} is not a study folder (it has no study.json)."]
    assert not (tmp_path / "report.pdf").exists()


def test_the_report_lists_a_condition_nobody_could_be_judged_in(fixture_imm, tmp_path):
    """A condition in which every person was set aside is in the report's table, said as such, never left out."""
    import shutil

    from core.study import StudyConfig, run_study

    partial = tmp_path / "partial"
    partial.mkdir()
    for person in ("01", "02", "03"):
        for i in range(1, 5):  # 4 of 5 training photos each: everyone is set aside
            shutil.copy(fixture_imm / f"{person}-{i}m.jpg", partial / f"{person}-{i}m_min_cloaked.png")
    out = tmp_path / "study"
    run_study(StudyConfig(fixture_imm, out, conditions=["none", f"import:{partial}"]))
    pdf = tmp_path / "report.pdf"
    code, _, stderr = _main("report", out, "--out", pdf)
    assert code == 0, stderr
    first = _flat(PdfReader(pdf).pages[0].extract_text())
    assert "nobody judged" in first
