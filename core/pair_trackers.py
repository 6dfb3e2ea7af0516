"""The recognizer of each (condition, tracker) pair of a study, and the crowd (``--distractors``) it is given.

Every pair gets a recognizer of its own, closed at the pair's end, except a tracker that keeps its crowd between
conditions (``Recognizer.keeps_crowd``: the online ones) in a study with a crowd: it is made once, serves each
condition as a round (``start_round``), is sent the crowd in the round it asks for it, and is closed when the study
ends however it ends (``with``), which deletes what it made on the service. So the crowd's photos are uploaded
once a study, not once a condition. Without a crowd there is nothing worth keeping: one recognizer a pair.
"""
from __future__ import annotations

from contextlib import ExitStack, nullcontext
from pathlib import Path

from .gallery import enrol_distractors
from .jobs import NO_JOB, Job
from .recognizers.registry import make_recognizer


class PairTrackers:
    def __init__(self, options: dict[str, dict], crowd: dict[str, list[Path]], job: Job = NO_JOB, keep: bool = True):
        """``options``: each tracker's settings by name; ``crowd``: the crowd's photos by person ({}: none);
        ``keep``: False for one recognizer a pair whatever the trackers are."""
        self.options, self.crowd, self.job, self.keep = options, crowd, job, keep
        self.kept: dict[str, object] = {}  # tracker name -> the recognizer serving the whole study
        self.crowd_gallery: dict[int, int] = {}  # id of a kept recognizer -> the crowd's people in its gallery

    def get(self, name: str):
        """The pair's recognizer: the kept one, else a new one (kept from now on if it keeps its crowd)."""
        if name in self.kept:
            return self.kept[name]
        recognizer = make_recognizer(name, job=self.job, **self.options.get(name, {}))
        if self.keep and self.crowd and recognizer.keeps_crowd:
            self.kept[name] = recognizer
        return recognizer

    def is_kept(self, recognizer) -> bool:
        return any(recognizer is kept for kept in self.kept.values())

    def using(self, recognizer):
        """What a pair runs ``with``: its own recognizer, closed at its end; a kept one stays open for the next."""
        return nullcontext(recognizer) if self.is_kept(recognizer) else recognizer

    def start(self, recognizer, condition: str, people: int) -> bool:
        """Begin the pair; True when the crowd is to be enrolled in it (always, but once a study for a kept one)."""
        return recognizer.start_round(condition, people) if self.is_kept(recognizer) else True

    def plan(self, recognizer, people: int, photos: int, tests: int):
        """The recognizer's plan for the pair's own people and photos and the crowd; a kept one is told which
        part is the crowd, so that it counts the crowd's uploads once."""
        crowd_people, crowd_photos = len(self.crowd), sum(map(len, self.crowd.values()))
        told = {"crowd_people": crowd_people, "crowd_photos": crowd_photos} if self.is_kept(recognizer) else {}
        return recognizer.plan(people + crowd_people, photos + crowd_photos, tests, **told)

    def enrol_crowd(self, recognizer, due: bool, stage: str) -> int:
        """Enrol the crowd where ``due``; the crowd's people in the pair's gallery."""
        if not due:
            return self.crowd_gallery[id(recognizer)]
        count = enrol_distractors(recognizer, self.crowd, stage, self.job)
        if self.is_kept(recognizer):
            self.crowd_gallery[id(recognizer)] = count
        return count

    def __enter__(self) -> "PairTrackers":
        return self

    def __exit__(self, *exc) -> None:
        """Close every kept recognizer, each even if closing another failed."""
        with ExitStack() as stack:
            for recognizer in self.kept.values():
                stack.callback(recognizer.close)
