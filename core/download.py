"""Fetch the full IMM face database from its publisher (DTU): resumable, checked, unpacked.

The download goes to ``<folder>/<name>.part`` and is resumed with an HTTP Range request when it was
interrupted or cancelled. DTU publishes no checksum, so the SHA-256 of the first complete download is
recorded beside the data (``<name>.sha256``) and every later download is checked against it; a
caller that knows the right sum passes it as ``sha256``.
"""
from __future__ import annotations

import shutil
import socket
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from .atomic import write_text_atomic
from .images import IMAGE_SUFFIXES
from .jobs import NO_JOB, Job
from .models.zoo import sha256_of

IMM_URL = "http://www2.imm.dtu.dk/~aam/datasets/imm_face_db.zip"
IMM_FOLDER = "imm_face_db"
CHUNK = 256 * 1024
TIMEOUT_S = 30


class DownloadError(Exception):
    """A download that failed; ``str()`` is a one-line reason with what to do."""


def download_imm(folder: Path | str, job: Job = NO_JOB, url: str = IMM_URL, sha256: str | None = None) -> Path:
    """Download and unpack the IMM database into ``folder``; returns the folder holding its photos."""
    folder = Path(folder)
    archive = download_file(url, folder / "imm_face_db.zip", job, sha256)
    target = folder / IMM_FOLDER
    unpack_zip(archive, target, job)
    return photo_folder(target)


def download_file(url: str, target: Path | str, job: Job = NO_JOB, sha256: str | None = None) -> Path:
    """Fetch ``url`` into ``target`` (resuming ``target.part``), check its SHA-256 and return ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recorded = target.with_name(target.name + ".sha256")
    expected = sha256 or (recorded.read_text(encoding="utf-8").split()[0] if recorded.exists() else None)
    if target.exists() and expected and sha256_of(target) == expected:
        return target
    part = target.with_name(target.name + ".part")
    _fetch(url, part, job)
    actual = sha256_of(part)
    if expected and actual != expected:
        part.unlink(missing_ok=True)
        raise DownloadError(f"The download of {target.name} is damaged (its checksum does not match); "
                            "it was deleted, please try again.")
    part.replace(target)
    if not expected:
        # No published checksum: remember this one so later downloads can be compared with it.
        write_text_atomic(recorded, f"{actual}  {target.name}\n")
        job.note(f"{target.name}: no checksum is published; recorded SHA-256 {actual} in {recorded.name}")
    return target


def _fetch(url: str, part: Path, job: Job) -> None:
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the part file is already complete
            return
        raise DownloadError(f"The server refused the download of {url} (HTTP {exc.code} {exc.reason}).") from None
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"Cannot reach {url} ({reason}); check the internet connection and try again.") from None
    with response:
        resumed = response.status == 206
        if not resumed:
            have = 0  # the server ignored the Range request: start over
        length = response.headers.get("Content-Length")
        total = have + int(length) if length else 0
        done = have
        with part.open("ab" if resumed else "wb") as fh:
            while True:
                job.step("Downloading the IMM database", done, total, f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")
                try:
                    chunk = response.read(CHUNK)
                except (socket.timeout, OSError) as exc:
                    raise DownloadError(f"The download from {url} broke off ({exc}); "
                                        "start it again and it will continue where it stopped.") from None
                if not chunk:
                    break
                fh.write(chunk)
                done += len(chunk)
    if total and done < total:
        raise DownloadError(f"The download from {url} stopped after {done} of {total} bytes; "
                            "start it again and it will continue where it stopped.")


def unpack_zip(archive: Path, target: Path, job: Job = NO_JOB) -> None:
    """Unpack into ``target`` through a temporary folder, refusing names that would leave it."""
    staging = target.with_name(target.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for i, member in enumerate(members):
                job.step("Unpacking the IMM database", i, len(members), member.filename)
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise DownloadError(f"{archive.name} contains an unsafe file name ({member.filename}); nothing was unpacked.")
                out = staging.joinpath(*name.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            job.step("Unpacking the IMM database", len(members), len(members))
    except zipfile.BadZipFile:
        shutil.rmtree(staging, ignore_errors=True)
        archive.unlink(missing_ok=True)
        raise DownloadError(f"{archive.name} is not a valid zip file; it was deleted, please download it again.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)


def photo_folder(root: Path) -> Path:
    """The folder under ``root`` with the most photos (zips often wrap their files in one folder)."""
    best, best_count = root, -1
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        count = sum(1 for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if count > best_count:
            best, best_count = folder, count
    if best_count <= 0:
        raise DownloadError(f"The downloaded archive holds no photos (looked in {root}).")
    return best

