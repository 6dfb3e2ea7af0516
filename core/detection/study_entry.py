"""The study's question "could a tracker spot the cloaks?": for each cloaked condition, clean training photos
of the study's people against the photos the condition enrolled (read back from its ``enrolled.json``),
returned as plain entries for the summary's ``cloak_detection``."""
from __future__ import annotations

from pathlib import Path

from ..conditions.listing import read_listing
from ..conditions.spec import ConditionSpec
from ..datasets import Dataset
from ..jobs import NO_JOB, Job
from ..split import Split
from .detect import detect_cloaks
from .result import CloakDetection
from .samples import study_samples


def cloak_detection(study_dir: Path, dataset: Dataset, split: Split, specs: list[ConditionSpec], job: Job = NO_JOB,
                    seed: int = 0) -> list[dict]:
    """One entry per cloaked condition in ``specs`` (clean ones have nothing to spot), in their order."""
    entries = []
    for spec in (s for s in specs if s.cloaked):
        listing = read_listing(study_dir, spec)
        if listing is None:
            result = CloakDetection(spec.spelling, reason="the study folder has no list of the photos it enrolled")
        else:
            result, _ = detect_cloaks(spec.spelling, study_samples(dataset, split, listing), seed, job=job)
        for line in result.skipped:
            job.note(f"Cloak detector, {spec.spelling}: skipped {line}")
        entries.append(result.to_json())
    return entries
