"""What-ifs in the window: presets add a modifier to the selected condition, the viewer shows the photo as
enrolled beside the cloak, and other people can be added to the gallery."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.images import load_rgb
from tests.gui.conftest import open_fixture, wait_for
from tests.photo_cases import copy_persons


def _cloaks(fixture_imm, folder, photos=range(1, 6)):
    """Person 01's training photos with a visible change, named as Fawkes names its cloaks."""
    folder.mkdir()
    for i in photos:
        rgb = load_rgb(fixture_imm / f"01-{i}m.jpg").astype(np.int16)
        rgb[::7, ::7] += 40
        Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(folder / f"01-{i}m_high_cloaked.png", compress_level=1)
    return folder


def test_presets_add_the_what_if_to_the_selected_condition(window, qtbot, fixture_imm, tmp_path, monkeypatch):
    open_fixture(qtbot, window, fixture_imm)
    tab = window.cloaking_tab
    cloaks = _cloaks(fixture_imm, tmp_path / "high")
    tab.set_conditions(["none", f"import:{cloaks}"])
    tab.conditions_list.setCurrentRow(1)
    tab.what_if.presets.setCurrentIndex(tab.what_if.presets.findData("+resize:1080+jpeg:75"))
    tab.what_if.modifier_chosen.emit(tab.what_if.presets.currentData())
    assert tab.conditions() == ["none", f"import:{cloaks}", f"import:{cloaks}+resize:1080+jpeg:75"]
    item = tab.conditions_list.currentItem()
    assert "shrunk to 1080 px, then re-saved as JPEG 75" in item.text()

    tab.conditions_list.setCurrentRow(0)  # "none" has no cloaks to leave out: said, nothing added
    tab.what_if.presets.setCurrentIndex(tab.what_if.presets.findData("@3"))
    tab.what_if.modifier_chosen.emit("@3")
    assert "'none' has no cloaks" in window.statusBar().currentMessage()
    assert len(tab.conditions()) == 3

    others = copy_persons(fixture_imm, tmp_path / "others", ("03",))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(others))
    button = next(b for b in tab.what_if.findChildren(type(tab.look_button)) if b.text().startswith("Add other people"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.study_config().distractors == others
    assert str(others) in tab.what_if.gallery_label.text()


def test_the_viewer_shows_the_photo_as_enrolled_beside_the_cloak(window, qtbot, fixture_imm, tmp_path):
    open_fixture(qtbot, window, fixture_imm)
    tab = window.cloaking_tab
    cloaks = _cloaks(fixture_imm, tmp_path / "high", photos=(1, 2))
    tab.set_conditions(["none", f"import:{cloaks}+resize:320+jpeg:75"])
    tab.conditions_list.setCurrentRow(1)
    qtbot.mouseClick(tab.look_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, tab.progress.task)
    assert tab.table.rowCount() == 2

    tab.table.selectRow(1)
    viewer = tab.viewer
    qtbot.waitUntil(lambda: viewer.enrolled_view.isVisibleTo(viewer) and not viewer.enrolled_view.item.pixmap().isNull(), timeout=20_000)
    assert viewer.views[1].item.pixmap().size().toTuple() == (640, 480)  # the cloak
    assert viewer.enrolled_view.item.pixmap().size().toTuple() == (320, 240)  # as the study enrols it
    assert viewer.enrolled_title.text() == "As enrolled: 320 px, JPEG 75"

    tab.conditions_list.setCurrentRow(0)  # no what-if: three pictures as before
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: not viewer.enrolled_view.isVisibleTo(viewer), timeout=20_000)
