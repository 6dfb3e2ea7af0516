"""Which photos a detector is trained and tested on, each with its side (clean or cloaked) and its group:
the photos of one group (a person in a study; one of your photos and its cloak in a self-check) are never
on both sides of a fold, so the detector is always judged on people it has not seen."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..conditions.listing import Listing
from ..datasets import Dataset
from ..split import Split


@dataclass(frozen=True)
class Sample:
    path: Path
    cloaked: bool
    group: str  # who the photo belongs to, for the folds and the interval
    original: str = ""  # the training photo it stands for (relative to the dataset), where known


def clean_training_samples(dataset: Dataset, split: Split) -> list[Sample]:
    """Every training photo of the study as it was taken: the clean side."""
    return [Sample(dataset.root / relative, False, person, relative)
            for person, photos in sorted(split.train.items()) for relative in photos]


def cloaked_samples(listing: Listing) -> list[Sample]:
    """The photos a condition enrolled that are still cloaked (an ``@K`` condition's leaked photos are clean)."""
    files = listing.files()
    return [Sample(files[entry["original"]], True, entry["person"], entry["original"])
            for entry in listing.photos if entry.get("cloaked", True)]


def study_samples(dataset: Dataset, split: Split, listing: Listing) -> list[Sample]:
    """Clean training photos of the study's people against the condition's cloaked ones."""
    return clean_training_samples(dataset, split) + cloaked_samples(listing)
