import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_study_command_prints_progress_and_writes_the_results(fixture_imm, tmp_path):
    result = _main("study", "--dataset", fixture_imm, "--out", tmp_path / "s", "--condition", "none")
    assert result.returncode == 0, result.stderr
    assert "Identifying test photos (none · dlib): 3/3" in result.stderr
    assert "none · dlib (clean): 3 of 3 people re-identified, protection rate 0%" in result.stdout
    for name in ("results.csv", "summary.json", "manifest.json", "confidence_histogram.png"):
        assert (tmp_path / "s" / name).exists()
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["conditions"][0]["people"] == 3


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
