"""The main window on real photos: opening, the split, errors, settings, menus, thumbnails."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPixmap

from gui.app import SAMPLE, create_window
from gui.thumbnails import ThumbnailCache
from tests.gui.conftest import TASK_TIMEOUT_MS, close_window, open_dialogs, open_fixture, wait_for


def test_first_launch_opens_the_bundled_sample(window, qtbot):
    assert window.windowTitle() == "Fawkes Tracker"
    assert [window.tabs.tabText(i).replace("&", "") for i in range(4)] == ["Dataset", "Cloaking", "Recognition", "Results"]
    with qtbot.waitSignal(window.dataset_tab.split_changed, timeout=TASK_TIMEOUT_MS):
        window.open_start_dataset()
    assert window.dataset.root == SAMPLE.resolve()
    assert sorted(window.split.people) == ["01", "02", "03", "04", "05"]
    # IMM rule: photo 6 of each person is the test photo, and the grid says so on each photo
    assert window.split.test["03"] == ["03-6m.jpg"]
    model = window.dataset_tab.model
    labels = {model.data(model.index(i)).split("\n")[0]: model.data(model.index(i)).split("\n")[1] for i in range(model.rowCount())}
    assert labels["03-6m.jpg"] == "test" and labels["03-1m.jpg"] == "training"
    assert window.dataset_tab.people.count() == 1 + 5


def test_the_split_is_editable_and_shown(window, qtbot, fixture_imm):
    open_fixture(qtbot, window, fixture_imm)
    tab = window.dataset_tab
    with qtbot.waitSignal(tab.split_changed):
        tab.rule_box.setCurrentIndex(1)  # random
    with qtbot.waitSignal(tab.split_changed):
        tab.n_test.setValue(2)
    assert tab.rule() == ("random:2", 0)
    assert all(len(files) == 2 for files in window.split.test.values())
    first = dict(window.split.test)
    with qtbot.waitSignal(tab.split_changed):
        tab.seed.setValue(7)
    assert window.split.test != first  # another seed, another split
    roles = [tab.model.data(tab.model.index(i)).split("\n")[1] for i in range(tab.model.rowCount())]
    assert roles.count("test") == 6 and roles.count("training") == 12


def test_a_bad_folder_gives_a_plain_dialog_and_the_detail_goes_to_the_log(window, qtbot, tmp_path):
    missing = tmp_path / "no such folder"
    wait_for(qtbot, window.dataset_tab.open_folder(missing))
    qtbot.waitUntil(lambda: bool(open_dialogs("errorDialog")), timeout=5000)
    box = open_dialogs("errorDialog")[0]
    shown = box.text() + box.informativeText()
    assert "does not exist" in shown and str(missing) in shown
    assert "Traceback" not in shown
    log_text = (tmp_path / "data" / "fawkes-tracker.log").read_text()
    assert "Traceback" in log_text and "FileNotFoundError" in log_text
    box.close()


def test_unusable_photos_are_listed_with_their_reason(window, qtbot, fixture_imm, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for photo in sorted(fixture_imm.glob("0[12]-*.jpg")):
        (folder / photo.name).write_bytes(photo.read_bytes())
    (folder / "01-7m.jpg").write_bytes(b"")  # empty
    (folder / "02-7m.jpg").write_bytes((fixture_imm / "02-1m.jpg").read_bytes()[:3000])  # truncated
    open_fixture(qtbot, window, folder)
    problems = [window.dataset_tab.problems.item(i).text() for i in range(window.dataset_tab.problems.count())]
    assert any(p.startswith("01-7m.jpg:") and "empty" in p for p in problems)
    assert any(p.startswith("02-7m.jpg:") and "damaged" in p for p in problems)
    assert len(window.dataset.photos) == 12


def test_thumbnails_load_off_the_gui_thread(window, qtbot, fixture_imm):
    fresh = ThumbnailCache(96)
    try:
        with qtbot.waitSignal(fresh.ready, timeout=20_000) as arrived:
            assert fresh.get(fixture_imm / "01-1m.jpg") is fresh.placeholder  # at once, before any decoding
        assert arrived.args == [str(fixture_imm / "01-1m.jpg")]
        assert fresh.get(fixture_imm / "01-1m.jpg") is not fresh.placeholder
    finally:
        fresh.stop()
    open_fixture(qtbot, window, fixture_imm)
    model = window.dataset_tab.model
    cache = window.thumbnails
    for i in range(model.rowCount()):
        model.data(model.index(i), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: all(model.data(model.index(i), Qt.ItemDataRole.DecorationRole) is not cache.placeholder
                                for i in range(model.rowCount())), timeout=20_000)
    pixmap: QPixmap = model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
    assert max(pixmap.width(), pixmap.height()) == 96  # 640×480 photo scaled into 96×96
    image = pixmap.toImage()
    assert len({image.pixel(x, 40) for x in range(0, 96, 8)}) > 3  # a real picture, not a flat tile


def test_settings_are_remembered_between_launches(qtbot, tmp_path, fixture_imm):
    hook = sys.excepthook
    first = create_window(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), tmp_path / "data")
    open_fixture(qtbot, first, fixture_imm)
    first.recognition_tab.set_recognizers(["dlib", "faceres"])  # not the first launch's dlib and mobileface
    first.cloaking_tab.version.setCurrentIndex(first.cloaking_tab.version.findData("1.0"))
    first.cloaking_tab.mode.setCurrentText("high")
    first.tabs.setCurrentIndex(2)
    close_window(qtbot, first)

    second = create_window(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), tmp_path / "data")
    assert second.recognition_tab.recognizers() == ["dlib", "faceres"]
    assert (second.cloaking_tab.version.currentData(), second.cloaking_tab.mode.currentText()) == ("1.0", "high")
    assert second.tabs.currentIndex() == 2
    with qtbot.waitSignal(second.dataset_tab.split_changed, timeout=TASK_TIMEOUT_MS):
        second.open_start_dataset()  # not the sample any more: the last dataset
    assert second.dataset.root == Path(fixture_imm).resolve()
    close_window(qtbot, second)
    sys.excepthook = hook


def test_every_menu_action_has_a_shortcut(window):
    actions = [a for top in window.menuBar().actions() for a in top.menu().actions() if not a.isSeparator()]
    assert len(actions) >= 15
    assert all(not a.shortcut().isEmpty() for a in actions), [a.text() for a in actions if a.shortcut().isEmpty()]
    shortcuts = [a.shortcut().toString() for a in actions]
    assert len(shortcuts) == len(set(shortcuts))


def test_about_explains_white_box_and_cites(window, qtbot):
    window.show_about()
    box = open_dialogs("aboutDialog")[0]
    assert "white-box" in box.text() and "Stegmann" in box.text() and "Protection rate" in box.text()
    box.close()


def test_the_window_fits_1280_by_800(window, qtbot):
    window.resize(1280, 800)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(20)
        hint = window.tabs.currentWidget().minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 800 - 60, (i, hint)
