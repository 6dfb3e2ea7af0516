""""Check my own photos": how easily a tracker could spot your cloaks, and what a tracker that screens photos
for cloaks would still enrol of yours. There is one person, so the detector is trained on your photos and
tested on the rest with folds grouped by photo: a photo and its cloak are always on the same side, and each is
judged by a detector that never saw either."""
from __future__ import annotations

from pathlib import Path

from ..jobs import NO_JOB, Job
from .detect import DetectorRun, detect_cloaks
from .result import CloakDetection
from .samples import Sample
from .screen import Screening, screen_photos


def own_photos_detection(condition: str, cloaked: list[tuple[Path, Path]], seed: int = 0,
                         job: Job = NO_JOB) -> tuple[CloakDetection, DetectorRun | None]:
    """``cloaked``: each of your photos with the file a tracker would get instead (its cloak, maybe uploaded).
    The figures, and the detector run a screening tracker flags with (None when it could not be trained)."""
    samples = [Sample(Path(original), False, Path(original).name) for original, _ in cloaked]
    samples += [Sample(Path(cloak), True, Path(original).name) for original, cloak in cloaked]
    return detect_cloaks(condition, samples, seed, job=job, as_saved=False, groups_are="your photos")


def screen_own_photos(condition: str, person: str, enrolled: list[tuple[Path, Path]], run: DetectorRun | None) -> Screening:
    """Which of ``enrolled`` (each of your photos with the file the tracker gets) a screening tracker keeps:
    each file judged by the fold's detector that never saw its photo."""
    return screen_photos(condition, {person: [(Path(f), Path(original).name) for original, f in enrolled]}, run)
