"""What every online tracker's ``Recognizer`` shares: the session its calls go through, how many calls it has made,
the job its notes go to and whose cancel stops its waits, and the bytes it sends for a photo."""
from __future__ import annotations

from ...jobs import Job
from ..base import Recognizer
from .photos import PhotoLimits, upload_bytes
from .session import ServiceSession


class OnlineTracker(Recognizer):
    limits: PhotoLimits  # what the service takes as it is
    changed_uploads: list[str]  # notes about photos sent as a shrunk or re-encoded copy (set by the constructor)
    @property
    def session(self) -> ServiceSession:
        raise NotImplementedError

    @property
    def calls_made(self) -> int:
        return self.session.calls_made

    def set_job(self, job: Job) -> None:
        """Where notes go (waits for the server, shrunk photos) and whose cancel stops our waits."""
        self.session.job = job

    def _upload(self, photo) -> bytes:
        """The photo's bytes as they are on disk, or a copy within the service's limits, noted and told."""
        data, note = upload_bytes(photo, self.limits)
        if note:
            self.changed_uploads.append(note)
            self.session.note(note)
        return data
