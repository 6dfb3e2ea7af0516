"""How long cloaking takes on this computer: measured, not assumed.

``calibrate`` runs the engine for about two seconds on bundled photos with a tiny custom mode and
times its optimisation steps at two batch sizes, and the work around them per photo. The figure is
stored in the app's data folder under the PyTorch version, the device's name, the Fawkes version and
the extractors, so another PyTorch or device measures again. ``Speed.run_seconds`` predicts a run
from mode steps × faces; ``RunClock`` turns the same figure into the time left of a running job,
corrected by the run's own pace as it goes (the machine may be busier than when it was measured).
"""
from __future__ import annotations

import json
import platform
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..atomic import write_text_atomic
from ..jobs import NO_JOB, Cancelled, Job
from ..models.zoo import user_data_dir
from ..torch_threads import MACHINE_THREADS
from .cache import ENGINE_REVISION
from .engine import CloakSettings, cloak_photos, resolve_device
from .modes import get_mode, normalise_version
from .plan import batch_share

SPEED_FILE = "cloak-speed.json"
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
PHOTOS = ("01-1m.jpg", "01-2m.jpg", "01-3m.jpg", "01-4m.jpg")  # one face each
POOL = {"02": ("02-1m.jpg",)}  # 0.3.1's target identity
SINGLE_SECONDS = 0.3  # timing one face's steps
BATCH_SECONDS = 0.9  # timing a batch of four faces' steps
MAX_STEPS = 300
_lock = threading.Lock()  # one calibration at a time: a second caller waits and reads the first one's figure


@dataclass(frozen=True)
class Speed:
    step_s: float  # one optimisation step of a batch, whatever its size ...
    face_step_s: float  # ... plus this per face in the batch
    find_s: float  # per photo: reading it and finding its faces
    photo_s: float  # per photo: the rest outside the steps (targets, composing, budget check, PNG)
    device: str  # "CPU" or "GPU", for the text

    def batch_step_s(self, faces: int) -> float:
        return self.step_s + self.face_step_s * faces

    @staticmethod
    def batch_sizes(faces: int, batch_size: int = 8) -> list[int]:
        """The batches ``plan.batches`` makes of one-face photos: as few as fit, as even as can be."""
        if faces <= 0:
            return []
        share = batch_share(faces, batch_size)
        return [share] * (faces // share) + ([faces % share] if faces % share else [])

    def cloaking_s(self, faces: int, steps: int, batch_size: int = 8) -> float:
        """The optimisation and the work per photo after it (one face a photo)."""
        return sum(steps * self.batch_step_s(n) + n * self.photo_s for n in self.batch_sizes(faces, batch_size))

    def run_seconds(self, photos: int, steps: int, batch_size: int = 8) -> float:
        """A whole run of ``photos`` one-face photos with ``steps`` steps a face (a target pool already embedded)."""
        return photos * self.find_s + self.cloaking_s(photos, steps, batch_size)

    def per_face_s(self, steps: int, batch_size: int = 8) -> float:
        return self.run_seconds(batch_size, steps, batch_size) / max(1, batch_size)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda {torch.cuda.get_device_name(device)}"
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu {model}, {MACHINE_THREADS} threads"


def speed_key(version: str, extractors, device: str = "auto", torch_version: str | None = None, device_label: str | None = None) -> str:
    label = device_label or device_name(resolve_device(device))
    # the engine's revision too: a faster engine measures itself again instead of showing the old figure
    return (f"torch {torch_version or torch.__version__} | {label} | engine {ENGINE_REVISION} | Fawkes {normalise_version(version)} | "
            f"{'+'.join(extractors)}")


def _speed_file(data_dir: Path | None) -> Path:
    return Path(data_dir or user_data_dir()) / SPEED_FILE


def _read(data_dir: Path | None) -> dict:
    try:
        return json.loads(_speed_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none measured yet, or a damaged file: measure again


def stored_speed(version: str, extractors, device: str = "auto", data_dir: Path | None = None) -> Speed | None:
    """The figure measured earlier with this PyTorch, device, version and extractors; None if there is none."""
    saved = _read(data_dir).get(speed_key(version, extractors, device))
    try:
        return Speed(**{k: v for k, v in saved.items() if k in Speed.__dataclass_fields__}) if saved else None
    except TypeError:
        return None


def store_speed(speed: Speed, version: str, extractors, device: str = "auto", data_dir: Path | None = None, key: str | None = None) -> None:
    saved = _read(data_dir)
    saved[key or speed_key(version, extractors, device)] = {**asdict(speed), "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_text_atomic(_speed_file(data_dir), json.dumps(saved, indent=1, sort_keys=True))


def measured_speed(version: str, extractors, device: str = "auto", data_dir: Path | None = None, job: Job = NO_JOB) -> Speed:
    """The stored figure, or a fresh ~2-second calibration (then stored)."""
    with _lock:
        speed = stored_speed(version, extractors, device, data_dir)
        if speed is None:
            speed = calibrate(version, extractors, device, job)
            store_speed(speed, version, extractors, device, data_dir)
        return speed


# ---------------------------------------------------------------------------------------------
# The measurement


def _timed_run(photos: list[Path], settings: CloakSettings, outer: Job, stop_after: float | None) -> list[tuple[float, str, int, str]]:
    """Cloak ``photos`` in a scratch folder; the (time, stage, done, message) of every report. With
    ``stop_after``, the run is stopped once its steps have taken that long."""
    marks: list[tuple[float, str, int, str]] = []

    def record(progress) -> None:
        outer.check()
        now = time.perf_counter()
        marks.append((now, progress.stage, progress.done, progress.message))
        steps = [m for m in marks if m[3].startswith("step ")]
        if stop_after is not None and len(steps) >= 4 and (now - steps[0][0] >= stop_after or len(steps) >= MAX_STEPS):
            inner.cancel()

    inner = Job(record)
    with tempfile.TemporaryDirectory(prefix="cloak-speed-") as scratch:
        pool = {person: [SAMPLE / n for n in names] for person, names in POOL.items()}
        try:
            cloak_photos(photos, Path(scratch) / "out", settings, inner, pool=pool, person_of={p: "01" for p in photos})
        except Cancelled:
            outer.check()  # the caller's cancel goes on; the calibration's own stop ends here
    return marks


def _step_seconds(marks) -> float:
    times = [t for t, _, _, message in marks if message.startswith("step ")]
    gaps = [b - a for a, b in zip(times[1:], times[2:])]  # the first step also warms up
    if not gaps:
        raise RuntimeError("The speed measurement saw too few optimisation steps.")
    return statistics.median(gaps)


def calibrate(version: str, extractors, device: str = "auto", job: Job = NO_JOB) -> Speed:
    """Time our engine here: one face's steps, then four faces' steps and the work per photo around them."""
    version = normalise_version(version)
    extractors = tuple(extractors) or ("dlib",)
    photos = [SAMPLE / name for name in PHOTOS]
    stage = "Measuring how fast this computer cloaks"
    job.step(stage, 0, 2)
    with tempfile.TemporaryDirectory(prefix="cloak-speed-cache-") as cache:  # nothing measured is reused or kept

        def run(count: int, steps: int, stop_after: float | None):
            # the version's mid preset with ``steps`` steps, ``count`` faces in one batch
            settings = CloakSettings(version=version, mode="custom", custom={"steps": steps}, extractors=extractors,
                                     device=device, batch_size=count, cache_dir=Path(cache) / f"{count}-{steps}")
            return _timed_run(photos[:count], settings, job, stop_after)

        one = _step_seconds(run(1, 10_000, SINGLE_SECONDS))  # stopped by time
        job.step(stage, 1, 2)
        marks = run(len(photos), max(3, min(MAX_STEPS, round(BATCH_SECONDS / (4 * one)))), None)
    job.step(stage, 2, 2)
    four = _step_seconds(marks)
    faces = len(photos)
    found = [t for t, name, _, _ in marks if name == "Finding faces"]
    step_times = [t for t, _, _, message in marks if message.startswith("step ")]
    # the batch's photos written: the engine's first "Cloaking" report after the steps that is not a step
    finished = next(t for t, name, _, message in marks
                    if name == "Cloaking" and t >= step_times[-1] and not message.startswith("step "))
    per_face = max(0.0, (four - one) / (faces - 1))
    fixed = max(0.0, four - faces * per_face)
    outside = (step_times[0] - found[-1] - four) + (finished - step_times[-1])  # targets etc. before, composing etc. after
    return Speed(fixed, per_face, (found[-1] - found[0]) / faces, max(0.0, outside) / faces,
                 "GPU" if resolve_device(device).type == "cuda" else "CPU")


# ---------------------------------------------------------------------------------------------
# What the user sees


def plain_duration(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def describe_run(version: str, mode: str, custom: dict | None, extractors, device: str = "auto", photos: int = 0,
                 data_dir: Path | None = None, measure: bool = True, job: Job = NO_JOB) -> str:
    """The mode in one plain sentence, with the measured time a face and for ``photos`` photos;
    ``measure=False`` only uses a figure measured before (the time is left out until there is one)."""
    spec = get_mode(version, mode, (custom or {}) if mode == "custom" else None)
    extractors = tuple(extractors) or ("dlib",)
    text = f"{spec.summary} (DSSIM budget {spec.threshold:g})."
    try:
        resolve_device(device)
    except ValueError as exc:  # cuda chosen where there is none: say so here, before a run fails on it
        return f"{text} {exc}"
    speed = measured_speed(version, extractors, device, data_dir, job) if measure else stored_speed(version, extractors, device, data_dir)
    if speed is None:
        return text
    text = text[:-1] + f"; {approximate_duration(speed.per_face_s(spec.steps))} per face on this computer's {speed.device} (measured here)."
    if photos:
        text += f" {photos} photo{'s' if photos != 1 else ''}: {approximate_duration(speed.run_seconds(photos, spec.steps))}."
    return text


def approximate_duration(seconds: float) -> str:
    """"about 7 s", but "under a second" (not "about under a second")."""
    duration = plain_duration(seconds)
    return duration if duration.startswith("under") else f"about {duration}"


class RunClock:
    """The time left of one ``cloak_photos`` run, for ``Job.time_left``: from the measured speed, and
    more and more from the run's own pace once its steps are under way."""

    def __init__(self, speed: Speed, photos: int, steps: int, batch_size: int = 8):
        self.speed, self.steps, self.batch_size = speed, max(1, steps), max(1, batch_size)
        self.faces = photos  # until "Finding faces" says how many are left to cloak (the rest are cached)
        self.predicted = speed.run_seconds(photos, steps, batch_size)  # the whole run, at its start
        self._started: tuple[float, int] | None = None

    def _cloaking_left(self, done: int) -> float:
        """Predicted seconds left of the Cloaking stage after ``done`` of its batch-steps."""
        left = 0.0
        for number, size in enumerate(self.speed.batch_sizes(self.faces, self.batch_size)):
            remaining = min(self.steps, max(0, (number + 1) * self.steps - done))
            left += remaining * self.speed.batch_step_s(size) + (size * self.speed.photo_s if done < (number + 1) * self.steps else 0)
        return left

    def seconds_left(self, stage: str, done: int, total: int) -> float | None:
        if stage == "Finding faces":
            self.faces = total
            return (total - done) * self.speed.find_s + self._cloaking_left(0)
        if stage == "Embedding the target pool":
            return (total - done) * self.speed.find_s + self._cloaking_left(0)
        if stage != "Cloaking" or done >= total:
            return None
        now = time.monotonic()
        if self._started is None:
            self._started = (now, done)
        left = self._cloaking_left(done)
        predicted_done = self._cloaking_left(self._started[1]) - left
        whole = self._cloaking_left(0)
        if predicted_done > 0 and whole > 0:
            pace = (now - self._started[0]) / predicted_done  # 1: as measured; 2: twice as slow
            weight = min(1.0, predicted_done / whole)
            left *= (1 - weight) + weight * pace
        return left


def run_clock(settings: CloakSettings, photos: int, data_dir: Path | None = None):
    """``RunClock(...).seconds_left`` for a run with these settings when a figure was measured here, else None."""
    speed = stored_speed(settings.version, settings.extractors, settings.device, data_dir)
    if speed is None:
        return None
    return RunClock(speed, photos, settings.mode_spec().steps, settings.batch_size).seconds_left
