"""The study command with what-ifs: modifiers in the condition's name, distractors in the gallery count."""
from tests.photo_cases import copy_persons
from tests.core.test_cli import _main


def test_modifiers_and_distractors_from_the_command_line(fixture_imm, tmp_path):
    people = copy_persons(fixture_imm, tmp_path / "people", ("01", "02"))
    others = copy_persons(fixture_imm, tmp_path / "others", ("03",))
    result = _main("study", "--dataset", people, "--out", tmp_path / "s", "--distractors", others,
                   "--condition", "none+resize:320+jpeg:75")
    assert result.returncode == 0, result.stderr
    assert "none+resize:320+jpeg:75 · dlib (clean): best guess still right for 2 of 2;" in result.stdout
    assert "; gallery of 3 people" in result.stdout

    wrong = _main("study", "--dataset", people, "--out", tmp_path / "s2", "--condition", "none+jpeg:500")
    assert wrong.returncode == 2 and not (tmp_path / "s2").exists()
    assert [line for line in wrong.stderr.splitlines() if line.startswith("error:")] == [
        "error: In the condition 'none+jpeg:500', +jpeg:500 needs a JPEG quality from 1 to 100, e.g. +jpeg:75."]
