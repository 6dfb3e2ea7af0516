"""The recognizer interface every backend implements: enrol photos, train, identify, close.

A backend is one file: subclass ``Recognizer`` (or ``EmbeddingRecognizer`` for a local network that
turns a face into a vector) and register it in ``core.recognizers.registry``. Every backend's
constructor takes ``threshold`` and ``job`` (where it reports downloads, waits and notes) plus its own
settings.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..images import NoFaceFound, load_rgb
from ..jobs import NO_JOB, Job
from ..score_scale import CONFIDENCE, ScoreScale
from .cleaning import CleaningStep, clean_all
from .matchers import Matcher
from .matchers.mean import Mean
from .spec import parse_tracker
from .vector_memo import MEMO

DEFAULT_THRESHOLD = 0.5  # like Azure's default identify threshold


@dataclass(frozen=True)
class Candidate:
    person: str
    confidence: float  # 0..1, see each backend's ``confidence_doc``
    score: float  # the backend's raw number: a distance or a similarity


class Recognizer(ABC):
    name: str = ""
    confidence_doc: str = ""  # how confidence is defined, shown in the README and the About box
    threshold: float = DEFAULT_THRESHOLD
    # True: the study keeps one instance for all its conditions, each a round (``start_round``), so that a crowd
    # uploaded to an online service is sent once a study rather than once a condition
    keeps_crowd: bool = False
    scale: ScoreScale = CONFIDENCE  # what ``Candidate.score`` is; written beside the scores (core.score_scale)
    screens: bool = False  # the study drops the training photos a cloak detector flags before enrolling them

    @property
    def higher_is_better(self) -> bool:
        return self.scale.higher_is_better

    @property
    def base_name(self) -> str:
        """The catalogue's tracker it is (``dlib`` for ``dlib/nearest+jpeg:50``: ``core.recognizers.variant``)."""
        return self.name

    def confidence(self, score: float) -> float:
        """A raw score as the tracker's 0..1 confidence (its usual match line gives 0.5)."""
        return self.scale.confidence(score)

    @abstractmethod
    def enrol(self, person: str, photo: Path) -> None:
        """Add one training photo of ``person``. Raises ``UnusableImage``/``NoFaceFound`` with a reason."""

    @abstractmethod
    def train(self, job: Job = NO_JOB) -> None:
        """Make the enrolled photos searchable. Called once after all ``enrol`` calls."""

    @abstractmethod
    def identify(self, photo: Path) -> list[Candidate]:
        """Ranked candidates (best first) for the largest face in ``photo``; raises ``NoFaceFound``."""

    def enrol_crowd(self, person: str, photo: Path) -> None:
        """Add one photo of the study's crowd (``core.gallery``): a tracker that ``keeps_crowd`` keeps it for every
        later round; any other enrols it as one more person."""
        self.enrol(person, photo)

    def start_round(self, condition: str, people: int) -> bool:
        """Only where ``keeps_crowd``: ``condition``'s round begins. What ``enrol`` gets from now on (``people``
        people) is this round's, apart from earlier rounds' people of the same names, and ``identify`` ranks this
        round's people and the crowd only. True when the crowd must be enrolled in this round (``enrol_crowd``):
        the first round, or one the tracker had to start afresh."""
        raise NotImplementedError(f"{self.name} makes a new gallery for every condition")

    def expect(self, photos: list[Path]) -> None:
        """The photos ``enrol`` or ``identify`` will be given next: a backend may start on them early."""

    def close(self) -> None:
        """Release what the backend holds (a remote person group, memory)."""

    def plan(self, people: int, training_photos: int, test_photos: int):
        """What a run will cost, in words (``str()``), where that is worth telling the user first; else None."""
        return None

    def describe(self) -> dict:
        """What the manifest records about this backend (model files and hashes, settings)."""
        return {"name": self.name, "threshold": self.threshold, "score_scale": self.scale.to_json()}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class EmbeddingRecognizer(Recognizer):
    """A local network: each face becomes a vector; the matcher names the person of a test face from the enrolled
    vectors (by default the nearest person mean). A spelled variant (``core.recognizers.variant``) sets another
    matcher, and cleaning steps done to every photo before the network sees it."""

    matcher_class: type[Matcher] = Mean  # how a test face is matched (core.recognizers.matchers)
    cleaning: tuple[CleaningStep, ...] = ()  # done to every photo it handles (core.recognizers.cleaning)
    network_scale: ScoreScale | None = None  # the network's own scale where the matcher's differs (a variant's)

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, job: Job = NO_JOB):
        self.threshold = threshold
        self.job = job
        self._vectors: dict[str, list[np.ndarray]] = {}
        self._matcher: Matcher | None = None

    @abstractmethod
    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        """The vector of the largest face in ``rgb``; raises ``NoFaceFound(photo)``."""

    @abstractmethod
    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        """Raw score of ``vector`` against each row of ``means``."""

    @property
    def network(self) -> str:
        """What the vectors depend on besides the photo (the network, its weights, where it runs): the key under
        which ``vector_memo`` keeps them."""
        return self.name

    @property
    def vectors_key(self) -> str:
        """The memo's key for its vectors: the network and the cleaning every photo goes through first, so that a
        cleaned photo's vector is never taken for the clean one's."""
        return self.network + "".join(step.spelling for step in self.cleaning)

    def vector(self, photo: Path) -> np.ndarray:
        """The vector of the photo's largest face, computed once per process for the same bytes; raises
        ``UnusableImage``/``NoFaceFound``. The file is read once: the bytes hashed for the memo are the bytes
        embedded, even if the file is rewritten meanwhile."""
        try:
            data = Path(photo).read_bytes()
        except OSError:
            data = None  # load_rgb names the reason
        key = MEMO.key_of(self.vectors_key, data) if data is not None else None
        vector = MEMO.get(key)
        if vector is None:
            vector = self.fresh_vector(photo, data)
            MEMO.put(key, vector)
        return vector

    def fresh_vector(self, photo: Path, data: bytes | None = None) -> np.ndarray:
        """The vector computed now, from ``data`` (the file's bytes as read) or else the file, cleaned first."""
        return self.embed(clean_all(self.cleaning, load_rgb(photo, data)), photo)

    def enrol(self, person: str, photo: Path) -> None:
        self._vectors.setdefault(person, []).append(self.vector(photo))
        self._matcher = None

    def forget(self, person: str) -> None:
        """Take ``person`` out of the gallery, so that they can be enrolled again from other photos
        (the "Check my own photos" answer enrols the crowd once and you three times)."""
        self._vectors.pop(person, None)
        self._matcher = None

    def train(self, job: Job = NO_JOB) -> None:
        matcher = self.matcher_class(self.scores, (self.network_scale or self.scale).higher_is_better)
        matcher.fit(self._vectors)
        self._matcher = matcher

    def identify(self, photo: Path) -> list[Candidate]:
        if self._matcher is None:
            self.train()
        people, scores = self._matcher.people, self._matcher.scores(self.vector(photo))
        order = np.argsort(-scores if self.higher_is_better else scores)
        return [Candidate(people[i], self.confidence(float(scores[i])), float(scores[i])) for i in order]

    def describe(self) -> dict:
        about = super().describe()
        if self.name != self.base_name:  # a spelled variant: its matcher's settings and its cleaning, as the catalogue's
            about.update(parse_tracker(self.name).record())
        return about


def cosine_to_each(vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosine similarity of a unit ``vector`` to each row of ``rows`` (a person's mean is shorter than 1): the
    score of every network judged by cosine, built in or added."""
    return rows @ vector / np.maximum(np.linalg.norm(rows, axis=1), 1e-12)


__all__ = ["Candidate", "Recognizer", "EmbeddingRecognizer", "NoFaceFound", "DEFAULT_THRESHOLD"]
