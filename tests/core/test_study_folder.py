"""A study folder never mixes two studies, never drops a condition, and resumes to what an uninterrupted run writes."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import cli
from core.jobs import Cancelled, Job
from core.study import StudyConfig, run_study
from core.study_folder import DifferentStudy
from tests.cli_runner import run_main
from tests.photo_cases import background_only, copy_persons
from tests.conftest import REPO



def _cloaks(fixture_imm: Path, folder: Path, persons=("01", "02", "03"), photos=range(1, 6)) -> Path:
    folder.mkdir()
    for person in persons:
        for i in photos:
            shutil.copy(fixture_imm / f"{person}-{i}m.jpg", folder / f"{person}-{i}m_min_cloaked.png")
    return folder


def _without_times(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k not in ("finished_at", "seconds")}


def test_a_condition_where_nobody_can_be_judged_is_in_the_summary_with_its_reason(fixture_imm, tmp_path):
    partial = _cloaks(fixture_imm, tmp_path / "partial", photos=range(1, 5))  # 4 of 5 training photos each
    summary = run_study(StudyConfig(fixture_imm, tmp_path / "s", conditions=["none", f"import:{partial}"]))
    entries = {e["name"]: e for e in summary["conditions"]}
    assert list(entries) == ["none", f"import:{partial}"]
    imported = entries[f"import:{partial}"]
    assert (imported["people"], imported["reidentified"], imported["protection_rate"], imported["judged"]) == (0, 0, None, "black-box")
    assert imported["set_aside"] == {p: "only 4 of 5 training photos are cloaked" for p in ("01", "02", "03")}
    assert imported["nobody_judged"] == "nobody could be judged: 3 people set aside — only 4 of 5 training photos are cloaked"
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["conditions"][1] == imported
    assert entries["none"]["nobody_judged"] is None


def test_the_command_says_why_a_condition_has_no_result_and_fails_when_nothing_was_judged(fixture_imm, tmp_path, capsys):
    partial = _cloaks(fixture_imm, tmp_path / "partial", photos=range(1, 5))
    args = ["study", "--dataset", str(fixture_imm), "--condition", f"import:{partial}"]
    sentence = "nobody could be judged: 3 people set aside — only 4 of 5 training photos are cloaked"
    assert cli.main([*args, "--out", str(tmp_path / "a")]) == 1
    only = capsys.readouterr()
    assert f"import:{partial} · dlib (black-box): {sentence}" in only.out.splitlines()
    assert only.err.strip().splitlines()[-1] == f"error: no condition could be judged: import:{partial} · dlib: {sentence}"
    assert cli.main([*args, "--condition", "none", "--out", str(tmp_path / "b")]) == 0
    both = capsys.readouterr().out.splitlines()
    assert f"import:{partial} · dlib (black-box): {sentence}" in both
    assert any(line.startswith("none · dlib (clean): best guess still right for 3 of 3") for line in both)


def test_a_folder_holding_another_study_is_refused_naming_what_differs(fixture_imm, tmp_path):
    data = copy_persons(fixture_imm, tmp_path / "data", ("01", "02", "03"))
    out = tmp_path / "s"
    run_study(StudyConfig(data, out, seed=0, recognizer_options={"dlib": {"threshold": 0.5}}))
    before = (out / "results.csv").read_text()
    with pytest.raises(DifferentStudy) as refused:
        run_study(StudyConfig(data, out, split="random:1", seed=1, recognizer_options={"dlib": {"threshold": 0.6}}))
    assert str(refused.value) == (f"The folder {out} holds a different study (split rule imm there, random:1 now; seed 0 there, "
                                  "1 now; dlib threshold 0.5 there, 0.6 now): choose another folder with --out, or start this "
                                  "one afresh with --restart (its results are deleted).")
    (data / "03-1m.jpg").write_bytes((data / "03-2m.jpg").read_bytes())  # the same names, other photos
    with pytest.raises(DifferentStudy, match=f"the photos in {data} have changed since"):
        run_study(StudyConfig(data, out, seed=0, recognizer_options={"dlib": {"threshold": 0.5}}))
    assert (out / "results.csv").read_text() == before, "nothing may be written into the other study's folder"

    rows = []
    run_study(StudyConfig(data, out, split="random:1", seed=1), on_row=rows.append, restart=True)
    assert len(rows) == 3 and json.loads((out / "study.json").read_text())["split"] == "random:1"


def test_the_command_refuses_another_study_in_one_line_and_restarts_on_request(fixture_imm, tmp_path, capsys):
    base = ["study", "--dataset", str(fixture_imm), "--out", str(tmp_path / "s")]
    assert cli.main(base) == 0
    capsys.readouterr()
    assert cli.main([*base, "--threshold", "0.7"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: The folder {tmp_path / 's'} holds a different study (dlib threshold not set there, 0.7 now): choose another "
        "folder with --out, or start this one afresh with --restart (its results are deleted).")
    assert cli.main([*base, "--threshold", "0.7", "--restart"]) == 0
    assert json.loads((tmp_path / "s" / "study.json").read_text())["recognizer_options"]["dlib"]["threshold"] == 0.7


def test_resuming_keeps_what_finished_pairs_said(fixture_imm, tmp_path):
    data = copy_persons(fixture_imm, tmp_path / "data", ("01", "02"))
    background_only(fixture_imm / "02-3m.jpg", data / "02-3m.png")  # a training photo with no face: a note
    (data / "02-3m.jpg").unlink()
    cloaks = _cloaks(data, tmp_path / "cloaks", persons=("01", "02"), photos=(1, 2, 4, 5))
    shutil.copy(data / "02-3m.png", cloaks / "02-3m_min_cloaked.png")
    for person in ("01",):
        shutil.copy(data / f"{person}-3m.jpg", cloaks / f"{person}-3m_min_cloaked.png")

    def config(out):
        return StudyConfig(data, out, conditions=["none", f"import:{cloaks}"])

    whole = run_study(config(tmp_path / "whole"))
    assert any("02-3m.png" in n for n in whole["conditions"][0]["notes"])

    job, seen = Job(), []

    def cancel_in_second_pair(row):
        seen.append(row)
        if len(seen) == 3:  # the first row of the second pair: the first pair is finished
            job.cancel()

    with pytest.raises(Cancelled):
        run_study(config(tmp_path / "resumed"), job, on_row=cancel_in_second_pair)
    stages = set()
    resumed = run_study(config(tmp_path / "resumed"), Job(lambda p: stages.add(p.stage)))
    assert resumed == whole
    assert "Enrolling training photos (none · dlib)" not in stages  # the finished pair is not done again
    assert f"Enrolling training photos (import:{cloaks} · dlib)" in stages
    manifests = [json.loads((tmp_path / name / "manifest.json").read_text()) for name in ("whole", "resumed")]
    assert _without_times(manifests[0]) == _without_times(manifests[1])


def test_a_study_killed_with_sigkill_resumes_to_the_rows_of_an_uninterrupted_run(fixture_imm, tmp_path):
    data = copy_persons(fixture_imm, tmp_path / "data", ("01", "02"))  # two people: 4 rows, quick
    cloaks = _cloaks(data, tmp_path / "cloaks", persons=("01", "02"))
    command = [sys.executable, "main.py", "study", "--dataset", str(data), "--condition", "none",
               "--condition", f"import:{cloaks}"]
    code, _, stderr = run_main(*command[2:], "--out", tmp_path / "whole")  # the same command, never interrupted
    assert code == 0, stderr
    out = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(out)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results, deadline = out / "results.csv", time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if results.exists() and len(results.read_text().splitlines()) >= 2:  # header and a first row
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    assert process.wait(timeout=60) == -signal.SIGKILL, "the study ended before it could be killed"
    assert not (out / "summary.json").exists()
    assert len(results.read_text().splitlines()) < 5
    code, _, stderr = run_main(*command[2:], "--out", out)  # resumed (in this process: only the kill needs its own)
    assert code == 0, stderr
    for name in ("results.csv", "summary.json"):
        assert (out / name).read_text() == (tmp_path / "whole" / name).read_text()
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (out, tmp_path / "whole")]
    assert _without_times(manifests[0]) == _without_times(manifests[1])
