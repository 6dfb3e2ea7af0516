import csv
import json
import shutil
from pathlib import Path

import pytest

from core.jobs import Cancelled, Job
from core.results import read_rows
from core.study import StudyConfig, run_study
from core.study_folder import load_study
from tests.photo_cases import background_only, copy_persons, truncate


def _fake_cloaks(fixture_imm: Path, folder: Path) -> Path:
    """Training photos renamed as another tool names its cloaks: 01 and 02 complete, 03 partly."""
    folder.mkdir()
    for person, photos in (("01", range(1, 6)), ("02", range(1, 6)), ("03", (1, 2))):
        for i in photos:
            shutil.copy(fixture_imm / f"{person}-{i}m.jpg", folder / f"{person}-{i}m_min_cloaked.png")
    shutil.copy(fixture_imm / "01-6m.jpg", folder / "77-1m_min_cloaked.png")
    return folder


def test_study_writes_the_four_files_and_counts_people(fixture_imm, tmp_path):
    out = tmp_path / "study"
    cloaks = _fake_cloaks(fixture_imm, tmp_path / "cloaks")
    notes = []
    summary = run_study(
        StudyConfig(fixture_imm, out, conditions=["none", f"import:{cloaks}"]),
        Job(lambda p: notes.append(p.message) if p.stage == "note" else None),
    )
    by_name = {c["name"]: c for c in summary["conditions"]}
    clean, imported = by_name["none"], by_name[f"import:{cloaks}"]
    assert (clean["people"], clean["reidentified"], clean["protection_rate"]) == (3, 3, 0.0)
    assert 0.5 < clean["confidence"]["min"] <= clean["confidence"]["median"] <= clean["confidence"]["max"] <= 1
    assert imported["people"] == 2 and imported["judged"] == "black-box"
    assert imported["set_aside"] == {"03": "only 2 of 5 training photos are cloaked"}
    assert any("77-1m_min_cloaked.png: matches no training photo" in n for n in notes)

    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["file"] for r in rows] == ["01-6m.jpg", "02-6m.jpg", "03-6m.jpg", "01-6m.jpg", "02-6m.jpg"]
    assert set(rows[0]) == {"condition", "recognizer", "judged", "person", "file", "predicted", "confidence", "score", "outcome", "reason",
                           "rank1_correct", "threshold"}
    assert json.loads((out / "summary.json").read_text())["conditions"][0]["reidentified"] == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["split"]["rule"] == "imm" and len(manifest["dataset"]["fingerprint_sha256"]) == 64
    assert manifest["recognizers"]["dlib"]["model"] == "dlib_face_recognition_resnet_model_v1.dat"
    assert len(manifest["recognizers"]["dlib"]["sha256"]) == 64
    # the catalogue's entry too: where the tracker runs and whether a cloak can be made against it
    assert manifest["recognizers"]["dlib"]["kind"] == "offline" and manifest["recognizers"]["dlib"]["can_drive_a_cloak"]
    assert manifest["packages"]["torch"].startswith("2.")
    assert (out / "confidence_histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp")), "no temporary files may be left behind"


def test_a_cancelled_study_resumes_without_redoing_finished_rows(fixture_imm, tmp_path):
    out = tmp_path / "study"
    config = StudyConfig(fixture_imm, out)
    job = Job()
    seen = []

    def cancel_after_two(row):
        seen.append(row.file)
        if len(seen) == 2:
            job.cancel()

    with pytest.raises(Cancelled):
        run_study(config, job, on_row=cancel_after_two)
    first = read_rows(out / "results.csv")
    assert [r.file for r in first] == ["01-6m.jpg", "02-6m.jpg"]
    assert not (out / "summary.json").exists()

    again = []
    run_study(config, Job(), on_row=lambda row: again.append(row.file))
    assert again == ["03-6m.jpg"]
    measured = lambda rows: [(r.file, r.predicted, r.confidence, r.score) for r in rows]  # the threshold comes at the end
    assert measured(read_rows(out / "results.csv")[:2]) == measured(first)
    assert load_study(out).finished


def test_bad_photos_get_a_reason_and_the_run_goes_on(fixture_imm, tmp_path):
    data = copy_persons(fixture_imm, tmp_path / "d", ("01", "02", "03"))
    background_only(fixture_imm / "02-6m.jpg", data / "02-6m.jpg.png")
    (data / "02-6m.jpg").unlink()
    (data / "02-6m.jpg.png").rename(data / "02-6m.png")
    truncate(data / "03-2m.jpg")
    notes = []
    summary = run_study(StudyConfig(data, tmp_path / "out"), Job(lambda p: notes.append(p.message) if p.stage == "note" else None))
    rows = {r.person: r for r in read_rows(tmp_path / "out" / "results.csv")}
    assert rows["02"].outcome == "no face found" and rows["02"].reason == "no face found"
    assert rows["01"].outcome == rows["03"].outcome == "identified"
    assert summary["conditions"][0]["people"] == 3 and summary["conditions"][0]["reidentified"] == 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert any("03-2m.jpg" in p and "damaged" in p for p in manifest["dataset"]["unusable_photos"])


@pytest.mark.slow
def test_reference_study_with_dlib_on_the_full_imm_database(imm_dir, cloaks_dir, tmp_path):
    summary = run_study(StudyConfig(imm_dir, tmp_path / "imm", conditions=["none", f"import:{cloaks_dir / 'min'}"]))
    clean, minimal = summary["conditions"]
    assert (clean["people"], clean["reidentified"]) == (40, 40)
    assert (minimal["people"], minimal["reidentified"]) == (5, 5)
    assert len(minimal["set_aside"]) == 35  # persons 06-40 have no cloaked photos
