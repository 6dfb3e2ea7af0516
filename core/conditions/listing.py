"""The record of what a condition enrolled: ``enrolled/<condition>/enrolled.json`` in the study folder, with
the folder its photos are in and, per photo, the person, the training photo it stands for, the file, and what
modifiers did to it. The study writes it for every condition; the report and the window read it back instead
of looking for files by name. Studies written before it existed have it only for conditions with modifiers
(their ``folder`` was the listing's own), so a reader gets None for the others and falls back."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_text_atomic
from .spec import LISTING, ConditionSpec


@dataclass
class Listing:
    condition: str
    folder: Path  # where the files are
    photos: list[dict]  # person, original, file (relative to folder), and for modified conditions what was done

    def files(self) -> dict[str, Path]:
        """Training photo (relative to the dataset) -> the file enrolled for it."""
        return {e["original"]: self.folder / e["file"] for e in self.photos}


def _within(path: Path, folder: Path | None) -> str:
    """``path`` relative to ``folder`` when it is inside, else whole (absolute, so it reads back from anywhere)."""
    path = Path(path).absolute()
    return path.relative_to(folder).as_posix() if folder is not None and path.is_relative_to(folder) else str(path)


def write_listing(study_dir: Path, spec: ConditionSpec, folder: Path | None, photos: list[dict], **facts) -> Path:
    """Write the listing of ``spec``: ``photos`` (person, original, file as a path, what was done) in ``folder``;
    ``facts``: what else to say about the condition as a whole."""
    folder = Path(folder).absolute() if folder is not None else None
    listed = [{**photo, "file": _within(photo["file"], folder)} for photo in photos]
    shown = _within(folder, Path(study_dir).absolute()) if folder is not None else ""
    path = Path(study_dir) / spec.enrolled_dir / LISTING
    write_text_atomic(path, json.dumps({"condition": spec.spelling, **facts, "folder": shown, "photos": listed},
                                       indent=2) + "\n")
    return path


def read_listing(study_dir: Path, spec: ConditionSpec) -> Listing | None:
    """What the study in ``study_dir`` enrolled under ``spec``; None when it wrote no listing for it."""
    path = Path(study_dir) / spec.enrolled_dir / LISTING
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    folder = Path(study_dir) / data["folder"] if data.get("folder") else path.parent
    return Listing(data.get("condition", spec.spelling), folder, data.get("photos", []))
