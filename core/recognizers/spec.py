"""A tracker's spelling, read once: ``NAME[/matcher][/screened][+step:V…]`` — the catalogue's tracker, how it
matches a face to the enrolled people (``core.recognizers.matchers``), whether it screens the photos it is given
for cloaks and drops those its detector flags (``core.detection.screen``), and the cleaning it does to every photo
first (``core.recognizers.cleaning``): ``dlib/nearest``, ``mobileface/linear``, ``dlib+median:3``,
``faceres/linear+jpeg:50``. Every bad spelling fails here with a one-line reason, before any work starts. The full
spelling is the tracker's name in every output (results.csv, scores.csv, summary.json, the figures, the report,
the manifest); ``words`` says it plainly for the window and the report. Whether the base name is a tracker, and
whether it runs on this computer, is the catalogue's to say (``core.catalogue.tracker``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .cleaning import CLEANING, CleaningStep, cleaning_for
from .matchers import MATCHERS, Matcher, matcher_for
from .matchers.mean import Mean

# one cleaning step at the very end of the spelling; its value never holds a separator
TRAILING_STEP = re.compile(r"\+(?P<name>[A-Za-z]+)(?::(?P<value>[^+/:\\]*))?$")
TRAILING_MATCHER = re.compile(r"/(?P<name>[A-Za-z]+)$")
SCREENED = "screened"  # ``/screened``: photos a cloak detector flags are dropped before enrolling


@dataclass(frozen=True)
class TrackerSpec:
    base: str  # the catalogue's name: dlib
    matcher: type[Matcher] | None = None  # None: the tracker's own (the nearest mean), not spelled
    cleaning: tuple[CleaningStep, ...] = ()
    screened: bool = False  # drops the training photos a cloak detector flags (core.detection.screen)

    @property
    def spelling(self) -> str:
        """As written in every output: the base, the matcher when spelled, the cleaning steps in order."""
        return (self.base + (f"/{self.matcher.name}" if self.matcher else "") + (f"/{SCREENED}" if self.screened else "")
                + "".join(s.spelling for s in self.cleaning))

    def __str__(self) -> str:
        return self.spelling

    @property
    def variant(self) -> bool:
        """Whether it asks for anything beyond the catalogue's tracker as it is."""
        return self.matcher is not None or bool(self.cleaning) or self.screened

    @property
    def matcher_class(self) -> type[Matcher]:
        return self.matcher or Mean

    @property
    def words(self) -> str:
        """"dlib, matching the nearest photo, cleaning every photo with a median filter (3×3 px) first"."""
        parts = [self.base]
        if self.matcher is not None:
            parts.append(self.matcher.words)
        if self.screened:
            parts.append("screening photos for cloaks")
        if self.cleaning:
            parts.append(f"cleaning every photo with {' then '.join(s.noun() for s in self.cleaning)} first")
        return ", ".join(parts)

    def record(self) -> dict:
        """What the manifest says about the variant."""
        return {"variant_of": self.base, **self.matcher_class.record(), "cleaning": [s.record() for s in self.cleaning],
                **({"screened": True} if self.screened else {})}


def parse_tracker(text: str) -> TrackerSpec:
    """The tracker spelt ``text``; raises ValueError with a one-line reason naming it. The base name is not
    checked here (the catalogue does that)."""
    base, steps = text.strip(), []
    while (match := TRAILING_STEP.search(base)) and match.start() > 0:
        step = cleaning_for("+" + match["name"])
        if step is None:
            raise ValueError(f"Unknown cleaning step '{match.group(0)}' in the tracker '{text}': use {cleaning_usage()}.")
        if match["value"] is None:
            raise ValueError(f"The cleaning step '{match.group(0)}' in the tracker '{text}' needs a value, e.g. {step.example}.")
        steps.append(step.parse(match["value"], text))
        base = base[:match.start()]
    steps.reverse()
    screened = False
    if (match := TRAILING_MATCHER.search(base)) and match.start() > 0 and match["name"] == SCREENED:
        screened, base = True, base[:match.start()]
    matcher = None
    if (match := TRAILING_MATCHER.search(base)) and match.start() > 0:
        matcher = matcher_for(match["name"])
        if matcher is None:
            raise ValueError(f"Unknown matcher '/{match['name']}' in the tracker '{text}': use {matcher_usage()} "
                             f"(then /{SCREENED} to screen photos for cloaks).")
        base = base[:match.start()]
    if "+" in base or (matcher is None and steps and "/" in base):
        raise ValueError(f"Cannot read the tracker '{text}': write NAME/MATCHER then the cleaning steps, "
                         f"e.g. dlib/nearest+median:3.")
    if not base:
        raise ValueError(f"The tracker '{text}' has no name: write e.g. dlib/nearest or dlib+median:3.")
    return TrackerSpec(base, matcher, tuple(steps), screened)


def read_tracker(text: str) -> TrackerSpec | None:
    """The spec, or None for a spelling that cannot be read (shown as it is written)."""
    try:
        return parse_tracker(text)
    except ValueError:
        return None


def network_of(name: str) -> str:
    """The network a tracker judges with (``dlib/nearest+median:3`` → ``dlib``): a cloak made against that
    network is judged white-box by every variant of it, however it matches or cleans photos."""
    spec = read_tracker(name)
    return spec.base if spec is not None else name


def screens_for_cloaks(name: str) -> bool:
    """Whether the tracker spelt ``name`` sets aside the photos a cloak detector flags (``/screened``)."""
    spec = read_tracker(name)
    return spec is not None and spec.screened


def tracker_words(name: str) -> str:
    """A tracker's name in plain words for the window and the report ("dlib, trained classifier"); a plain
    tracker, or a name that cannot be read, as it is."""
    spec = read_tracker(name)
    return spec.words if spec is not None and spec.variant else name


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def matcher_usage() -> str:
    """"/mean, /nearest or /linear"."""
    return _listed([f"/{m.name}" for m in MATCHERS])


def cleaning_usage() -> str:
    """"+blur:R, +median:K, … or +resize:S"."""
    return _listed([c.usage for c in CLEANING])


def help_text() -> str:
    """The command line's help: how a tracker is spelt, with every matcher and step."""
    return (f"add how it matches and what it cleans, as NAME/MATCHER+STEP:V (e.g. dlib/nearest, dlib+median:3; "
            f"/{SCREENED} after the matcher: photos a cloak detector flags are set aside before enrolling) — "
            f"matchers {_listed([m.help_text for m in MATCHERS])}; cleaning of every photo {_listed([c.help_text for c in CLEANING])}")


def variant_spellings(base: str) -> list[str]:
    """The variants the window offers beside an offline tracker: each matcher other than the default, and each
    cleaning step at its first preset."""
    matchers = [f"{base}/{m.name}" for m in MATCHERS if not m.default] + [f"{base}/{SCREENED}"]
    return matchers + [f"{base}{c.prefix}:{c.presets[0]}" for c in CLEANING if c.presets]


def tracker_label(name: str) -> str:
    """The name and, for a variant, its words: "dlib/nearest (dlib, matching the nearest photo)"."""
    words = tracker_words(name)
    return name if words == name else f"{name} ({words})"
