"""The Cloaking tab's time: measured on this computer the first time the tab is shown, for the split's photos."""
from __future__ import annotations

import json
import shutil

import torch

from core.cloaking.estimate import SPEED_FILE, approximate_duration, device_name, stored_speed
from core.cloaking.modes import get_mode
from tests.gui.conftest import TASK_TIMEOUT_MS, open_fixture, wait_for


def test_first_show_measures_this_computer_and_the_run_uses_the_figure(window, qtbot, fixture_imm, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("01-1m.jpg", "01-6m.jpg", "02-1m.jpg", "02-6m.jpg"):
        shutil.copy(fixture_imm / name, photos)
    open_fixture(qtbot, window, photos)
    tab = window.cloaking_tab
    tab.version.setCurrentIndex(tab.version.findData("0.3"))
    tab.mode.setCurrentText("high")
    tab.device.setCurrentText("cpu")
    speed_file = window.data_dir / SPEED_FILE
    qtbot.wait(500)  # the window's warm-up describes the mode too, but does not measure while the tab is unseen
    assert not speed_file.exists() and "per face" not in tab.description.text()

    window.show()
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: "photos: about" in tab.description.text(), timeout=TASK_TIMEOUT_MS)
    (key,) = json.loads(speed_file.read_text())
    assert torch.__version__ in key and device_name(torch.device("cpu")) in key
    speed = stored_speed("0.3", ("dlib",), "cpu", window.data_dir)
    text = tab.description.text()
    assert f"{approximate_duration(speed.per_face_s(500))} per face on this computer's CPU" in text
    assert f"2 photos: {approximate_duration(speed.run_seconds(2, 500))}." in text

    # a run's time left comes from the same figure
    tab.mode.setCurrentText("custom")
    tab.custom_steps.setValue(2)
    qtbot.waitUntil(lambda: f"2 photos: {approximate_duration(speed.run_seconds(2, 2))}." in tab.description.text(), timeout=TASK_TIMEOUT_MS)
    task = wait_for(qtbot, tab.run_cloaking())
    clock = task.job.time_left.__self__
    assert clock.predicted == speed.run_seconds(2, get_mode("0.3", "custom", tab.custom()).steps)
    assert json.loads(speed_file.read_text()).keys() == {key}  # measured once
