"""Split each person's photos into training (enrolled, maybe cloaked) and test (kept clean) photos.

Rules:
  * ``imm``: the reference study's rule: photo number 6 is the test photo, photos 1-5 train.
  * ``random:N``: N test photos per person, chosen with a seeded random generator.
  * ``strangers``: people held out of the study altogether (neither enrolled nor tested), chosen with
    the seed, whose photos serve only as Fawkes 0.3.1's target identities (``--target-pool strangers:N``).
The split is always saved with the study (``split.json``) and shown; never implicit.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .atomic import write_text_atomic
from .datasets import Dataset

IMM_TEST_PHOTO = 6


@dataclass
class Split:
    rule: str
    seed: int | None
    # person -> photo paths relative to the dataset root
    train: dict[str, list[str]]
    test: dict[str, list[str]]
    # persons this rule could not place, with why
    left_out: dict[str, str] = field(default_factory=dict)
    # persons held out of the study as cloaking targets (strangers to the recognizer)
    strangers: list[str] = field(default_factory=list)

    @property
    def people(self) -> list[str]:
        return sorted(self.test)

    @property
    def training_photos(self) -> int:
        return sum(map(len, self.train.values()))

    @property
    def test_photos(self) -> int:
        return sum(map(len, self.test.values()))

    def role(self, relative: str) -> str | None:
        """"train", "test" or None for a photo (relative path) of the dataset."""
        for role, groups in (("train", self.train), ("test", self.test)):
            if any(relative in files for files in groups.values()):
                return role
        return None

    def save(self, path: Path | str) -> None:
        write_text_atomic(path, json.dumps(asdict(self), indent=2, sort_keys=True))

    @classmethod
    def load(cls, path: Path | str) -> "Split":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def parse_rule(rule: str) -> tuple[str, int]:
    """``"imm"`` → ("imm", 1); ``"random:2"`` → ("random", 2). Raises ValueError with a plain reason."""
    if rule == "imm":
        return "imm", 1
    if rule.startswith("random:"):
        try:
            n = int(rule.split(":", 1)[1])
        except ValueError:
            n = 0
        if n >= 1:
            return "random", n
    raise ValueError(f"Unknown split rule '{rule}': use 'imm' or 'random:N' with N ≥ 1 test photos per person.")


def choose_strangers(people: list[str], count: int, seed: int) -> list[str]:
    """``count`` of ``people`` held out as target identities, chosen with the seed."""
    if count <= 0:
        return []
    if count >= len(people):
        raise ValueError(f"Cannot hold {count} strangers out of {len(people)} people: at least one person must stay in the study.")
    return sorted(random.Random(f"strangers:{seed}").sample(sorted(people), count))


def make_split(dataset: Dataset, rule: str = "imm", seed: int = 0, strangers: int = 0) -> Split:
    kind, n_test = parse_rule(rule)
    rng = random.Random(seed)
    train: dict[str, list[str]] = {}
    test: dict[str, list[str]] = {}
    left_out = dict(dataset.set_aside)
    people = dataset.people()
    held_out = choose_strangers([p for p in people if p not in left_out], strangers, seed)
    for person, photos in sorted(people.items()):
        if person in held_out:
            continue
        photos = sorted(photos, key=lambda p: (p.number, p.name))
        if kind == "imm":
            chosen = [p for p in photos if p.number == IMM_TEST_PHOTO]
            if not chosen:
                left_out[person] = f"has no photo number {IMM_TEST_PHOTO} to test with"
                continue
        else:
            if len(photos) <= n_test:
                left_out[person] = f"has {len(photos)} usable photos; {n_test} test photos and at least one training photo are needed"
                continue
            chosen = rng.sample(photos, n_test)
        rest = [p for p in photos if p not in chosen]
        if not rest:
            left_out[person] = "has no training photo left"
            continue
        test[person] = [dataset.relative(p.path) for p in sorted(chosen, key=lambda p: p.name)]
        train[person] = [dataset.relative(p.path) for p in rest]
    # the seed is part of the split where it chose something: the test photos (random rule) or the strangers
    return Split(rule, seed if kind == "random" or held_out else None, train, test, left_out, held_out)
