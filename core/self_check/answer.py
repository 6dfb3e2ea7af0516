"""The answer of "Check my own photos" in plain sentences, one card per recognizer, and what such a small
test can and cannot tell you."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..calibration import own_threshold
from ..conditions import fawkes_words, parse_spec
from ..modifiers import MODIFIERS
from ..recognizers.spec import network_of, screens_for_cloaks
from ..results import ERROR, IDENTIFIED, NO_FACE, ResultRow

PROTECTED, NOT_PROTECTED, PARTLY, NO_ANSWER = "protected", "not protected", "partly protected", "no answer"
CLEAN = "none"

if TYPE_CHECKING:  # only named in annotations
    from ..detection import Screening
    from .run import SelfCheck, SelfCheckConfig


@dataclass
class Answer:
    """One recognizer's answer, in sentences."""

    recognizer: str
    judged: str  # how the cloak was judged: "white-box" (made against this network) or "black-box"
    verdict: str  # PROTECTED, NOT_PROTECTED, PARTLY or NO_ANSWER
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def cloak_words(config: SelfCheckConfig) -> str:
    """"Fawkes 0.3.1 high": what the user chose, without the app's labels."""
    return fawkes_words(config.version, config.mode)


def upload_words(upload: str | None) -> str:
    """"uploading to a social network (1080 px, JPEG 75)"."""
    return "uploading to a social network (" + ", ".join(step.words() for step in upload_steps(upload or "")) + ")"


def upload_steps(upload: str) -> list:
    """The modifiers of an upload (those a social network applies: ``+resize:S``, ``+jpeg:Q``); anything else is
    refused with a reason."""
    spec = parse_spec("none" + upload) if upload[:1] in ("+", "@") else None
    if spec is None or not spec.modifiers or not all(step.upload for step in spec.modifiers):
        uploads = [m for m in MODIFIERS if m.upload]
        raise ValueError(f"'{upload}' is not an upload: write {' and/or '.join(u for m in uploads for u in m.usage)}, "
                         f"e.g. {''.join(m.example for m in uploads)}.")
    return list(spec.modifiers)


def judged_for(recognizer: str, config: SelfCheckConfig) -> str:
    """White-box when the cloak was made against the network the recognizer judges with (any variant of it)."""
    return "white-box" if network_of(recognizer) in config.extractors else "black-box"


def answer_for(recognizer: str, name: str, rows: list[ResultRow], config: SelfCheckConfig,
               screenings: dict[str, Screening] | None = None) -> Answer:
    """``screenings``: for a tracker that screens photos for cloaks, what it set aside of yours per condition."""
    threshold = own_threshold(recognizer, config.recognizer_options)  # the line the check judged with (core.self_check.run)
    by_condition = {c: [r for r in rows if r.condition == c] for c in config.conditions()}
    clean = by_condition[CLEAN]
    judged = judged_for(recognizer, config)
    if not clean:
        return Answer(recognizer, judged, NO_ANSWER, [f"{recognizer} gave no answer (see the notes)."])
    sentences = [_clean_sentence(recognizer, name, clean, threshold)]
    found_clean = _found(clean)
    cloaked = by_condition[config.cloak]
    for condition, group in by_condition.items():
        if condition == CLEAN or not group:
            continue
        label = cloak_words(config) + (f", after {upload_words(config.upload)}" if condition != config.cloak else "")
        screening = (screenings or {}).get(condition)
        if screening is not None and screens_for_cloaks(recognizer):
            said = screening.sentence(yours=True)
            sentences.append(f"With {label}: {said[0].lower()}{said[1:]}")
            if not screening.reason and not screening.kept.get(name):
                sentences.append("It had none of your photos left to learn you from: if it missed you, it was because it "
                                 "spotted the cloaks, not because they fooled it — and it knows someone hid.")
        sentences.append(_cloaked_sentence(recognizer, name, label, group, threshold))
    if not found_clean:
        verdict = NO_ANSWER
    elif not cloaked:
        verdict = NO_ANSWER
    elif not _found(cloaked):
        verdict = PROTECTED
    elif len(_found(cloaked)) == len(cloaked):
        verdict = NOT_PROTECTED
    else:
        verdict = PARTLY
    if found_clean and cloaked:
        network = network_of(recognizer)
        made_against = f"{recognizer} itself" if network == recognizer else f"{network}, the network {recognizer} uses"
        sentences.append(f"The cloak was made against {made_against}, so this result flatters it; "
                         "recognizers built on other networks are the honest test." if judged == "white-box" else
                         f"The cloak was not made against {recognizer}: this is the honest kind of test.")
    return Answer(recognizer, judged, verdict, sentences)


def _found(rows: list[ResultRow]) -> list[ResultRow]:
    return [r for r in rows if r.outcome == IDENTIFIED]


def _in_photos(k: int, n: int) -> str:
    if n == 1:
        return ""
    return " in both test photos" if k == n == 2 else f" in {k} of {n} test photos"


def _confidences(rows: list[ResultRow]) -> str:
    values = [f"{r.confidence:.2f}" for r in rows if r.confidence is not None]
    return "confidence " + " and ".join(values) if values else "no confidence given"


def _misses(rows: list[ResultRow], name: str, threshold: float) -> str:
    """Why the photos that were not matched to you were not: no face, a wrong best guess, too unsure."""
    parts = []
    for r in rows:
        if r.outcome == NO_FACE:
            parts.append(f"it found no face in {r.file}")
        elif r.outcome == ERROR:
            parts.append(f"{r.file}: {r.reason}")
        elif r.predicted == name:
            parts.append(f"its best guess was you, but only with confidence {r.confidence:.2f}, under the {threshold:.2f} a match needs")
        elif r.predicted:
            parts.append(f"best guess: {r.predicted}")
        else:
            parts.append("no candidate at all")
    return "; ".join(parts)


def _clean_sentence(recognizer: str, name: str, rows: list[ResultRow], threshold: float) -> str:
    found = _found(rows)
    if found:
        return f"Without cloaking, {recognizer} recognised you{_in_photos(len(found), len(rows))} ({_confidences(found)})."
    return (f"Even without cloaking, {recognizer} did not pick you out ({_misses(rows, name, threshold)}), "
            "so it cannot show what a cloak adds.")


def _cloaked_sentence(recognizer: str, name: str, label: str, rows: list[ResultRow], threshold: float) -> str:
    found = _found(rows)
    if not found:
        return f"With {label}, {recognizer} no longer picked you out ({_misses(rows, name, threshold)})."
    return f"With {label}, {recognizer} still recognised you{_in_photos(len(found), len(rows))} ({_confidences(found)})."


def what_it_means(check: SelfCheck) -> list[str]:
    extractors = ", ".join(check.config.extractors)
    return [
        f"This is one small test: {len(check.config.recognizers)} face recognizer(s), a crowd of {check.crowd_people} "
        f"people, and {len(check.train)} of your photos given to the tracker. A real tracker may hold more photos of "
        "you, compare you with millions of people, and use networks that were not tried here.",
        f"Your cloaks were made against {extractors}. A result from a network the cloak was made against flatters "
        "it; networks the cloak never saw are the honest test.",
        "\"No longer picked you out\" here does not promise protection elsewhere; \"still recognised you\" means the "
        "cloak did not work even in this small test.",
        *check.spotting,  # how easily a tracker could spot these cloaks (core.detection)
    ]
