"""The study's question "could a tracker spot the cloaks?": for each cloaked condition, clean training photos
of the study's people against the photos the condition enrolled (read back from its ``enrolled.json``),
returned as plain entries for the summary's ``cloak_detection``. Each condition's figures are kept in its folder
of the study (``enrolled/<condition>/cloak_detection.json``) under a digest of what they were measured from, so a
resumed study does not train its detectors again; any changed photo, seed, detector code or library trains anew."""
from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import dlib
import numpy
import PIL
import sklearn
import torch

from ..atomic import write_json_atomic
from ..conditions.listing import read_listing
from ..conditions.spec import DETECTION_FIGURES, ConditionSpec
from ..datasets import Dataset
from ..jobs import NO_JOB, Job
from ..split import Split
from .detect import DetectorRun, detect_cloaks
from .features import DEFAULT_FAMILIES
from .result import CloakDetection
from .samples import Sample, study_samples

Detection = tuple[CloakDetection, DetectorRun | None]
_CODE = sorted(Path(__file__).parent.glob("*.py"))  # the detector's own code: a change to any of it measures again


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
    in ``measured`` (a screening tracker needed its detector already), or kept in the study folder from the same
    photos, is not measured again."""
    entries = []
    for spec in (s for s in specs if s.cloaked):
        found = (measured or {}).get(spec.spelling)
        kept = None if found is not None else _kept(study_dir, spec, dataset, split, seed)
        result = kept or (found or condition_detection(study_dir, dataset, split, spec, job, seed))[0]
        if kept is None and result.auc is not None:
            _keep(study_dir, spec, dataset, split, seed, result)
        for line in result.skipped:
            job.note(f"Cloak detector, {spec.spelling}: skipped {line}")
        entries.append(result.to_json())
    return entries


def _digest(study_dir: Path, spec: ConditionSpec, dataset: Dataset, split: Split, seed: int) -> str | None:
    """What the figures are measured from: every photo's bytes and side, the seed, the detector and its libraries."""
    listing = read_listing(study_dir, spec)
    if listing is None:
        return None
    samples: list[Sample] = study_samples(dataset, split, listing)
    versions = [m.__version__ for m in (sklearn, torch, numpy, PIL, dlib)] + [_weights_version()]
    digest = hashlib.sha256(json.dumps([seed, list(DEFAULT_FAMILIES), versions]).encode())
    for source in _CODE:
        digest.update(source.read_bytes())
    for sample in samples:
        digest.update(f"{sample.cloaked}|{sample.group}|{sample.original}|".encode())
        digest.update(hashlib.sha256(Path(sample.path).read_bytes()).digest() if Path(sample.path).is_file() else b"-")
    return digest.hexdigest()


def _weights_version() -> str:
    """The package that ships dlib's face network, whose inner layers are half the features."""
    try:
        return version("face_recognition_models")
    except PackageNotFoundError:
        return ""


def _kept(study_dir: Path, spec: ConditionSpec, dataset: Dataset, split: Split, seed: int) -> CloakDetection | None:
    path = Path(study_dir) / spec.enrolled_dir / DETECTION_FIGURES
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("digest") != _digest(study_dir, spec, dataset, split, seed):
        return None
    try:
        return CloakDetection.from_json(kept["figures"])
    except (KeyError, TypeError):  # a damaged file: measured again
        return None


def _keep(study_dir: Path, spec: ConditionSpec, dataset: Dataset, split: Split, seed: int, result: CloakDetection) -> None:
    digest = _digest(study_dir, spec, dataset, split, seed)
    if digest is not None:
        write_json_atomic(Path(study_dir) / spec.enrolled_dir / DETECTION_FIGURES, {"digest": digest, "figures": result.to_json()})
