"""What every online tracker's ``Recognizer`` shares: the session its calls go through, how many calls it has made,
and the job its notes go to and whose cancel stops its waits."""
from __future__ import annotations

from ...jobs import Job
from ..base import Recognizer
from .session import ServiceSession


class OnlineTracker(Recognizer):
    @property
    def session(self) -> ServiceSession:
        raise NotImplementedError

    @property
    def calls_made(self) -> int:
        return self.session.calls_made

    def set_job(self, job: Job) -> None:
        """Where notes go (waits for the server, shrunk photos) and whose cancel stops our waits."""
        self.session.job = job
