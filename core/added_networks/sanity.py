"""The sanity check an added network passes before anything else: its clean identification of known photos.

Each clean photo is matched against every person's mean of their *other* photos (leave one out), so every photo
is a trial and nothing is cloaked. A modern network aligned and scaled right names nearly every clean IMM face;
far below that (under 90 % rank-1) the crop, colour order or scaling is almost certainly not the one it was trained
with, and every cloak result it gave would be meaningless.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..images import UnusableImage
from ..jobs import NO_JOB, Job
from ..models.onnx.presets import PRESETS

PASS_RANK1 = 0.90
SAMPLE_WORDS = "the bundled sample"  # where a network is checked when it is added


@dataclass(frozen=True)
class SanityResult:
    name: str  # the tracker
    preset: str
    right: int  # photos whose best match is their own person
    judged: int
    without_face: int  # photos with no face found (not judged)
    where: str  # "the bundled sample", "this study's clean photos"

    @property
    def rank1(self) -> float:
        return self.right / self.judged if self.judged else 0.0

    @property
    def passed(self) -> bool:
        return self.judged > 0 and self.rank1 >= PASS_RANK1

    def words(self) -> str:
        """What the check found, in plain words, and what to try when it failed."""
        said = (f"Sanity check of {self.name} with the preset {self.preset}: it named {self.right} of {self.judged} "
                f"clean photos of {self.where} correctly ({self.rank1:.0%} rank-1)")
        if self.passed:
            return said + ": the preprocessing looks right."
        others = [p for p in PRESETS if p != self.preset]
        return (said + f", below {PASS_RANK1:.0%}. The preprocessing is probably wrong for this network (crop, colour "
                f"order or scaling): try the preset{'s' if len(others) > 1 else ''} {', '.join(others)}, or a custom "
                "one (size, RGB or BGR, mean, scale, aligned or loose crop).")

    def to_json(self) -> dict:
        return {"rank1": round(self.rank1, 4), "right": self.right, "judged": self.judged,
                "without_face": self.without_face, "where": self.where, "preset": self.preset, "passed": self.passed}


def clean_rank1(recognizer, people: dict[str, list[Path]], where: str, job: Job = NO_JOB) -> SanityResult:
    """Leave-one-out rank-1 of ``recognizer`` (an ``EmbeddingRecognizer``) on ``people``'s clean photos."""
    stage = f"Sanity check of {recognizer.name}"
    photos = [(person, photo) for person, own in sorted(people.items()) for photo in own]
    vectors: dict[str, list[np.ndarray]] = {}
    without_face = 0
    for i, (person, photo) in enumerate(photos):
        job.step(stage, i, len(photos), Path(photo).name)
        try:
            vectors.setdefault(person, []).append(recognizer.vector(photo))
        except UnusableImage:
            without_face += 1
    job.step(stage, len(photos), len(photos))
    names = sorted(vectors)
    sums = {p: np.sum(vectors[p], axis=0) for p in names}
    right = judged = 0
    for person in names:
        for vector in vectors[person]:
            if len(vectors[person]) < 2:
                continue  # nothing left to stand for the person
            candidates, means = [], []
            for other in names:
                count = len(vectors[other]) - (other == person)
                if count:
                    candidates.append(other)
                    means.append((sums[other] - (vector if other == person else 0)) / count)
            scores = recognizer.scores(vector, np.stack(means))
            best = int(np.argmax(scores) if recognizer.higher_is_better else np.argmin(scores))
            judged += 1
            right += candidates[best] == person
    return SanityResult(recognizer.name, recognizer.preset.spelling(), right, judged, without_face, where)


class NetworkRejected(ValueError):
    """The network failed the sanity check and the user did not insist; ``result`` says what was measured. Kept
    here, where nothing heavy is imported, so that the window can name it without loading PyTorch at start."""

    def __init__(self, result: SanityResult, what: str):
        self.result = result
        super().__init__(f"{result.words()} {what}")
