"""How a run of our Fawkes engine is set up, and the names it gives what it writes."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .modes import Mode, get_mode, normalise_version

AS_WRITTEN = "as the original wrote it"
STRICT = "strict budget"
POOL_STUDY = "study"
STUDY_POOL_LABEL = "targets among the enrolled people"


@dataclass
class CloakSettings:
    version: str = "0.3"  # "0.3" (0.3.1, targeted) or "1.0" (1.0.2, untargeted)
    mode: str = "min"
    extractors: tuple[str, ...] = ("dlib",)
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
    # 0.3.1 targets: None or "study" (the ``pool`` the caller gives: the study's people), "strangers:N"
    # (the caller gives the N held-out people as ``pool``) or a dataset folder
    target_pool: Path | str | None = None
    target_per_face: bool = True  # 0.3.1: a target identity per face (else one per person and run)
    custom: dict | None = None  # mode "custom": {"th", "steps", "lr", "c"}
    batch_size: int = 8  # faces optimised together
    cache_dir: Path | None = None  # None: the app's data folder, so the Cloaking tab's cloaks serve the study too
    strict_budget: bool = False  # True: the written photo stays within the DSSIM budget (not what the original wrote)

    def mode_spec(self) -> Mode:
        return get_mode(self.version, self.mode, self.custom)

    @property
    def variant(self) -> str:
        return STRICT if self.strict_budget else AS_WRITTEN

    @property
    def pool_folder(self) -> Path | None:
        kind, value = parse_target_pool(self.target_pool)
        return value if kind == "folder" else None

    @property
    def pool_label(self) -> str:
        return describe_target_pool(self.target_pool)

    @property
    def folder_suffix(self) -> str:
        """What of these settings changes the cloaks, for the name of the folder they are written to
        (``ConditionSpec.cloaks_dir``): the networks, the seed, a strict budget, the target pool, custom steps."""
        name = f"-{'+'.join(_portable(e) for e in self.extractors)}-seed{self.seed}"
        if self.strict_budget:
            name += "-strict"
        kind, detail = parse_target_pool(self.target_pool)
        if kind == "strangers":
            name += f"-strangers{detail}"
        elif kind == "folder":
            name += "-pool-" + hashlib.sha256(str(detail).encode()).hexdigest()[:8]
        if self.custom:
            name += "-" + hashlib.sha256(json.dumps(self.custom, sort_keys=True).encode()).hexdigest()[:8]
        return name


def _portable(extractor: str) -> str:
    """A network's name as a folder name part that every system accepts: an added network's name may hold a
    colon (``onnx:arcface``), which Windows refuses in a path. The built-in names pass as they always did; a
    changed one gets a hash of the original, so ``onnx:a`` and ``onnx-a`` keep folders of their own."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", extractor)
    return extractor if safe == extractor else f"{safe}-{hashlib.sha256(extractor.encode()).hexdigest()[:6]}"


def extractor_list(value) -> list[str]:
    """The networks a cloak is made against, as a study's settings hold them: a comma-separated string or a list."""
    if value is None:
        return []
    return [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]


def parse_target_pool(value) -> tuple[str, Path | int | None]:
    """("study", None), ("strangers", N) or ("folder", Path); raises ValueError with a plain reason."""
    if value is None or str(value).strip() in ("", POOL_STUDY):
        return POOL_STUDY, None
    if isinstance(value, str) and value.startswith("strangers:"):
        try:
            count = int(value.split(":", 1)[1])
        except ValueError:
            count = 0
        if count < 1:
            raise ValueError(f"Cannot read the target pool '{value}': write strangers:N with N ≥ 1 people held out of the study.")
        return "strangers", count
    return "folder", Path(value).expanduser()


def strangers_count(value) -> int:
    """How many people ``--target-pool`` holds out of the study (0 unless it is strangers:N)."""
    kind, detail = parse_target_pool(value)
    return detail if kind == "strangers" else 0


def describe_target_pool(value) -> str:
    kind, detail = parse_target_pool(value)
    if kind == POOL_STUDY:
        return STUDY_POOL_LABEL
    if kind == "strangers":
        return f"targets among {detail} stranger{'s' if detail != 1 else ''} held out of the study"
    return f"targets from {detail}"


def output_name(photo: Path, settings: CloakSettings) -> str:
    if normalise_version(settings.version) == "0.3":
        return f"{photo.stem}_{settings.mode}_cloaked.png"
    return f"{photo.stem}_cloaked.png"
