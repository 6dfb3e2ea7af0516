"""Window responsiveness: (a) seconds from launch to a visible window (goal ≤ 2 s);
(b) the longest event-loop stall while the Cloaking tab cloaks photos (goal < 100 ms);
(c) the longest stall while scrolling a grid of 3000 photos whose thumbnails load in the background.

    python bench/bench_gui.py [--steps N] [--photos-per-person K]

Runs on the offscreen platform unless a display is set. (b) measures with a 10 ms QTimer: any gap
between its ticks beyond 10 ms is time the GUI thread could not answer the user.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "imm"

CHILD = r"""
import sys, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
sys.path.insert(0, sys.argv[1])
from gui.app import application, create_window
app = application([])
folder = Path(tempfile.mkdtemp())
window = create_window(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), folder / "data")
window.open_start_dataset()
def visible():
    if window.isVisible() and window.windowHandle() is not None and window.windowHandle().isExposed():
        print("VISIBLE", flush=True)
        app.quit()
    else:
        QTimer.singleShot(1, visible)
QTimer.singleShot(0, visible)
app.exec()
"""


def launch_seconds() -> float:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(REPO)], stdout=subprocess.PIPE, text=True)
    for line in child.stdout:
        if line.startswith("VISIBLE"):
            seconds = time.perf_counter() - started
            child.wait(timeout=30)
            return seconds
    raise RuntimeError("the window never became visible")


class StallMeter:
    """A 10 ms timer; every gap between its ticks beyond that is time the GUI thread was not answering."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.gaps: list[float] = []
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = self.clock.elapsed()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.gaps.append((now - self.last) / 1000)
        self.last = now

    def stop(self) -> tuple[float, int]:
        self.timer.stop()
        return max(self.gaps, default=0.0), sum(g > 0.1 for g in self.gaps)


def run_until(app, done) -> None:
    while not done():
        app.processEvents()
        time.sleep(0.005)


def longest_stalls(steps: int, per_person: int) -> dict:
    """Stalls while the window starts up (opening the dataset, loading libraries in the background)
    and while the Cloaking tab cloaks the training photos."""
    from PySide6.QtCore import QSettings

    from gui.app import application, create_window

    app = application([])
    work = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    photos = work / "photos"
    photos.mkdir()
    for person in ("01", "02", "03"):  # photos 1..K train, photo 6 tests
        for number in [*range(1, per_person + 1), 6]:
            shutil.copy(FIXTURE / f"{person}-{number}m.jpg", photos)
    meter = StallMeter()
    window = create_window(QSettings(str(work / "s.ini"), QSettings.Format.IniFormat), work / "data")
    tab = window.cloaking_tab
    tab.version.setCurrentIndex(tab.version.findData("0.3"))
    tab.mode.setCurrentText("custom")
    tab.custom_steps.setValue(steps)
    opened = []
    window.dataset_tab.split_changed.connect(lambda *_: opened.append(True))
    window.dataset_tab.open_folder(photos)
    run_until(app, lambda: opened and getattr(window, "warm_up", None) is not None and window.warm_up.is_finished)
    start_stall, start_over = meter.stop()

    meter = StallMeter()
    started = time.perf_counter()
    task = tab.run_cloaking()
    run_until(app, lambda: task.is_finished)
    seconds = time.perf_counter() - started
    stall, over = meter.stop()
    cloaked = sum(1 for r in tab.reports if r.output)
    window.close()
    shutil.rmtree(work, ignore_errors=True)
    return {"start_stall": start_stall, "start_over": start_over, "stall": stall, "over": over,
            "seconds": seconds, "cloaked": cloaked}


def longest_stall_scrolling(count: int = 3000) -> dict:
    """Scroll the Dataset grid over ``count`` photos (copies of the sample's names) from top to bottom."""
    from PySide6.QtCore import QSettings

    from core.datasets import Photo
    from gui.app import SAMPLE, application, create_window

    app = application([])
    work = Path(tempfile.mkdtemp(prefix="bench_grid_"))
    folder = work / "photos"
    folder.mkdir()
    sources = sorted(SAMPLE.glob("*.jpg"))
    photos = []
    for i in range(count):
        link = folder / f"{i:05d}-{sources[i % len(sources)].name}"
        link.symlink_to(sources[i % len(sources)])
        photos.append(Photo(link, f"{i // 6:04d}", i % 6 + 1))
    window = create_window(QSettings(str(work / "s.ini"), QSettings.Format.IniFormat), work / "data")
    window.resize(1280, 800)
    grid = window.dataset_tab.grid
    window.dataset_tab.model.show(photos, {str(p.path): "train" for p in photos})
    run_until(app, lambda: hasattr(window, "warm_up") and window.warm_up.is_finished)
    meter = StallMeter()
    bar = grid.verticalScrollBar()
    started = time.perf_counter()
    while bar.value() < bar.maximum() or bar.maximum() == 0:
        bar.setValue(bar.value() + grid.viewport().height() // 2)  # half a screen per frame, like a fast flick
        deadline = time.perf_counter() + 1 / 30
        while time.perf_counter() < deadline:
            app.processEvents()
        if bar.maximum() == 0:
            break
    seconds = time.perf_counter() - started
    stall, over = meter.stop()
    window.close()
    shutil.rmtree(work, ignore_errors=True)
    return {"stall": stall, "over": over, "seconds": seconds, "count": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="optimisation steps per photo (custom mode)")
    parser.add_argument("--photos-per-person", type=int, default=2, help="training photos per person (3 people)")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    import PySide6

    print(f"platform: {os.environ.get('QT_QPA_PLATFORM') or 'display ' + os.environ['DISPLAY']}, {os.cpu_count()} CPUs, "
          f"PySide6 {PySide6.__version__}")
    runs = [launch_seconds() for _ in range(3)]
    print(f"(a) launch to visible window: best {min(runs):.2f} s, runs {', '.join(f'{r:.2f}' for r in runs)} (goal ≤ 2 s)")
    r = longest_stalls(args.steps, args.photos_per_person)
    print(f"(b) cloaking {r['cloaked']} photos ({args.steps} steps each) took {r['seconds']:.1f} s; longest event-loop "
          f"stall {r['stall'] * 1000:.0f} ms, {r['over']} stalls over 100 ms (goal < 100 ms)")
    print(f"    for comparison, start-up (opening the dataset, loading torch and dlib's models in the background): "
          f"longest stall {r['start_stall'] * 1000:.0f} ms, {r['start_over']} over 100 ms")
    g = longest_stall_scrolling()
    print(f"(c) scrolling a grid of {g['count']} photos top to bottom in {g['seconds']:.1f} s: longest stall "
          f"{g['stall'] * 1000:.0f} ms, {g['over']} over 100 ms")


if __name__ == "__main__":
    main()
