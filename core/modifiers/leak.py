"""``@K`` / ``@P%``: only K (or P percent, rounded to whole photos) of each person's training photos are
cloaked; the others are enrolled clean, as if they had already leaked uncloaked. Which photos stay cloaked
is chosen with the seed and the person's name alone, so the same seed picks the same photos in every
condition and every run. A person with fewer training photos than K is set aside with the reason."""
from __future__ import annotations

import random
from dataclasses import dataclass

from .base import Context, Modifier, Preview
from .photo import EnrolledPhoto


@dataclass(frozen=True)
class Leak(Modifier):
    count: float  # photos, or percent when ``percent``
    percent: bool = False

    prefix = "@"
    usage = ("@K", "@P%")
    example = "@3"
    help_text = "@K / @P% (only K photos per person cloaked, the rest leaked clean)"
    seeded = True

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Leak":
        value = value or ""
        percent = value.endswith("%")
        number = value[:-1] if percent else value
        try:
            count = float(number) if percent else int(number)
        except ValueError:
            count = -1
        if percent and not 0 < count <= 100:
            raise ValueError(f"In the condition '{spec}', @{value} needs a percentage above 0 and at most 100, e.g. @60%.")
        if not percent and count < 1:
            raise ValueError(f"In the condition '{spec}', @{value} needs how many photos per person stay cloaked, e.g. @3.")
        return cls(count, percent)

    @classmethod
    def check(cls, spec: str, kind: str, steps: list) -> None:
        leaks = [s for s in steps if isinstance(s, cls)]
        if len(leaks) > 1:
            raise ValueError(f"The condition '{spec}' has {len(leaks)} @ modifiers; one says how many photos stay cloaked.")
        if leaks and kind == "none":
            raise ValueError(f"The condition '{spec}' cannot leave photos uncloaked: 'none' has no cloaks; "
                             "put @K after a cloaking condition, e.g. import:DIR@3.")

    @property
    def spelling(self) -> str:
        return f"@{self.count:g}%" if self.percent else f"@{int(self.count)}"

    def record(self) -> dict:
        return {"step": "cloaked_subset", ("percent" if self.percent else "photos"): self.count,
                "rest": "enrolled clean (leaked)", "chosen_with": "seed and person"}

    def words(self) -> str:
        return f"{self.count:g}% cloaked" if self.percent else f"{int(self.count)} cloaked"

    def phrase(self) -> str:
        return f"only {self.words()}, the rest leaked clean"

    def summary(self) -> str:
        return f"{self.words()} per person, the rest leaked clean"

    def how_many(self, photos: int) -> int:
        if self.percent:
            return int(self.count * photos / 100 + 0.5)  # half rounds up: 50% of 5 is 3
        return int(self.count)

    def apply(self, photos: list[EnrolledPhoto], context: Context) -> dict:
        """One person's photos; a person with too few is set aside in ``context``."""
        person, k = photos[0].person, self.how_many(len(photos))
        if len(photos) < k or k == 0:
            context.set_aside[person] = (f"has {len(photos)} training photo{'s' if len(photos) != 1 else ''}; "
                                         f"{self.spelling} needs at least {k or 'one cloaked'}")
            return {}
        chosen = set(pick([p.original for p in photos], k, context.seed, person))
        for photo in photos:
            if photo.original not in chosen:
                photo.reset_to_clean(f"{self.spelling}: enrolled clean (leaked)")
        return {"kept": k, "leaked": len(photos) - k}

    def note(self, counts: dict) -> str:
        return (f"{self.spelling}: {counts.get('kept', 0)} photos stay cloaked, {counts.get('leaked', 0)} are enrolled "
                "clean (leaked), chosen with the seed")

    def preview(self, photo: Preview) -> None:
        own = list(photo.originals)
        k = self.how_many(len(own))
        if not own or len(own) < k or k == 0:
            photo.words.append(f"{self.spelling}: this person would be set aside")
        elif photo.relative in pick(own, k, photo.seed, photo.person):
            photo.words.append(f"{self.spelling}: stays cloaked")
        else:
            photo.back_to_clean()
            photo.words.append(f"{self.spelling}: enrolled clean (leaked)")


def pick(originals: list[str], k: int, seed: int, person: str) -> list[str]:
    """The ``k`` photos of ``person`` that stay cloaked: the same for the same seed, whatever the condition."""
    ordered = sorted(originals)
    return sorted(random.Random(f"{seed}/{person}").sample(ordered, k))
