"""Run the original Fawkes program, where the user has it, and collect what it wrote.

Its command line is ``fawkes -d DIR --mode MODE``; it writes ``<stem>_<mode>_cloaked.png`` beside
each input. We run it on a temporary copy of the photos (never on the user's folder), stream its
output to the job's log, and return the cloaked files it made.
"""
from __future__ import annotations

import queue
import shlex
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from ..images import IMAGE_SUFFIXES
from ..jobs import NO_JOB, Job

ORIGINAL_MODES = ("min", "low", "mid", "high", "ultra")
POLL_SECONDS = 0.2
INSTALL_HINT = "The original Fawkes needs Python 3.8 or older (pip install fawkes in such an environment); then give its command or full path."


def command_words(command: str | list[str]) -> list[str]:
    """The command as a list, checked to exist; raises FileNotFoundError with a plain reason."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if not words:
        raise FileNotFoundError(f"No command was given for the original Fawkes program. {INSTALL_HINT}")
    program = words[0]
    if shutil.which(program) is None and not Path(program).is_file():
        raise FileNotFoundError(f"The original Fawkes program '{program}' was not found. {INSTALL_HINT}")
    return words


def run_original(command: str | list[str], photos: list[Path], mode: str, out_dir: Path, job: Job = NO_JOB) -> list[Path]:
    """Cloak copies of ``photos`` with the original program into ``out_dir``; returns the cloaked
    files found there. Raises RuntimeError when the program fails."""
    if mode not in ORIGINAL_MODES:
        raise ValueError(f"The original Fawkes has no mode '{mode}': use {', '.join(ORIGINAL_MODES)}.")
    words = command_words(command)
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="fawkes-original-") as tmp:
        work = Path(tmp)
        for photo in photos:
            shutil.copy2(photo, work / Path(photo).name)
        job.note(f"Running the original Fawkes: {' '.join(words)} -d <copy of {len(photos)} photos> --mode {mode}")
        _run_streaming(words + ["-d", str(work), "--mode", mode], job)
        made = sorted(p for p in work.iterdir() if p.is_file() and "_cloaked" in p.stem and p.suffix.lower() in IMAGE_SUFFIXES)
        if not made:
            raise RuntimeError(f"The original Fawkes program finished but wrote no *_cloaked photo (mode {mode}).")
        out_dir.mkdir(parents=True, exist_ok=True)
        results = []
        for path in made:
            target = out_dir / path.name
            shutil.copy2(path, target)
            results.append(target)
        return results


def _run_streaming(words: list[str], job: Job) -> None:
    """Run the program, passing each line it prints to ``job.note``; a cancel request stops it."""
    try:
        process = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        raise RuntimeError(f"The original Fawkes program '{words[0]}' could not be started: {exc.strerror or exc}.") from None
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line.rstrip())
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    last = ""
    try:
        while True:
            try:
                line = lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                job.check()
                continue
            if line is None:
                break
            if line:
                last = line
                job.note(f"fawkes: {line}")
            job.check()
    except BaseException:
        process.terminate()
        process.wait()
        raise
    code = process.wait()
    reader.join()
    if code != 0:
        raise RuntimeError(f"The original Fawkes program stopped with exit code {code}" + (f": {last}" if last else "."))
