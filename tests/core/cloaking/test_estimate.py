"""The time cloaking takes here: measured once per PyTorch and device, stored, and used for the time left."""
from __future__ import annotations

import json

import pytest
import torch

from core.cloaking.engine import CloakSettings, cloak_photos
from core.cloaking.cache import ENGINE_REVISION
from core.cloaking.estimate import SPEED_FILE, RunClock, Speed, device_name, measured_speed, speed_key, store_speed, stored_speed
from core.datasets import open_dataset
from core.jobs import Job


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("speed-data")


@pytest.fixture(scope="module")
def speed(data_dir) -> Speed:
    """One calibration of 0.3.1 with dlib on the CPU for the module (about 2 s on a quiet machine)."""
    return measured_speed("0.3", ("dlib",), "cpu", data_dir)


def test_calibration_is_stored_under_torch_and_device_and_not_used_for_another(speed, data_dir):
    saved = json.loads((data_dir / SPEED_FILE).read_text())
    (key,) = saved
    assert f"torch {torch.__version__}" in key and device_name(torch.device("cpu")) in key and "Fawkes 0.3" in key
    assert saved[key]["measured"] and 0 < speed.batch_step_s(1) <= speed.batch_step_s(8) and speed.find_s > 0
    assert stored_speed("0.3", ("dlib",), "cpu", data_dir) == speed  # read back, not measured again

    elsewhere = data_dir / "elsewhere"
    store_speed(speed, "0.3", ("dlib",), "cpu", elsewhere, key=speed_key("0.3", ("dlib",), "cpu", torch_version="2.0.0"))
    store_speed(speed, "0.3", ("dlib",), "cpu", elsewhere, key=speed_key("0.3", ("dlib",), "cpu", device_label="cuda NVIDIA H200"))
    older_engine = speed_key("0.3", ("dlib",), "cpu").replace(f"engine {ENGINE_REVISION}", f"engine {int(ENGINE_REVISION) - 1}")
    assert older_engine != speed_key("0.3", ("dlib",), "cpu")
    store_speed(speed, "0.3", ("dlib",), "cpu", elsewhere, key=older_engine)
    assert stored_speed("0.3", ("dlib",), "cpu", elsewhere) is None  # another PyTorch, device or engine: measure again
    assert stored_speed("1.0", ("dlib",), "cpu", data_dir) is None and stored_speed("0.3", ("dlib", "faceres"), "cpu", data_dir) is None


def test_the_clock_plans_the_run_the_engine_makes(speed, fixture_imm, tmp_path):
    """The time left is the measured speed times the work the engine will do: the first report gives the
    whole run's figure, the clock's batch-steps are the engine's, and every step before the last says how
    long is left. How close that comes to the wall clock is a speed figure, printed by
    bench/bench_time_left.py (two test files run at once here, so a timed assertion would judge their load)."""
    people = open_dataset(fixture_imm).people()
    pool = {person: [p.path for p in photos] for person, photos in people.items() if person != "01"}
    photos = [fixture_imm / f"01-{i}m.jpg" for i in (1, 2, 3)]
    person_of = {p: "01" for p in photos}
    steps = 6
    settings = CloakSettings(mode="custom", custom={"th": 0.008, "steps": steps, "lr": 10}, device="cpu", cache_dir=tmp_path / "cache")
    reports = []
    job = Job(reports.append)
    clock = RunClock(speed, len(photos), steps, settings.batch_size)
    job.time_left = clock.seconds_left
    cloak_photos(photos, tmp_path / "out", settings, job, pool=pool, person_of=person_of)

    first = reports[0]
    assert first.stage == "Finding faces" and first.seconds_left == pytest.approx(clock.predicted, rel=0.02)
    # three photos are one batch of three faces: finding each, the steps of that batch, the work after them
    assert clock.predicted == pytest.approx(3 * speed.find_s + steps * (speed.step_s + 3 * speed.face_step_s) + 3 * speed.photo_s)
    cloaking = [p for p in reports if p.stage == "Cloaking"]
    planned = len(Speed.batch_sizes(len(photos), settings.batch_size)) * steps
    assert {p.total for p in cloaking} == {planned}  # the engine's batch-steps, as the clock counted them
    before_the_end = [p for p in cloaking if p.done < p.total]
    assert len(before_the_end) == planned and all(p.seconds_left is not None and p.seconds_left > 0 for p in before_the_end)
    assert all(p.seconds_left is None for p in cloaking if p.done >= p.total)
