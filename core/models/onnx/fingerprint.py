"""A network file's SHA-256, computed once per file version: a large network (166 MB) takes a second to hash, and
the file is named in every manifest and checked whenever a study or the app opens."""
from __future__ import annotations

from pathlib import Path

from ..zoo import sha256_of

_hashes: dict[tuple[str, int, int], str] = {}  # (file, size, mtime) → sha256


def file_sha256(path: Path | str) -> str:
    stat = Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        _hashes[key] = sha256_of(Path(path))
    return _hashes[key]
