"""A condition's spelling, read once: ``BASE`` then modifiers applied left to right.

Bases: ``none`` (the clean photos), ``import:DIR`` (another tool's cloaks), ``fawkes:VERSION:MODE`` (our
engine), ``external:MODE`` (the original program). Modifiers: whatever ``core.modifiers.MODIFIERS`` holds
(``fawkes:0.3:high+resize:1080+jpeg:75``, ``import:DIR@3``). Every bad spelling fails here, with a one-line
reason, before any work starts; everything downstream (the runner, the folders, the report, the window)
asks the ``ConditionSpec`` instead of splitting the string again, and it says itself in plain words (the
headline, the report, the command line, the self-check and the window's list all use these).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from ..cloaking.external import ORIGINAL_MODES
from ..cloaking.modes import get_mode
from ..modifiers import MODIFIERS, Modifier, modifier_for, usage
from ..sample import bundled_cloak_mode

KINDS = ("none", "import", "fawkes", "external")
CLOAKS_FOLDER = "cloaks"  # in a study folder: our cloaks and the original program's, a folder per condition
ENROLLED_FOLDER = "enrolled"  # in a study folder: each condition's listing, and its photos when modifiers made them
LISTING = "enrolled.json"
DETECTION_FIGURES = "cloak_detection.json"  # beside the listing: the cloak detector's figures (core.detection)
VERSION_WORDS = {"0.3": "0.3.1", "0.3.1": "0.3.1", "1.0": "1.0", "1.0.2": "1.0"}
# one modifier at the very end of the spelling; its value never holds a path separator
TRAILING = re.compile(r"(?:(?P<name>\+[A-Za-z]+)(?::(?P<value>[^+@:/\\]*))?|@(?P<at>[^+@:/\\]*))$")


@dataclass(frozen=True)
class ConditionSpec:
    kind: str  # one of KINDS
    source: str = ""  # import: the folder; fawkes: VERSION:MODE; external: MODE; none: ""
    modifiers: tuple[Modifier, ...] = ()

    @property
    def base(self) -> str:
        """The spelling without its modifiers."""
        return self.kind if self.kind == "none" else f"{self.kind}:{self.source}"

    @property
    def spelling(self) -> str:
        """The full spelling, as the study names the condition (summary.json, results.csv)."""
        return self.base + "".join(m.spelling for m in self.modifiers)

    def __str__(self) -> str:
        return self.spelling

    @property
    def base_spec(self) -> ConditionSpec:
        return ConditionSpec(self.kind, self.source)

    @property
    def folder(self) -> Path:
        """An ``import:`` condition's folder of cloaks."""
        return Path(self.source)

    @property
    def version(self) -> str:
        """Fawkes's version as written (``0.3``, ``1.0.2``); "" for other kinds."""
        return self.source.split(":", 1)[0] if self.kind == "fawkes" else ""

    @property
    def mode(self) -> str:
        """The cloaking mode of ``fawkes:`` and ``external:``; "" for other kinds."""
        return {"fawkes": self.source.partition(":")[2], "external": self.source}.get(self.kind, "")

    @property
    def cloaked(self) -> bool:
        """Whether the training photos it starts from are cloaks (a result under ``none`` is judged "clean")."""
        return self.kind != "none"

    @property
    def seeded(self) -> bool:
        """Whether its result depends on the seed: our cloaking picks targets at random, some modifiers pick photos."""
        return self.kind == "fawkes" or any(m.seeded for m in self.modifiers)

    @property
    def short(self) -> str:
        """For figures, which have little room: an imported folder by its own name (``import:high+jpeg:75``)."""
        return (f"import:{self.folder.name}" if self.kind == "import" else self.base) + "".join(m.spelling for m in self.modifiers)

    @property
    def words(self) -> str:
        """Plain words for the headline, the report, the command line and the self-check: "Fawkes 0.3.1 high (this
        app), uploaded to a social network (1080 px, JPEG 75)"."""
        return _plain(self)

    @property
    def label(self) -> str:
        """The window's conditions list: what the photos are, and under a what-if, its steps in order."""
        return _label(self)

    @property
    def steps_words(self) -> str:
        """The modifiers, a phrase each in order ("shrunk to 1080 px, then re-saved as JPEG 75"); "" without."""
        return ", then ".join(m.phrase() for m in self.modifiers)

    @property
    def folder_name(self) -> str:
        """Its own folder in a study folder (``enrolled/<this>/``, where its listing and any photos its modifiers
        made are written): the short name made safe, and a hash of the full spelling so two never share one."""
        readable = re.sub(r"[^A-Za-z0-9.@%+]+", "-", self.short).strip("-")[:80]
        return f"{readable}-{hashlib.sha256(self.spelling.encode()).hexdigest()[:8]}"

    @property
    def enrolled_dir(self) -> Path:
        """Where, relative to the study folder, its listing (and photos changed by modifiers) are written."""
        return Path(ENROLLED_FOLDER) / self.folder_name

    def cloaks_dir(self, settings_suffix: str = "") -> Path:
        """Where, relative to the study folder, a cloaking condition's cloaks are written: its base spelling made
        safe, then what of the cloak settings changes them (``CloakSettings.folder_suffix``). Unchanged since the
        first studies, so that cloaks made earlier are found again."""
        return Path(CLOAKS_FOLDER) / (re.sub(r"[^A-Za-z0-9.]+", "-", self.base).strip("-") + settings_suffix)


def parse_spec(text: str) -> ConditionSpec:
    """The condition spelt ``text``; raises ValueError with a one-line reason naming it."""
    base, steps = _split_modifiers(text)
    kind, colon, rest = base.partition(":")
    for step_class in dict.fromkeys(type(s) for s in steps):  # rules about the whole chain (one @K, not after none)
        step_class.check(text, kind, steps)
    if base == "none":
        return ConditionSpec("none", "", tuple(steps))
    if not colon or kind not in KINDS[1:]:
        if "+" in base or "@" in base:
            raise ValueError(f"Cannot read the modifiers of the condition '{text}': use {usage()}, after the condition.")
        raise ValueError(f"Unknown condition '{text}': use none, import:FOLDER, fawkes:VERSION:MODE or external:MODE.")
    if kind == "import":
        return ConditionSpec("import", str(Path(rest).expanduser()), tuple(steps))
    _check_cloaking(base)
    return ConditionSpec(kind, rest, tuple(steps))


def read_spec(text: str) -> ConditionSpec | None:
    """The spec, or None for a spelling that cannot be read (shown as it is written)."""
    try:
        return parse_spec(text)
    except ValueError:
        return None


def _split_modifiers(text: str) -> tuple[str, list[Modifier]]:
    """``"import:DIR+jpeg:75@3"`` → ``("import:DIR", [Jpeg(75), Leak(3)])``. An ``import:`` folder whose own
    name holds ``+`` or ``@`` is kept whole when it exists."""
    if text.startswith("import:") and Path(text.split(":", 1)[1]).expanduser().is_dir():
        return text, []
    base, steps = text, []
    while (match := TRAILING.search(base)) and match.start() > 0:
        token = match.group(0)
        step = modifier_for(match["name"] or "@")
        if step is None:
            hint = " (If it is part of a folder's name, that folder does not exist.)" if base.startswith("import:") else ""
            raise ValueError(f"Unknown modifier '{token}' in the condition '{text}': use {usage()}.{hint}")
        value = match["value"] if match["name"] else match["at"]
        if step.takes_value and value is None:
            raise ValueError(f"The modifier '{token}' in the condition '{text}' needs a value, e.g. {step.example}.")
        if not step.takes_value and value is not None:
            raise ValueError(f"The modifier '{token}' in the condition '{text}' takes no value: write {step.example}.")
        steps.append(step.parse(value, text))
        base = base[:match.start()]
    steps.reverse()
    return base, steps


def _check_cloaking(base: str) -> None:
    """``fawkes:VERSION:MODE`` with a known version and mode, ``external:MODE`` with one of the original's."""
    parts = base.split(":")
    if parts[0] == "fawkes" and len(parts) == 3:
        get_mode(parts[1], parts[2])  # a custom mode's own settings are checked with the cloak options
        return
    if parts[0] == "external" and len(parts) == 2:
        if parts[1] not in ORIGINAL_MODES:
            raise ValueError(f"The original Fawkes has no mode '{parts[1]}': use {', '.join(ORIGINAL_MODES)}.")
        return
    raise ValueError(f"Cannot read the condition '{base}': write fawkes:0.3:MODE, fawkes:1.0:MODE or external:MODE.")


# ---- in plain words ------------------------------------------------------------------------------------
def fawkes_words(version: str, mode: str) -> str:
    """"Fawkes 0.3.1 high": a version and mode of Fawkes, as published."""
    return f"Fawkes {VERSION_WORDS.get(version, version)} {mode}"


def _plain(spec: ConditionSpec) -> str:
    """The cloak's words, then the modifiers': the steps an upload goes through said together, the others one by one."""
    uploads = [m for kind in MODIFIERS if kind.upload for m in spec.modifiers if type(m) is kind]
    extra = []
    if len(uploads) > 1:
        extra.append(f"uploaded to a social network ({', '.join(m.words() for m in uploads)})")
    elif uploads:
        extra.append(uploads[0].summary())
    extra += [m.summary() for m in spec.modifiers if not m.upload]
    return ", ".join([_base_words(spec), *extra])


def _base_words(spec: ConditionSpec) -> str:
    if spec.kind == "import":
        mode = bundled_cloak_mode(spec.source)
        return f"Fawkes 0.3.1 {mode} (original program)" if mode else f"Imported cloaks ({PurePath(spec.source).name or spec.source})"
    if spec.kind == "fawkes":
        return f"{fawkes_words(spec.version, spec.mode)} (this app)"
    if spec.kind == "external":
        return f"Fawkes {spec.mode} (original program, run here)"
    return "No cloak"


def _label(spec: ConditionSpec) -> str:
    if spec.modifiers:
        short = {"none": "clean photos", "import": f"imported cloaks ({spec.folder.name})",
                 "fawkes": f"Fawkes {spec.version} {spec.mode}", "external": f"original Fawkes {spec.mode}"}[spec.kind]
        return f"{short} · what if: {spec.steps_words}"
    if spec.kind == "fawkes":
        return f"Fawkes {spec.version} {spec.mode} — cloaked by this app"
    if spec.kind == "import":
        mode = bundled_cloak_mode(spec.source)
        if mode:
            return f"real Fawkes 0.3.1 {mode} — the original program's cloaks, imported"
        return f"imported cloaks — {spec.source}"
    if spec.kind == "external":
        return f"original Fawkes {spec.mode} — run by the original program"
    return "none — clean training photos (for comparison)"

