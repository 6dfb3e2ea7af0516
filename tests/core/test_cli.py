"""The command line, run in this process (tests.cli_runner): exit codes, what it prints, what it writes."""
import json

from tests.cli_runner import run_main


class Done:
    """What a finished command left: its exit code and what it printed."""

    def __init__(self, code: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def _main(*args) -> Done:
    return Done(*run_main(*args))


def test_study_command_prints_progress_and_writes_the_results(fixture_imm, tmp_path):
    result = _main("study", "--dataset", fixture_imm, "--out", tmp_path / "s", "--condition", "none",
                   "--split", "random:1", "--fmr", "10%", "--repeat", "2")
    assert result.returncode == 0, result.stderr
    assert "Identifying test photos (none · dlib): 3/3" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "none · dlib (clean): best guess still right for 3 of 3; at 1 stranger in 10, re-identified 3 of 3 — protected 0% (0–56%)"
    assert lines[1] == "  over 2 runs (seeds 0–1): protected 0% on average, 0% to 0%"
    for name in ("results.csv", "scores.csv", "summary.json", "manifest.json", "confidence_histogram.png",
                 "reidentification_curve.png", "repeats/seed-1/results.csv"):
        assert (tmp_path / "s" / name).exists()
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    entry = summary["conditions"][0]
    assert entry["people"] == 3 and entry["operating_point"]["fmr"] == 0.1
    assert [r["seed"] for r in entry["repeats"]] == [0, 1] and summary["repeat"]["seeds"] == [0, 1]
    assert entry["repeat_spread"]["reidentified"] == {"mean": 3, "min": 3, "max": 3}


def test_bad_input_exits_non_zero_with_one_line_reason(fixture_imm, tmp_path):
    missing = _main("study", "--dataset", tmp_path / "nowhere", "--out", tmp_path / "s")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [f"error: The dataset folder {tmp_path / 'nowhere'} does not exist."]

    (tmp_path / "empty").mkdir()
    empty = _main("study", "--dataset", tmp_path / "empty", "--out", tmp_path / "s")
    assert empty.returncode == 2
    assert empty.stderr.strip().splitlines()[-1] == f"error: No usable face photos were found in {tmp_path / 'empty'}."

    wrong = _main("study", "--dataset", fixture_imm, "--out", tmp_path / "s", "--condition", "blur")
    assert wrong.returncode == 2
    errors = [line for line in wrong.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: Unknown condition 'blur': use none, import:FOLDER, fawkes:VERSION:MODE or external:MODE."]
