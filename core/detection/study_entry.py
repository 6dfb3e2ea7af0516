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
from .detect import DetectorRun, detect_cloaks
from .result import CloakDetection
from .samples import study_samples

Detection = tuple[CloakDetection, DetectorRun | None]


def condition_detection(study_dir: Path, dataset: Dataset, split: Split, spec: ConditionSpec, job: Job = NO_JOB,
                        seed: int = 0) -> Detection:
    """One cloaked condition's detector: its figures, and its run in the scoring format (None when it could not be
    trained), which a screening tracker flags photos with."""
    listing = read_listing(study_dir, spec)
    if listing is None:
        return CloakDetection(spec.spelling, reason="the study folder has no list of the photos it enrolled"), None
    return detect_cloaks(spec.spelling, study_samples(dataset, split, listing), seed, job=job)


def cloak_detection(study_dir: Path, dataset: Dataset, split: Split, specs: list[ConditionSpec], job: Job = NO_JOB,
                    seed: int = 0, measured: dict[str, Detection] | None = None) -> list[dict]:
    """One entry per cloaked condition in ``specs`` (clean ones have nothing to spot), in their order; a condition
    in ``measured`` (a screening tracker needed its detector already) is not measured again."""
    entries = []
    for spec in (s for s in specs if s.cloaked):
        found = (measured or {}).get(spec.spelling)
        result, _ = found if found is not None else condition_detection(study_dir, dataset, split, spec, job, seed)
        for line in result.skipped:
            job.note(f"Cloak detector, {spec.spelling}: skipped {line}")
        entries.append(result.to_json())
    return entries
