""""Check my own photos": how easily a tracker could spot your cloaks. There is one person, so the detector is
trained on your photos and tested on the rest with folds grouped by photo: a photo and its cloak are always on
the same side, and each is judged by a detector that never saw either."""
from __future__ import annotations

from pathlib import Path

from ..jobs import NO_JOB, Job
from .detect import detect_cloaks
from .result import CloakDetection
from .samples import Sample


def own_photos_detection(condition: str, cloaked: list[tuple[Path, Path]], seed: int = 0,
                         job: Job = NO_JOB) -> CloakDetection:
    """``cloaked``: each of your photos with the file a tracker would get instead (its cloak, maybe uploaded)."""
    samples = [Sample(Path(original), False, Path(original).name) for original, _ in cloaked]
    samples += [Sample(Path(cloak), True, Path(original).name) for original, cloak in cloaked]
    result, _ = detect_cloaks(condition, samples, seed, job=job, as_saved=False, groups_are="your photos")
    return result
