"""Screenshots of the real window with real data, for the README:

    xvfb-run -s "-screen 0 1280x800x24" python tests/gui/make_screenshots.py docs/screenshots [MODE]

Opens the bundled sample (30 IMM photos of 5 people), cloaks the training photos with Fawkes 0.3.1
"min" (or the mode named after the folder), runs the study with clean and cloaked photos judged by dlib and
mobileface (so the transfer matrix shows), and saves one picture per tab at 1280×800.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from gui.app import SAMPLE, application, create_window  # noqa: E402


def wait(app, done, what: str, timeout_s: float = 1800) -> None:
    started = time.monotonic()
    while not done():
        app.processEvents()
        time.sleep(0.02)
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{what} took longer than {timeout_s} s")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = application([])
    work = Path(tempfile.mkdtemp(prefix="screenshots_"))
    window = create_window(QSettings(str(work / "s.ini"), QSettings.Format.IniFormat), work / "data")
    window.resize(1280, 800)
    opened = []
    window.dataset_tab.split_changed.connect(lambda *_: opened.append(True))
    window.dataset_tab.open_folder(SAMPLE)
    wait(app, lambda: opened and hasattr(window, "warm_up") and window.warm_up.is_finished, "opening the sample")
    window.dataset_tab.grid.scrollToTop()
    shoot(app, window, 0, out / "dataset.png")

    tab = window.cloaking_tab
    tab.version.setCurrentIndex(tab.version.findData("0.3"))
    tab.mode.setCurrentText(sys.argv[2] if len(sys.argv) > 2 else "min")
    task = tab.run_cloaking()
    print("cloaking…", flush=True)
    wait(app, lambda: task.is_finished, "cloaking")
    tab.table.selectRow(5)
    wait(app, lambda: not tab.viewer.views[1].item.pixmap().isNull(), "the cloak viewer")
    tab.viewer.fit()
    tab.add_condition(tab.fawkes_condition())
    shoot(app, window, 1, out / "cloaking.png")

    window.recognition_tab.set_recognizers(["dlib", "mobileface"])
    window.recognition_tab.findChild(QWidget, "variants-dlib").toggle.setChecked(True)  # trackers that fight back
    shoot(app, window, 2, out / "recognition.png")

    print("running the study…", flush=True)
    window.run_study()
    study = window.results_tab.progress.task
    wait(app, lambda: study.is_finished, "the study")
    shoot(app, window, 3, out / "results.png")
    window.results_tab.below.setCurrentIndex(1)
    window.results_tab.text_filter.setText("fawkes")
    shoot(app, window, 3, out / "results-transfer-matrix.png")
    report_page(app, window, work, out / "report-page1.png")
    check_my_photos(app, window, work, out / "check-my-photos.png")
    window.close()
    shutil.rmtree(work, ignore_errors=True)
    print("saved", ", ".join(sorted(p.name for p in out.glob("*.png"))))


def report_page(app, window, work: Path, path: Path) -> None:
    """Page 1 of the study's PDF report, as a picture (needs poppler-utils' pdftoppm)."""
    task = window.export_report_to(work / "report.pdf")
    wait(app, lambda: task.is_finished, "the report")
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (apt-get install poppler-utils): no picture of the report", flush=True)
        return
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(work / "report.pdf"),
                    str(path.with_suffix(""))], check=True)


def check_my_photos(app, window, work: Path, path: Path) -> None:
    """The "Am I protected?" dialog with its answer: IMM person 03 among the sample's four other people."""
    mine, crowd = work / "my photos", work / "crowd"
    mine.mkdir()
    crowd.mkdir()
    for i in range(1, 7):
        shutil.copy(REPO / "tests" / "fixtures" / "imm" / f"03-{i}m.jpg", mine / f"IMG_{i:04d}.jpg")
    for photo in SAMPLE.glob("0[1245]-*.jpg"):
        shutil.copy(photo, crowd)
    dialog = window.check_my_photos()
    task = dialog.set_photos(mine)
    wait(app, lambda: task.is_finished, "looking at the photos")
    dialog.set_crowd(crowd)
    dialog.version.setCurrentIndex(dialog.version.findData("0.3"))
    dialog.mode.setCurrentText("low")
    dialog.recognizer_boxes["dlib/screened"].setChecked(True)  # a tracker that screens photos for cloaks
    print("checking my photos…", flush=True)
    task = dialog.run()
    wait(app, lambda: task.is_finished, "the check")
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    dialog.grab().save(str(path))
    dialog.close()


def shoot(app, window, tab_index: int, path: Path) -> None:
    window.tabs.setCurrentIndex(tab_index)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    window.grab().save(str(path))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
