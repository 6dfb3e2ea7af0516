""""Am I protected?" through the window on real photos: a person the crowd does not hold (IMM person 03) checks
their photos against four other IMM people, with a fast custom cloak; the answer cards appear and the saved
cloaked photos open as images the size of the originals."""
from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from core.results import read_rows
from core.sample import SAMPLE
from gui.answer_card import AnswerCard
from gui.self_check_dialog import STAY_HOME
from tests.gui.conftest import wait_for
from tests.photo_cases import me_and_a_crowd


def _tree(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_check_my_own_photos_answers_and_saves(window, qtbot, fixture_imm, tmp_path):
    mine, crowd = me_and_a_crowd(fixture_imm, SAMPLE, tmp_path, "IMG_{i:04d}.jpg")
    crowd_before = _tree(crowd)

    qtbot.mouseClick(window.dataset_tab.check_button, Qt.MouseButton.LeftButton)
    dialog = window.self_check_dialog
    assert dialog.isVisible()
    assert dialog.crowd_box.itemText(0).startswith("The bundled sample (5 people, 30 photos)")
    wait_for(qtbot, dialog.set_photos(mine))
    assert dialog.photos_label.text().startswith("6 photos of you with a face: 2 kept clean to test with, 4 cloaked")
    dialog.set_crowd(crowd)
    assert dialog.crowd_box.currentText() == "crowd — 4 people, 24 photos"
    dialog.version.setCurrentIndex(dialog.version.findData("1.0"))
    dialog.mode.setCurrentText("custom")
    dialog.custom_steps.setValue(2)
    for name in ("mobileface", "faceres"):  # one recognizer suffices here; the others need ../shared's models
        dialog.recognizer_boxes[name].setChecked(False)
    # trackers that fight back are offered in plain words, none ticked until asked for
    screening = dialog.recognizer_boxes["dlib/screened"]
    assert screening.text() == "dlib, screening photos for cloaks" and not screening.isChecked()
    screening.setChecked(True)
    assert dialog.privacy.text() == STAY_HOME

    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    task = wait_for(qtbot, dialog.progress.task, timeout=300_000)  # minutes on a busy machine
    assert not task.job.cancelled and task.is_finished
    cards = dialog.findChildren(AnswerCard)
    assert [card.answer.recognizer for card in cards] == ["dlib", "dlib/screened"]
    assert cards[1].title.text().startswith("<b>dlib/screened (dlib, screening photos for cloaks)</b> — ")
    assert "a tracker that screens photos for cloaks would have set aside " in cards[1].body.text()
    text = cards[0].body.text()
    assert text.startswith("Without cloaking, dlib recognised you in both test photos (confidence 0.")
    assert "With Fawkes 1.0 custom, dlib " in text
    assert "With Fawkes 1.0 custom, after uploading to a social network (1080 px, JPEG 75), dlib " in text
    assert "made against dlib itself" in text  # white-box: said plainly
    assert cards[0].title.text().endswith(cards[0].answer.verdict)
    assert "crowd of 4 people" in dialog.meaning.text()

    check = dialog.check
    assert len(check.test) == 2 and len(check.train) == 4 and not set(check.test) & set(check.train)
    rows = read_rows(check.config.out / "results.csv")
    conditions = ("none", "fawkes:1.0:custom", "fawkes:1.0:custom+resize:1080+jpeg:75")
    assert {(r.recognizer, r.condition, r.file) for r in rows} == {(t, c, p.name) for t in ("dlib", "dlib/screened") for c in conditions for p in check.test}
    uploaded = sorted((check.config.out / "uploaded").iterdir())
    assert [p.name for p in uploaded] == [f"{p.stem}_cloaked.jpg" for p in check.train]
    with Image.open(uploaded[0]) as image:
        assert image.format == "JPEG"
    assert {r.person for r in rows} == {"me"}
    assert [r.outcome for r in rows if r.condition == "none"] == ["identified"] * 4  # two test photos, two trackers
    assert _tree(crowd) == crowd_before  # nothing written into the crowd's folder

    kept = tmp_path / "to keep"  # PNG: exactly the cloaks the check made, which differ from the photos
    wait_for(qtbot, dialog.save_to(kept))
    for original in sorted(mine.iterdir()):
        cloaked = kept / f"{original.stem}_cloaked.png"
        assert cloaked.read_bytes() == check.cloaks[original].read_bytes()
        with Image.open(cloaked) as image, Image.open(original) as source:
            assert image.size == source.size
            assert np.abs(np.asarray(image, np.int16) - np.asarray(source, np.int16)).max() > 0

    saved = tmp_path / "to post"  # JPEG at the chosen quality, full resolution
    dialog.format.setCurrentIndex(dialog.format.findData("jpeg"))
    dialog.quality.setValue(90)
    wait_for(qtbot, dialog.save_to(saved))
    for original in sorted(mine.iterdir()):
        with Image.open(saved / f"{original.stem}_cloaked.jpg") as image, Image.open(original) as source:
            assert image.format == "JPEG" and image.size == source.size
    how = (saved / "HOW-THESE-WERE-MADE.txt").read_text(encoding="utf-8")
    assert "Fawkes 1.0, mode custom" in how and "JPEG quality 90" in how and str(mine) in how
    assert dialog.progress.label.text() == f"6 cloaked photos saved in {saved}."
