"""A condition's spelling read once (``core.conditions.spec``): what it is, what it is called, where its photos
go, and one-line refusals of what cannot be read; and the same words, names and folders as the code before it
gave (``tests/fixtures/old_study/words.json``, written by that code), so old studies read and resume the same."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.cloaking.condition import cloaking_condition
from core.cloaking.settings import CloakSettings
from core.conditions import (ConditionSpec, condition_label, parse_spec, plain_condition, read_spec, short_condition,
                             steps_words)
from core.conditions.build import parse_condition
from core.modifiers import MODIFIERS
from core.modifiers.jpeg import Jpeg
from core.modifiers.leak import Leak
from core.modifiers.resize import Resize
from core.sample import SAMPLE_CLOAKS
from tests.conftest import FIXTURES, REPO

OLD = json.loads((FIXTURES / "old_study" / "words.json").read_text(encoding="utf-8"))
CLOAK_OPTIONS = [{}, {"seed": 3}, {"target_pool": "strangers:2"}, {"strict_budget": True},
                 {"extractors": "dlib,mobileface"}, {"target_pool": "/some/pool"}]
# where the old words were wrong or guessed, and what they are now
CHANGED = {
    ("none+jpeg:75+jpeg:50", "plain"): "No cloak, uploaded to a social network (JPEG 75, JPEG 50)",  # was: the 2nd unsaid
    ("none+JPEG:75", "short"): "none+jpeg:75",  # the study names it so (summary.json), and so did the old short name
    ("import:/x/high/", "label"): "imported cloaks — /x/high",  # the folder as the study names it
}


def test_parsed_once_into_kind_source_and_modifiers():
    spec = parse_spec("fawkes:0.3.1:high+resize:1080+jpeg:75@3")
    assert spec == ConditionSpec("fawkes", "0.3.1:high", (Resize(1080), Jpeg(75), Leak(3)))
    assert (spec.version, spec.mode, spec.cloaked, spec.seeded) == ("0.3.1", "high", True, True)
    assert spec.base == "fawkes:0.3.1:high" and spec.base_spec == ConditionSpec("fawkes", "0.3.1:high")
    assert spec.spelling == str(spec) == "fawkes:0.3.1:high+resize:1080+jpeg:75@3"

    assert parse_spec("none") == ConditionSpec("none") and not parse_spec("none").seeded
    assert parse_spec("none+jpeg:75").cloaked is False
    assert parse_spec("external:min").mode == "min" and not parse_spec("external:min").seeded
    imported = parse_spec("import:/x/high@60%")
    assert imported.folder == Path("/x/high") and imported.modifiers == (Leak(60.0, percent=True),)
    assert imported.seeded and not parse_spec("import:/x/high+jpeg:75").seeded
    assert parse_spec("import:~/cloaks").folder == Path("~/cloaks").expanduser()  # as the study names it


def test_the_spelling_is_the_name_the_study_gives_the_condition(tmp_path):
    for text in ("none+JPEG:75", "import:/x/high/+jpeg:75", "fawkes:0.3:min@50.0%"):
        assert parse_spec(text).spelling == parse_condition(text).name
    assert parse_spec("none+JPEG:75").spelling == "none+jpeg:75"
    folder = tmp_path / "cloaks+jpeg:75@3"
    folder.mkdir()
    assert parse_spec(f"import:{folder}") == ConditionSpec("import", str(folder))  # a folder's own name, kept whole


def test_words_short_names_and_the_windows_label():
    spec = parse_spec(f"import:{SAMPLE_CLOAKS / 'high'}+resize:1080+jpeg:75@3")
    assert spec.words == ("Fawkes 0.3.1 high (original program), uploaded to a social network (1080 px, JPEG 75), "
                          "3 cloaked per person, the rest leaked clean")
    assert spec.short == "import:high+resize:1080+jpeg:75@3"
    assert spec.label == ("imported cloaks (high) · what if: shrunk to 1080 px, then re-saved as JPEG 75, then only 3 "
                          "cloaked, the rest leaked clean")
    assert parse_spec("fawkes:1.0.2:mid+jpeg:60").words == "Fawkes 1.0 mid (this app), re-saved as JPEG 60"
    assert parse_spec("external:high+resize:320").words == "Fawkes high (original program, run here), shrunk to 320 px"
    # from a name alone (a summary.json's): the same parser; what cannot be read is shown as written
    assert plain_condition("none+resize:1080+jpeg:75") == "No cloak, uploaded to a social network (1080 px, JPEG 75)"
    assert short_condition("import:/a/b/high") == "import:high"
    assert steps_words("none+jpeg:75+resize:1080") == "re-saved as JPEG 75, then shrunk to 1080 px"
    for unreadable in ("bogus", "fawkes:0.3", "none+jpg:75"):
        assert read_spec(unreadable) is None
        assert plain_condition(unreadable) == short_condition(unreadable) == unreadable and steps_words(unreadable) == ""


def test_folders_one_per_condition_and_the_cloaks_where_they_always_were():
    a, b = parse_spec("import:/one/high+jpeg:75"), parse_spec("import:/two/high+jpeg:75")
    assert a.folder_name.startswith("import-high+jpeg-75-") and a.folder_name != b.folder_name  # the hash tells them apart
    assert a.enrolled_dir == Path("enrolled") / a.folder_name
    assert re.fullmatch(r"none-[0-9a-f]{8}", parse_spec("none").folder_name)
    long = parse_spec("import:/x/" + "y" * 200 + "+jpeg:75")
    assert len(long.folder_name) == 80 + 9
    spec = parse_spec("fawkes:0.3:min+jpeg:75")
    settings = cloaking_condition(spec.base_spec, seed=2, strict_budget=True).settings
    assert spec.cloaks_dir(settings.folder_suffix) == Path("cloaks/fawkes-0.3-min-dlib-seed2-strict")
    assert parse_spec("external:high").cloaks_dir() == Path("cloaks/external-high")
    # an added network's name may hold a colon, which Windows refuses in a folder's name
    colon, dash = (CloakSettings(extractors=(name, "dlib")).folder_suffix for name in ("onnx:mf", "onnx-mf"))
    assert re.fullmatch(r"[A-Za-z0-9_.+-]+", colon) and colon != dash and dash == "-onnx-mf+dlib-seed0"


@pytest.mark.parametrize("text, words", [
    ("none+jpg:75", "Unknown modifier '+jpg:75' in the condition 'none+jpg:75': use +resize:S, +jpeg:Q, @K or @P%."),
    ("none+jpeg", "The modifier '+jpeg' in the condition 'none+jpeg' needs a value, e.g. +jpeg:75."),
    ("none+jpeg:101", "In the condition 'none+jpeg:101', +jpeg:101 needs a JPEG quality from 1 to 100, e.g. +jpeg:75."),
    ("none+resize:x", "In the condition 'none+resize:x', +resize:x needs the longest side in pixels"),
    ("import:/x@0", "In the condition 'import:/x@0', @0 needs how many photos per person stay cloaked, e.g. @3."),
    ("import:/x@0%", "@0% needs a percentage above 0 and at most 100"),
    ("import:/x@3@2", "The condition 'import:/x@3@2' has 2 @ modifiers; one says how many photos stay cloaked."),
    ("none+resize:320@3", "The condition 'none+resize:320@3' cannot leave photos uncloaked: 'none' has no cloaks"),
    ("bogus", "Unknown condition 'bogus': use none, import:FOLDER, fawkes:VERSION:MODE or external:MODE."),
    ("import", "Unknown condition 'import'"),
    ("none+jpeg:75:x", "Cannot read the modifiers of the condition 'none+jpeg:75:x': use +resize:S"),
    ("fawkes:0.3", "Cannot read the condition 'fawkes:0.3': write fawkes:0.3:MODE, fawkes:1.0:MODE or external:MODE."),
    ("fawkes:0.4:high", "Unknown Fawkes version '0.4'"),
    ("fawkes:1.0:min+jpeg:75", "Fawkes 1.0 has no mode 'min': use low, mid, high or custom."),
    ("external:custom", "The original Fawkes has no mode 'custom': use min, low, mid, high, ultra."),
    ("import:/no/such+jpg:75", "(If it is part of a folder's name, that folder does not exist.)"),
])
def test_bad_spellings_are_refused_in_one_line(text, words):
    with pytest.raises(ValueError) as caught:
        parse_spec(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_every_modifier_keeps_the_protocol():
    """What the parser, the words and the study ask of each registered modifier, from its own example."""
    for kind in MODIFIERS:
        step = parse_spec(f"import:/x{kind.example}").modifiers[0]
        assert type(step) is kind and step.spelling == kind.example and kind.example.startswith(kind.prefix)
        assert step == parse_spec(f"import:/x{step.spelling}").modifiers[0]  # its spelling reads back as itself
        assert step.words() and step.phrase() and step.summary() and step.record() and kind.usage and kind.help_text
        hash(step)  # frozen: conditions are compared and used as keys


def test_the_same_words_names_and_folders_as_before():
    """Every spelling the code before this change could read: the same plain words, short names, window labels
    (``gui.conditions_list`` shows ``condition_label``), study names, manifest records and folders (so a study it
    wrote resumes into the same folders)."""
    compared = 0
    for text, old in OLD.items():
        if "error" in old:
            assert read_spec(text) is None
            continue
        spec = parse_spec(text)
        condition = parse_condition(text, seed=0)
        now = {"plain": spec.words, "short": short_condition(text), "label": condition_label(text),
               "steps_words": spec.steps_words, "name": condition.name}
        if spec.modifiers:
            now.update(enrolled_folder=spec.folder_name, record=condition.record())
        if spec.kind in ("fawkes", "external"):
            now["cloak_folder"] = spec.cloaks_dir().name
        if spec.kind == "fawkes":
            now["cloak_folders"] = [spec.cloaks_dir(cloaking_condition(spec.base_spec, **o).settings.folder_suffix).name
                                    for o in CLOAK_OPTIONS if spec.mode != "custom" or o == {}]
        for key, value in now.items():
            assert value == CHANGED.get((text, key), old[key]), (text, key)
            compared += 1
    assert compared > 150


def test_names_and_words_need_no_torch():
    """The window lists and words conditions at start-up; only running our cloaking loads the engine."""
    code = "import sys, core.conditions, core.modifiers.preview; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
