"""No process outlives the app: dlib's ahead-of-time workers, the resource tracker and the original Fawkes
program end with the command or the window, however it ends (SIGKILL, SIGTERM, a cancel).

Each test starts the real program in a process of its own, records that process's descendants by walking
/proc for parent ids (never by name: other tests may run the same programs), stops it, and checks that every
recorded descendant is gone. Their output goes to files, never to pipes: an orphan holding a pipe would keep
the test waiting forever.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core import cli
from core.jobs import Cancelled, Job

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "imm"
GONE_WITHIN_S = 10

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="walks /proc to find child processes")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent id, state, start time) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name, in parentheses, may hold spaces
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """Every living descendant of ``root``: pid -> start time (so that a reused pid is not mistaken for it)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            table[int(entry.name)] = stat
    found, parents = {}, {root}
    while parents:
        children = {pid for pid, (ppid, state, _) in table.items() if ppid in parents and state not in "ZX" and pid not in found}
        found.update((pid, table[pid][2]) for pid in children)
        parents = children
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace").replace("\0", " ")
    except OSError:
        return ""


def alive(processes: dict[int, int]) -> list[int]:
    """Those still running (a zombie is dead: the container's PID 1 may never reap its adopted children)."""
    return [pid for pid, started in processes.items()
            if (stat := _stat(pid)) is not None and stat[2] == started and stat[1] not in "ZX"]


def assert_all_gone(processes: dict[int, int], within: float = GONE_WITHIN_S) -> None:
    deadline = time.monotonic() + within
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(processes)
    for pid in left:  # never leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(processes)} child processes still ran {within} s after their parent ended"


def wait_for(process: subprocess.Popen, ready, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            children = descendants(process.pid)
            process.kill()
            assert_all_gone(children, within=0)
            pytest.fail(f"the program ended before {what}" if process.poll() is not None else f"no {what} after {seconds} s")
        time.sleep(0.05)


def ahead_workers() -> int:
    from core.recognizers.dlib import AHEAD_WORKERS

    if AHEAD_WORKERS < 2:
        pytest.skip("one core: dlib starts no worker processes")
    return AHEAD_WORKERS


# ---------------------------------------------------------------- the study command


def _start_study(tmp_path: Path) -> tuple[subprocess.Popen, Path, Path]:
    out, log = tmp_path / "study", tmp_path / "stderr.txt"
    env = dict(os.environ, FAWKES_TRACKER_DATA=str(tmp_path / "data"))
    with open(log, "w") as stderr:
        process = subprocess.Popen([sys.executable, "main.py", "study", "--dataset", str(FIXTURE), "--out", str(out),
                                    "--recognizer", "dlib", "--condition", "none"],
                                   cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    return process, out, log


def _mid_enrolment(tmp_path: Path) -> tuple[subprocess.Popen, Path, Path, dict[int, int]]:
    """The study command, once its workers (and the resource tracker) run and have described a photo."""
    workers = ahead_workers()
    process, out, log = _start_study(tmp_path)
    wait_for(process, lambda: re.search(r"Enrolling training photos .*: [1-9]", log.read_text())
             and len(descendants(process.pid)) >= workers + 1, "enrolment with its worker processes")
    return process, out, log, descendants(process.pid)


def test_the_workers_of_a_study_killed_with_sigkill_end_by_themselves(tmp_path):
    process, out, _, children = _mid_enrolment(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert_all_gone(children)
    assert not (out / "summary.json").exists(), "the study ended before it could be killed"


def test_sigterm_stops_a_study_as_cancel_does_leaving_no_process_behind(tmp_path):
    process, out, log, children = _mid_enrolment(tmp_path)
    os.kill(process.pid, signal.SIGTERM)
    code = process.wait(timeout=60)
    assert_all_gone(children)
    assert code == 128 + signal.SIGTERM
    lines = log.read_text().strip().splitlines()
    assert lines[-1] == cli.STOPPED and "Traceback" not in log.read_text()
    assert (out / "study.json").exists() and (out / "split.json").exists()  # resumable: the same command goes on
    assert not (out / "summary.json").exists()


# ---------------------------------------------------------------- the original Fawkes program

SLOW_FAWKES = """import subprocess, sys, time
print("Identify 1 images", flush=True)
if "--with-child" in sys.argv:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
time.sleep(120)
"""


def _slow_fawkes(tmp_path: Path, *extra: str) -> str:
    script = tmp_path / "slow_fawkes.py"
    script.write_text(SLOW_FAWKES)
    return " ".join([sys.executable, str(script), *extra])


def test_cancelling_the_original_fawkes_ends_it_and_what_it_started(tmp_path):
    from core.cloaking.external import run_original

    job, me = Job(), os.getpid()
    children: dict[int, int] = {}

    def cancel_once_running() -> None:
        deadline = time.monotonic() + 60
        while len(children) < 2 and time.monotonic() < deadline:  # the program and its own child
            children.update((pid, t) for pid, t in descendants(me).items() if "slow_fawkes" in cmdline(pid)
                            or "sleep(120)" in cmdline(pid))
            time.sleep(0.05)
        job.cancel()

    canceller = threading.Thread(target=cancel_once_running)
    canceller.start()
    with pytest.raises(Cancelled):
        run_original(_slow_fawkes(tmp_path, "--with-child"), [FIXTURE / "01-1m.jpg"], "min", tmp_path / "out", job)
    canceller.join()
    assert len(children) == 2
    assert_all_gone(children, within=1)  # the cancel waited for them


def test_the_original_fawkes_ends_when_the_program_running_it_is_killed(tmp_path):
    runner = (f"from core.cloaking.external import run_original; from core.console import ProgressPrinter; "
              f"from core.jobs import Job; run_original({_slow_fawkes(tmp_path)!r}, [{str(FIXTURE / '01-1m.jpg')!r}], "
              f"'min', {str(tmp_path / 'out')!r}, Job(ProgressPrinter()))")
    log = tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        process = subprocess.Popen([sys.executable, "-c", runner], cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
    # once it has spoken it is silent, as the original is for minutes: no write to a broken pipe ends it
    wait_for(process, lambda: "fawkes: Identify" in log.read_text(), "the original Fawkes program running")
    children = descendants(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert_all_gone(children)


# ---------------------------------------------------------------- the window

WINDOW = """import runpy, sys
from pathlib import Path
from core.recognizers.dlib import DlibRecognizer
DlibRecognizer().expect(sorted(Path(sys.argv[1]).glob("*.jpg"))[:2])  # as a study in the window would
sys.argv = ["main.py"]
runpy.run_path("main.py", run_name="__main__")
"""


def test_sigterm_closes_the_window_as_its_close_button_does_leaving_no_process_behind(tmp_path):
    """``python main.py`` with dlib's workers running, stopped while the window is still starting."""
    workers = ahead_workers()
    data, config = tmp_path / "data", tmp_path / "config"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FAWKES_TRACKER_DATA=str(data), XDG_CONFIG_HOME=str(config))
    with open(tmp_path / "output.txt", "w") as output:
        process = subprocess.Popen([sys.executable, "-c", WINDOW, str(FIXTURE)], cwd=REPO, env=env, stdout=output, stderr=output)
    # the log appears as the window is built, after run() took over the signals
    wait_for(process, lambda: (data / "fawkes-tracker.log").exists() and len(descendants(process.pid)) >= workers + 1,
             "the window with dlib's worker processes")
    children = descendants(process.pid)
    os.kill(process.pid, signal.SIGTERM)
    try:  # closing waits for the window's running tasks, up to 10 s (Task.stop_all)
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    assert_all_gone(children)
    assert code == 0, (tmp_path / "output.txt").read_text()[-2000:]
    saved = "".join(path.read_text() for path in config.rglob("*.conf"))
    assert "geometry" in saved  # the window closed as by its close button: it saved its settings
