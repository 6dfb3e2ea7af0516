"""Run the original Fawkes program, where the user has it, and collect what it wrote.

Its command line is ``fawkes -d DIR --mode MODE``; it writes ``<stem>_<mode>_cloaked.png`` beside
each input, in one flat folder. We run it on a temporary copy of the photos (never on the user's folder),
each under a name no other copy has (two people may both have ``1.jpg``), stream its output to the job's
log, and put each cloak back under the photo's own sub-folder, so nothing is overwritten and every cloak
pairs with its own photo. The program never outlives us: a cancel stops it and whatever it started, and
on Linux the kernel ends it when we are killed without a chance to.
"""
from __future__ import annotations

import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..images import IMAGE_SUFFIXES
from ..jobs import NO_JOB, Job
from ..pairing import original_stem

ORIGINAL_MODES = ("min", "low", "mid", "high", "ultra")
POLL_SECONDS = 0.2
STOP_SECONDS = 5  # a stopped program that has not ended this long after SIGTERM is killed
PR_SET_PDEATHSIG = 1  # Linux prctl: the signal a process gets when its parent dies
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


def _flat_names(photos: list[Path], root: Path | None) -> dict[str, str]:
    """A unique flat file name for each photo's copy -> the photo's path relative to ``root``."""
    relatives = [Path(p).relative_to(root).as_posix() if root is not None else Path(p).name for p in photos]
    clashes = {name for name in (Path(r).name.lower() for r in relatives) if [Path(x).name.lower() for x in relatives].count(name) > 1}
    names = {}
    for i, relative in enumerate(relatives):
        name = Path(relative).name
        names[f"{i:05d}-{name}" if name.lower() in clashes else name] = relative
    return names


def run_original(command: str | list[str], photos: list[Path], mode: str, out_dir: Path, job: Job = NO_JOB,
                 root: Path | None = None) -> list[Path]:
    """Cloak copies of ``photos`` with the original program into ``out_dir``, each cloak under the photo's
    sub-folder relative to ``root`` (flat without it); returns the cloaked files. Raises RuntimeError
    when the program fails."""
    if mode not in ORIGINAL_MODES:
        raise ValueError(f"The original Fawkes has no mode '{mode}': use {', '.join(ORIGINAL_MODES)}.")
    words = command_words(command)
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="fawkes-original-") as tmp:
        work = Path(tmp)
        names = _flat_names(photos, root)
        for photo, name in zip(photos, names):
            shutil.copy2(photo, work / name)
        job.note(f"Running the original Fawkes: {' '.join(words)} -d <copy of {len(photos)} photos> --mode {mode}")
        _run_streaming(words + ["-d", str(work), "--mode", mode], job)
        made = sorted(p for p in work.iterdir() if p.is_file() and "_cloaked" in p.stem and p.suffix.lower() in IMAGE_SUFFIXES)
        if not made:
            raise RuntimeError(f"The original Fawkes program finished but wrote no *_cloaked photo (mode {mode}).")
        out_dir.mkdir(parents=True, exist_ok=True)
        results = []
        by_stem = {Path(name).stem: relative for name, relative in names.items()}
        for path in made:
            stem = original_stem(path)
            relative = Path(by_stem.get(stem, stem))
            target = out_dir / relative.parent / (relative.stem + path.name[len(stem):])  # keeps "_min_cloaked.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            results.append(target)
        return results


def _start_options() -> dict:
    """Its own process group (stopping it stops what it started; Ctrl+C in a terminal is ours to handle),
    and on Linux SIGKILL when we die. The kernel sends that when the *thread* that started it ends: here
    that thread waits for the program to end, so it ends only with the program or with us."""
    if os.name != "posix":
        return {}
    if not sys.platform.startswith("linux"):
        return {"start_new_session": True}
    import ctypes

    prctl, parent = ctypes.CDLL(None, use_errno=True).prctl, os.getpid()  # looked up here: the child only calls it

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # we died before it was armed
            os._exit(1)

    return {"start_new_session": True, "preexec_fn": die_with_parent}


def _stop(process: subprocess.Popen) -> None:
    """End the program and its process group: asked first, killed ``STOP_SECONDS`` later."""
    for polite in (True, False):
        try:
            if os.name == "posix":
                os.killpg(process.pid, signal.SIGTERM if polite else signal.SIGKILL)
            elif polite:
                process.terminate()
            else:
                process.kill()
        except OSError:
            pass  # already gone
        try:
            process.wait(timeout=STOP_SECONDS if polite else None)
            return
        except subprocess.TimeoutExpired:
            pass


def _run_streaming(words: list[str], job: Job) -> None:
    """Run the program, passing each line it prints to ``job.note``; a cancel request stops it."""
    try:
        process = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                                   **_start_options())
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
        code = process.wait()
    except BaseException:  # cancelled, Ctrl+C, a failure of ours: the program must not go on alone
        _stop(process)
        raise
    reader.join()
    if code != 0:
        raise RuntimeError(f"The original Fawkes program stopped with exit code {code}" + (f": {last}" if last else "."))
