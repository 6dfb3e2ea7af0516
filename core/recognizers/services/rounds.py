"""One remote gallery for a whole study: the crowd (``--distractors``) sent once, each condition a *round*.

Why: a study's conditions differ only in their own people's training photos; the crowd is the same clean photos
in every one. Made afresh for each condition, an online tracker would upload (and, on Rekognition, be billed for)
the whole crowd once a condition. A tracker that declares ``keeps_crowd`` is kept by the study for all its
conditions (``core.study``), told each condition's ``start_round``, sent the crowd with ``enrol_crowd`` in the
first round only, and closed once at the end of the study — after a failure or a cancel too — which deletes what
it made. Used on its own (no ``start_round``), such a tracker is one gallery, as any other.

How the rounds are kept apart is the service's own: Rekognition holds them in one collection, each round's people
as users of their own (``r2:01``), and drops other rounds' users from a search's answer; Face++ makes a faceset a
round (a search looks in one faceset) and adds the crowd's face tokens to each.

A killed study leaves what it made on the service (listed with the leftovers); run again into the same folder, it
makes a new one and sends the crowd again, once, for the conditions still to do.
"""
from __future__ import annotations

CROWD = "crowd"  # the crowd's namespace, seen by every round
KEPT_WHY = ("one gallery for the whole study, each condition a round of its own people, so that the crowd's photos "
            "are uploaded once rather than once a condition")


class CrowdRounds:
    """The bookkeeping of rounds: which condition's round is on, and whether the crowd goes in it."""

    keeps_crowd = True

    def _init_rounds(self) -> None:
        self.rounds: list[str] = []  # the conditions served, in order
        self.crowd_sends = 0  # rounds in which the crowd's photos were uploaded: 1 a study, unless started afresh
        self._crowd_due = True  # the next round must be sent the crowd
        self._crowd_here = False  # the crowd is sent in this round
        self._crowd_counted = False

    @property
    def namespace(self) -> str | None:
        """The current round's ("r1", "r2", …), or None for a tracker used on its own."""
        return f"r{len(self.rounds)}" if self.rounds else None

    def start_round(self, condition: str, people: int) -> bool:
        self.rounds.append(condition)
        if self._begin_round(people):
            self._crowd_due = True
        self._crowd_here, self._crowd_due, self._crowd_counted = self._crowd_due, False, False
        return self._crowd_here

    def _begin_round(self, people: int) -> bool:
        """What the service does as a round begins; True when it had to start afresh, so the crowd goes again."""
        return False

    def _count_crowd_photo(self) -> None:
        if not self._crowd_counted:
            self.crowd_sends += 1
            self._crowd_counted = True

    def _crowd_kept(self, crowd_photos: int, sent_before: bool | None = None) -> bool:
        """Whether this round has the crowd without sending it (an earlier round did): then a plan leaves it out.
        ``sent_before`` says so for a plan of rounds not begun (``core.online_plan``); None: as the rounds say."""
        if sent_before is None:
            sent_before = bool(self.rounds) and not self._crowd_here
        return bool(crowd_photos) and sent_before

    def describe_rounds(self) -> dict:
        """For the manifest: the conditions that shared the gallery and how often the crowd was sent."""
        if not self.rounds:
            return {}
        return {"rounds": list(self.rounds), "crowd_uploads": self.crowd_sends, "rounds_why": KEPT_WHY}
