"""Looking at every cloak (issue 18): "Look at these cloaks" shows the photos of every kind of condition (imported,
ours from the cache, the original program's, the clean photos, a what-if as enrolled) and never cloaks without
asking; a Results row opens its person's photos; the arrow keys step, the amplification stays, "Enlarge" works.

The photos are the bundled sample's (resources/sample) and its real Fawkes 0.3.1 min cloaks; most tests copy two
people of it, so that measuring and cloaking stay within a few seconds."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from core.images import load_rgb
from core.sample import SAMPLE, SAMPLE_CLOAKS
from tests.gui.conftest import TASK_TIMEOUT_MS, open_dialogs, open_fixture, wait_for

FAKE_FAWKES = Path(__file__).resolve().parents[1] / "fake_fawkes.py"


def two_people(tmp_path, numbers=(1, 6)) -> tuple[Path, Path]:
    """Persons 01 and 02 of the sample (photo 6 is the test photo), and the real min cloaks of their training photos."""
    photos, cloaks = tmp_path / "photos", tmp_path / "min"
    photos.mkdir()
    cloaks.mkdir()
    for person in ("01", "02"):
        for n in numbers:
            shutil.copy(SAMPLE / f"{person}-{n}m.jpg", photos)
            if n != 6:
                shutil.copy(SAMPLE_CLOAKS / "min" / f"{person}-{n}m_min_cloaked.png", cloaks)
    return photos, cloaks


def pixels(view) -> np.ndarray:
    image = view.item.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()  # the image goes away


def wait_shown(qtbot, viewer, original: Path, cloak: Path) -> None:
    """The panes show these two files, loaded (and the difference between them)."""
    qtbot.waitUntil(lambda: viewer.shown == (Path(original), Path(cloak)), timeout=20_000)
    assert np.array_equal(pixels(viewer.views[0]), load_rgb(original))
    assert np.array_equal(pixels(viewer.views[1]), load_rgb(cloak))


def look(qtbot, tab, row: int):
    tab.conditions_list.setCurrentRow(row)
    qtbot.mouseClick(tab.look_button, Qt.MouseButton.LeftButton)
    if tab.progress.task is not None:
        wait_for(qtbot, tab.progress.task)


def imported(qtbot, window, tmp_path):
    photos, cloaks = two_people(tmp_path)
    open_fixture(qtbot, window, photos)
    tab = window.cloaking_tab
    tab.set_conditions(["none", f"import:{cloaks}"])
    return tab, photos, cloaks


def test_an_imported_folder_shows_its_cloaks_on_a_double_click(window, qtbot, tmp_path):
    tab, photos, cloaks = imported(qtbot, window, tmp_path)
    tab.conditions_list.setCurrentRow(1)
    tab.conditions_list.itemDoubleClicked.emit(tab.conditions_list.item(1))
    wait_for(qtbot, tab.progress.task)
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == ["01-1m.jpg", "02-1m.jpg"]
    wait_shown(qtbot, tab.viewer, photos / "01-1m.jpg", cloaks / "01-1m_min_cloaked.png")
    assert tab.viewer.position.text() == "1 of 2"


def test_the_clean_photos_are_shown_as_they_are(window, qtbot):
    open_fixture(qtbot, window, SAMPLE)
    tab = window.cloaking_tab
    look(qtbot, tab, 0)  # "none"
    assert tab.table.rowCount() == 25
    assert "25 clean training photos: no cloak" in tab.progress.label.text()
    wait_shown(qtbot, tab.viewer, SAMPLE.resolve() / "01-1m.jpg", SAMPLE.resolve() / "01-1m.jpg")
    assert tab.viewer.titles[1].text() == "Enrolled (clean)" and "no cloak" in tab.viewer.metrics.text()
    assert not pixels(tab.viewer.views[2]).any()  # zero difference


def test_our_cloaks_not_made_yet_are_offered_and_never_made_silently(window, qtbot):
    """The first-run list's "Fawkes 0.3 min — cloaked by this app": nothing is cloaked until the user says so."""
    open_fixture(qtbot, window, SAMPLE)
    tab = window.cloaking_tab
    assert tab.conditions_list.item(3).data(Qt.ItemDataRole.UserRole) == "fawkes:0.3:min"
    look(qtbot, tab, 3)
    qtbot.waitUntil(lambda: bool(open_dialogs("makeCloaksDialog")), timeout=5000)
    box = open_dialogs("makeCloaksDialog")[0]
    assert "have not been made yet" in box.text() and "Make them now?" in box.informativeText()
    assert tab.table.rowCount() == 0 and "have not been made yet" in tab.progress.label.text()
    assert not list((window.data_dir / "cloak-cache").glob("*.png")) and not (window.data_dir / "cloaks").exists()
    looked = tab.progress.task
    next(b for b in box.buttons() if b.text() == "Not now").click()
    qtbot.wait(200)
    assert tab.progress.task is looked and not (window.data_dir / "cloaks").exists()  # no cloaking started


def test_our_cloaks_come_from_the_cache_and_a_what_if_shows_them_as_enrolled(window, qtbot, tmp_path):
    from core.images import decode, encode_jpeg

    photos, _ = two_people(tmp_path)
    open_fixture(qtbot, window, photos)
    tab = window.cloaking_tab
    tab.version.setCurrentIndex(tab.version.findData("1.0"))  # untargeted: no target pool to embed
    tab.mode.setCurrentText("custom")
    tab.custom_steps.setValue(1)
    spec = tab.fawkes_condition()
    tab.set_conditions(["none", spec, f"{spec}+jpeg:75"])
    look(qtbot, tab, 1)  # not made yet: asked, then made by the cloaking action
    qtbot.waitUntil(lambda: bool(open_dialogs("makeCloaksDialog")), timeout=5000)
    make = next(b for b in open_dialogs("makeCloaksDialog")[0].buttons() if b.text() == "Make them now")
    make.click()
    cloaking = wait_for(qtbot, tab.progress.task)
    assert cloaking.description.startswith("cloaking 2 training photos") and tab.table.rowCount() == 2
    cached = {p.name: p.stat().st_mtime_ns for p in (window.data_dir / "cloak-cache").glob("*.png")}
    assert len(cached) == 2

    tab.results.clear()
    look(qtbot, tab, 1)  # now found in the cache, nothing made again
    assert tab.progress.task.description.startswith("looking for the cloaks")
    assert tab.progress.label.text().startswith("2 of 2 cloaks of Fawkes 1.0 custom")
    assert {Path(r.output).name for r in tab.reports} == set(cached)
    cloak = Path(tab.reports[0].output)
    wait_shown(qtbot, tab.viewer, photos.resolve() / "01-1m.jpg", cloak)
    assert {p.name: p.stat().st_mtime_ns for p in (window.data_dir / "cloak-cache").glob("*.png")} == cached

    look(qtbot, tab, 2)  # the same cloaks under a what-if: the photo as enrolled beside them
    viewer = tab.viewer
    original = photos.resolve() / "01-1m.jpg"
    qtbot.waitUntil(lambda: viewer.enrolled_view.isVisibleTo(viewer) and viewer.shown == (original, cloak), timeout=20_000)
    assert viewer.enrolled_title.text() == "As enrolled: JPEG 75"
    assert np.array_equal(pixels(viewer.enrolled_view), decode(encode_jpeg(load_rgb(cloak), 75)))


def test_the_original_programs_cloaks_are_found_in_the_study_folder(window, qtbot, tmp_path):
    from core.cloaking.condition import cloaking_condition

    photos, _ = two_people(tmp_path)
    open_fixture(qtbot, window, photos)
    tab = window.cloaking_tab
    tab.set_conditions(["none", "external:min"])
    look(qtbot, tab, 1)  # no study has run the original program yet: said plainly
    assert "made when the study runs" in tab.progress.label.text() and tab.table.rowCount() == 0

    study = tmp_path / "study"
    condition = cloaking_condition("external:min", external_command=f"{sys.executable} {FAKE_FAWKES}")
    condition.prepare(window.dataset, window.split, study)
    window.results_tab.study_dir = study
    look(qtbot, tab, 1)
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == ["01-1m.jpg", "02-1m.jpg"]
    cloak = next((study / "cloaks").rglob("01-1m_min_cloaked.png"))
    wait_shown(qtbot, tab.viewer, photos.resolve() / "01-1m.jpg", cloak)


def row_of(results, person: str, condition: str):
    """The index (in the table as shown) of the Results row of ``person`` under ``condition``."""
    view = results.table.model()
    for r in range(view.rowCount()):
        row = results.rows[view.mapToSource(view.index(r, 1)).row()]
        if (row.person, row.condition) == (person, condition):
            return view.index(r, 1)
    raise AssertionError(f"no row of {person} under {condition}")


def test_a_results_row_opens_its_persons_photos_as_enrolled(window, qtbot, tmp_path):
    """A study read back from its folder: double-clicking 02's row under an upload what-if shows 02's training
    photos only, each beside its cloak and the very file the study enrolled."""
    from core.conditions.build import parse_condition
    from core.datasets import open_dataset
    from core.metrics.build import summarize
    from core.results import ResultRow
    from core.split import make_split
    from core.study_folder import Study, StudyConfig

    photos, cloaks = two_people(tmp_path, numbers=(1, 2, 6))
    chain = f"import:{cloaks}+jpeg:75"
    study = tmp_path / "study"
    config = StudyConfig(photos, study, conditions=["none", chain])
    dataset = open_dataset(photos)
    split = make_split(dataset, "imm", 0)
    study.mkdir()
    (study / "study.json").write_text(json.dumps(config.to_json()))
    split.save(study / "split.json")
    parse_condition(chain).prepare(dataset, split, study)  # writes enrolled/<condition>/enrolled.json
    rows = [ResultRow(c, "dlib", "clean" if c == "none" else "black-box", p, f"{p}-6m.jpg", p, 0.9, None, "identified")
            for c in config.conditions for p in ("01", "02")]
    window.results_tab.show_study(Study(config, rows, {**summarize(rows), "finished": True}, split))
    window.tabs.setCurrentWidget(window.results_tab)
    window.show()
    qtbot.waitExposed(window)
    results = window.results_tab
    cell = results.table.visualRect(row_of(results, "02", chain)).center()
    qtbot.mouseClick(results.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # a double-click starts with a press
    qtbot.mouseDClick(results.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.waitUntil(lambda: getattr(results, "person_cloaks", None) is not None and results.person_cloaks.isVisible(),
                    timeout=TASK_TIMEOUT_MS)
    shown = results.person_cloaks
    assert [shown.table.item(r, 0).text() for r in range(shown.table.rowCount())] == ["02-1m.jpg", "02-2m.jpg"]
    viewer = shown.viewer
    wait_shown(qtbot, viewer, photos / "02-1m.jpg", cloaks / "02-1m_min_cloaked.png")
    enrolled = next(study.glob("enrolled/*/02-1m_cloaked.jpg"))
    qtbot.waitUntil(lambda: viewer.enrolled_view.isVisibleTo(viewer), timeout=5000)
    assert np.array_equal(pixels(viewer.enrolled_view), load_rgb(enrolled))
    assert viewer.enrolled_title.text() == "As enrolled: JPEG 75"
    assert shown.table.item(0, 2).text()  # the cloak measured (DSSIM)

    results.table.setCurrentIndex(row_of(results, "01", "none"))
    qtbot.mouseClick(results.look_button, Qt.MouseButton.LeftButton)  # the button does what the double-click does
    qtbot.waitUntil(lambda: shown.windowTitle().startswith("01 — none"), timeout=TASK_TIMEOUT_MS)
    assert [shown.table.item(r, 0).text() for r in range(shown.table.rowCount())] == ["01-1m.jpg", "01-2m.jpg"]
    wait_shown(qtbot, viewer, photos / "01-1m.jpg", photos / "01-1m.jpg")
    window.hide()


def test_the_arrow_keys_step_through_the_photos_and_keep_the_amplification(window, qtbot, tmp_path):
    tab, photos, cloaks = imported(qtbot, window, tmp_path)
    look(qtbot, tab, 1)
    viewer = tab.viewer
    wait_shown(qtbot, viewer, photos / "01-1m.jpg", cloaks / "01-1m_min_cloaked.png")
    viewer.gain.setValue(50)
    qtbot.keyClick(viewer.views[0], Qt.Key.Key_Right)
    wait_shown(qtbot, viewer, photos / "02-1m.jpg", cloaks / "02-1m_min_cloaked.png")
    assert tab.table.currentRow() == 1 and viewer.position.text() == "2 of 2"
    assert viewer.gain.value() == 50 and viewer.titles[2].text() == "Difference ×50"
    original, cloak = load_rgb(photos / "02-1m.jpg").astype(int), load_rgb(cloaks / "02-1m_min_cloaked.png").astype(int)
    assert np.array_equal(pixels(viewer.views[2]), np.clip(np.abs(cloak - original) * 50, 0, 255))
    qtbot.keyClick(viewer.views[1], Qt.Key.Key_Right)  # the last photo: stays
    qtbot.keyClick(viewer.views[1], Qt.Key.Key_Left)
    wait_shown(qtbot, viewer, photos / "01-1m.jpg", cloaks / "01-1m_min_cloaked.png")
    assert tab.table.currentRow() == 0 and viewer.gain.value() == 50


def test_enlarge_gives_the_pictures_the_whole_tab(window, qtbot, tmp_path):
    tab, photos, cloaks = imported(qtbot, window, tmp_path)
    window.tabs.setCurrentWidget(tab)
    window.show()
    qtbot.waitExposed(window)
    look(qtbot, tab, 1)
    viewer = tab.viewer
    wait_shown(qtbot, viewer, photos / "01-1m.jpg", cloaks / "01-1m_min_cloaked.png")
    viewer.gain.setValue(35)
    viewer.zoom(2.0)
    scale = viewer.views[0].transform().m11()
    before = viewer.views[0].size()
    qtbot.mouseClick(viewer.enlarge_button, Qt.MouseButton.LeftButton)
    view = viewer.views[0]
    qtbot.waitUntil(lambda: view.width() > before.width() and view.height() > before.height(), timeout=5000)
    assert not tab.left_column.isVisible() and not tab.table.isVisible()
    assert viewer.views[0].transform().m11() == scale and viewer.gain.value() == 35
    assert viewer.shown == (photos / "01-1m.jpg", cloaks / "01-1m_min_cloaked.png")
    qtbot.mouseClick(viewer.enlarge_button, Qt.MouseButton.LeftButton)
    assert tab.left_column.isVisible() and tab.table.isVisible()
    window.hide()
