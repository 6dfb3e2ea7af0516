"""Which cloak belongs to which photo: the one rule used wherever cloaks meet their originals (the study's
``import:`` and ``external:`` conditions, a prepared file a modifier changes, the cloak comparison, the
Cloaking tab, the report of a study written before conditions listed their photos).

A photo is known by its path relative to the dataset, without the suffix (``anna/1``); a cloak by its path
relative to its folder, with the cloaking tool's suffix removed (``anna/1_min_cloaked.png`` → ``anna/1``).
They pair when one of the two ends with the other, part by part: a folder that mirrors the dataset's
sub-folders pairs exactly, a flat folder pairs by file stem, and a stem that several photos share
(``anna/1.jpg`` and ``bob/1.jpg``) is never guessed: the cloak is named in the notes and left unused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CLOAKED_SUFFIX = re.compile(r"_(?:(?:min|low|mid|high|ultra|custom)_)?cloaked$", re.IGNORECASE)


def original_stem(cloaked: Path) -> str:
    """``01-1m_min_cloaked.png`` → ``01-1m``; a name without the suffix is kept as it is."""
    return CLOAKED_SUFFIX.sub("", Path(cloaked).stem)


def _photo_key(relative: str) -> tuple[str, ...]:
    path = PurePosixPath(relative)
    return (*path.parent.parts, path.stem) if str(path.parent) != "." else (path.stem,)


def _cloak_key(cloak: Path, folder: Path | None) -> tuple[str, ...]:
    cloak = Path(cloak)
    try:
        parents = cloak.parent.relative_to(folder).parts if folder is not None else ()
    except ValueError:
        parents = ()
    return (*parents, original_stem(cloak))


def cloak_name(cloak: Path, folder: Path | None) -> str:
    """How a cloak is named in a note: its path within its folder."""
    cloak = Path(cloak)
    return cloak.relative_to(folder).as_posix() if folder is not None and cloak.is_relative_to(folder) else cloak.name


def _ends_with(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return len(longer) >= len(shorter) and longer[len(longer) - len(shorter):] == shorter


@dataclass
class Pairing:
    cloak_of: dict[str, Path] = field(default_factory=dict)  # photo (relative to the dataset) -> its cloak
    notes: list[str] = field(default_factory=list)  # one line per cloak that could not be used, naming it
    unused: list[Path] = field(default_factory=list)  # cloaks that pair with no wanted photo (not in the notes)


def pair_cloaks(cloaks: list[Path], folder: Path | None, photos: list[str], wanted: set[str] | None = None) -> Pairing:
    """Pair ``cloaks`` (files under ``folder``; flat when ``folder`` is None) with ``photos`` (every photo of
    the dataset, relative to its folder, so that a shared stem is seen). Only photos in ``wanted`` (all
    when None) are paired; a cloak of another photo is left unused without a note."""
    by_stem: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for photo in photos:
        key = _photo_key(photo)
        by_stem.setdefault(key[-1], []).append((photo, key))
    claims: dict[str, list[tuple[int, Path]]] = {}
    result = Pairing()

    for cloak in cloaks:
        key = _cloak_key(cloak, folder)
        matches = [(min(len(key), len(k)), photo) for photo, k in by_stem.get(key[-1], []) if _ends_with(key, k) or _ends_with(k, key)]
        if not matches:
            result.unused.append(cloak)
            continue
        best = max(length for length, _ in matches)
        candidates = sorted(photo for length, photo in matches if length == best)
        if len(candidates) > 1:
            result.notes.append(f"{cloak_name(cloak, folder)}: could be the cloak of {_either(candidates)}, so it is not used "
                                "(put the cloaks in one sub-folder per person, as in the dataset)")
            continue
        photo = candidates[0]
        if wanted is not None and photo not in wanted:
            result.unused.append(cloak)
            continue
        claims.setdefault(photo, []).append((best, cloak))

    for photo, claimed in sorted(claims.items()):
        best = max(length for length, _ in claimed)
        top = [cloak for length, cloak in claimed if length == best]
        result.unused.extend(cloak for length, cloak in claimed if length != best)
        if len(top) == 1:
            result.cloak_of[photo] = top[0]
        else:
            result.notes.append(f"{photo}: {len(top)} files could be its cloak ({_either([cloak_name(c, folder) for c in top], 'and')}), "
                                "so none is used")
    return result


def _either(names: list[str], word: str = "or") -> str:
    names = list(names)
    if len(names) > 4:
        names = names[:3] + [f"{len(names) - 3} others"]
    return ", ".join(names[:-1]) + f" {word} " + names[-1] if len(names) > 1 else names[0]

