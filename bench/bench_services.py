"""Pace of the online trackers against their local stand-ins: does a study keep the account's rate, and no slower?

Each section runs a whole study (``core.study.run_study``) through one online backend against its stand-in in
tests/, at the backend's default rate, and prints wall time ÷ pacing floor (calls ÷ rate; goal ≤ 1.1) and the
photos uploaded. The stand-in's dlib descriptors are computed before the clock starts, so the time measured is
ours (pacing, waits, the study's own work), not the stand-in's face detection.
The crowd section runs, for each service, a study of two conditions with a crowd (``--distractors``: the dataset's
last person; the others are studied) and prints the photos uploaded with and without the crowd's, and how often
each crowd photo was sent (once a study: the tracker keeps its crowd between conditions), beside a tracker a
condition as before (Face++ then too sends each once, as it reuses a face token detected in the same process, but
enrols the crowd again and plans for it each time). It counts, it does not time: calls go at 100 a second.
Run: python bench/bench_services.py [--dataset FOLDER] [--only rekognition|facepp|crowd]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
FULL_IMM = REPO.parent / "shared" / "datasets" / "imm_face_db"
FIXTURE_IMM = REPO / "tests" / "fixtures" / "imm"


def _default_dataset() -> Path:
    return FULL_IMM if FULL_IMM.is_dir() else FIXTURE_IMM


def bench_rekognition(dataset: Path | None = None, latency_s: float = 0.0) -> dict:
    """A clean study of ``dataset`` through Amazon Rekognition's stand-in at the default 5 calls a second."""
    from core.recognizers.rekognition import CALLS_PER_SECOND
    from core.study import StudyConfig, run_study
    from tests.rekognition_standin import RekognitionStandIn

    dataset = dataset or _default_dataset()
    photos = sorted(p for p in dataset.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with RekognitionStandIn() as server, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        for photo in photos:  # the stand-in's face detection, done before the clock starts
            server._faces.of(photo.read_bytes())
        warm_s = time.perf_counter() - started
        server.delay_s = latency_s
        os.environ.update({"AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_key,
                           "AWS_DEFAULT_REGION": server.region, "AWS_ENDPOINT_URL_REKOGNITION": server.endpoint,
                           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": f"{scratch}/none",
                           "AWS_SHARED_CREDENTIALS_FILE": f"{scratch}/none"})
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        started = time.perf_counter()
        summary = run_study(StudyConfig(dataset, Path(scratch) / "study", recognizers=["rekognition"]))
        wall = time.perf_counter() - started
        calls = len(server.log)
        uploads = [e for e in server.log if e.image is not None]
        files = {p.read_bytes() for p in photos}
        same = sum(e.image in files for e in uploads)
    floor = (calls - 1) / CALLS_PER_SECOND  # the first call goes out at once
    entry = summary["conditions"][0]
    result = {"dataset": str(dataset), "photos": len(photos), "calls": calls, "uploads": len(uploads),
              "uploads_byte_for_byte": same, "wall_s": wall, "floor_s": floor, "ratio": wall / floor,
              "latency_s": latency_s, "warm_up_s": warm_s,
              "reidentified": f"{entry.get('reidentified')} of {entry.get('people')}"}
    print(f"Amazon Rekognition stand-in, {dataset.name} ({len(photos)} photos), {CALLS_PER_SECOND:g} calls/s, "
          f"answers after {latency_s:g} s:")
    print(f"  {calls} calls in {wall:.1f} s; pacing floor {floor:.1f} s; wall ÷ floor = {wall / floor:.3f} (goal ≤ 1.1)")
    print(f"  {len(uploads)} photos uploaded ({same} of them the file's bytes as they are); clean condition "
          f"re-identified {result['reidentified']} people (stand-in warm-up {warm_s:.0f} s, not timed)")
    return result


def bench_facepp(dataset: Path | None = None, latency_s: float = 0.0) -> dict:
    """A study of ``dataset`` (default: the 3 people of the test fixture, about 50 s) through Face++'s stand-in at
    the default 1 call a second (a free key's), clean and with a copy of the training photos imported as cloaks."""
    import shutil

    from core.recognizers.facepp_client import CALLS_PER_SECOND
    from core.study import StudyConfig, run_study
    from tests.facepp_standin import FaceppStandIn

    dataset = dataset or FIXTURE_IMM
    photos = sorted(p for p in dataset.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with FaceppStandIn() as server, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        for photo in photos:  # the stand-in's face detection, done before the clock starts
            server._faces.of(photo.read_bytes())
        warm_s = time.perf_counter() - started
        server.delay_s = latency_s
        cloaks = Path(scratch) / "cloaks"  # byte-for-byte copies: their faces are detected once, in the clean run
        cloaks.mkdir()
        for photo in photos:
            if not photo.stem.endswith("6m") and not photo.stem.endswith("6f"):
                shutil.copy(photo, cloaks / f"{photo.stem}_min_cloaked.png")
        os.environ.update({"FACEPP_ENDPOINT": server.endpoint, "FACEPP_API_KEY": server.key,
                           "FACEPP_API_SECRET": server.secret})
        started = time.perf_counter()
        summary = run_study(StudyConfig(dataset, Path(scratch) / "study", recognizers=["facepp"],
                                        conditions=["none", f"import:{cloaks}"]))
        wall = time.perf_counter() - started
        calls = len(server.log)
        uploads = [e.upload for e in server.log if e.upload is not None]
        files = {p.read_bytes() for p in photos}
        same = sum(u in files for u in uploads)
        left = len(server.facesets)
    floor = (calls - 1) / CALLS_PER_SECOND  # the first call goes out at once
    entry = summary["conditions"][0]
    result = {"dataset": str(dataset), "photos": len(photos), "calls": calls, "uploads": len(uploads),
              "uploads_byte_for_byte": same, "wall_s": wall, "floor_s": floor, "ratio": wall / floor,
              "latency_s": latency_s, "warm_up_s": warm_s, "facesets_left": left,
              "reidentified": f"{entry.get('reidentified')} of {entry.get('people')}"}
    print(f"Face++ stand-in, {dataset.name} ({len(photos)} photos), clean and imported, {CALLS_PER_SECOND:g} call/s, "
          f"answers after {latency_s:g} s:")
    print(f"  {calls} calls in {wall:.1f} s; pacing floor {floor:.1f} s; wall ÷ floor = {wall / floor:.3f} (goal ≤ 1.1)")
    print(f"  {len(uploads)} photos uploaded ({same} of them the file's bytes as they are); {left} facesets left; "
          f"clean condition re-identified {result['reidentified']} people (stand-in warm-up {warm_s:.0f} s, not timed)")
    return result


def bench_crowd(dataset: Path | None = None, latency_s: float = 0.0) -> dict:
    """Uploads of a two-condition study with a crowd, per service: the crowd's photos should each go once."""
    import shutil
    from collections import Counter
    from unittest.mock import patch

    from core.recognizers.registry import recognizer_class
    from core.study import StudyConfig, run_study
    from tests.facepp_standin import FaceppStandIn
    from tests.rekognition_standin import RekognitionStandIn

    dataset = dataset or FIXTURE_IMM
    conditions = ["none", "none+jpeg:75"]
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        people, crowd = Path(scratch) / "people", Path(scratch) / "crowd"
        photos = sorted(p for p in dataset.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        last = max(_person(dataset, p) for p in photos)
        for photo in photos:  # the last person is the crowd, the others are studied
            target = (crowd if _person(dataset, photo) == last else people) / photo.relative_to(dataset)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(photo, target)
        crowd_bytes = {p.read_bytes() for p in crowd.rglob("*") if p.is_file()}
        print(f"Crowd: {len(conditions)} conditions ({', '.join(conditions)}), a crowd of {len(crowd_bytes)} photos "
              f"({last}), the other people of {dataset.name} studied; counted at 100 calls a second, not timed:")
        for name, standin in (("rekognition", RekognitionStandIn), ("facepp", FaceppStandIn)):
            tracker = recognizer_class(name)
            for kept in (True, False):  # False: a tracker a condition, as before the crowd was kept (for comparison)
                with standin() as server:  # a fresh account each time: Face++ reuses no token of the other run
                    server.delay_s = latency_s
                    _point_at(name, server, scratch)
                    with patch.object(tracker, "keeps_crowd", kept):
                        run_study(StudyConfig(people, Path(scratch) / f"study-{name}-{kept}", recognizers=[name],
                                              conditions=conditions, distractors=crowd,
                                              recognizer_options={name: {"calls_per_second": 100}}))
                    sent = [s for s in (e.image if name == "rekognition" else e.upload for e in server.log) if s]
                times = Counter(s for s in sent if s in crowd_bytes)
                each = sorted(set(times.values()) | ({0} if len(times) < len(crowd_bytes) else set()))
                results[(name, kept)] = {"uploads": len(sent), "without_crowd": len(sent) - sum(times.values()),
                                         "crowd_uploads": sum(times.values()), "each_crowd_photo_sent": each}
                print(f"  {name}, {'one tracker for the study' if kept else 'a tracker a condition'}: {len(sent)} "
                      f"photos uploaded, {len(sent) - sum(times.values())} of them the study's own (as without a "
                      f"crowd), {sum(times.values())} the crowd's: each crowd photo sent "
                      f"{'once' if each == [1] else ' or '.join(map(str, each)) + ' times'}")
    return results


def _person(dataset: Path, photo: Path) -> str:
    """A folder per person, or IMM's flat names ``01-1m.jpg``."""
    relative = photo.relative_to(dataset)
    return relative.parts[0] if len(relative.parts) > 1 else photo.name.split("-")[0]


def _point_at(name: str, server, scratch: str) -> None:
    """The environment that sends ``name``'s calls to its stand-in, with its keys."""
    if name == "facepp":
        os.environ.update({"FACEPP_ENDPOINT": server.endpoint, "FACEPP_API_KEY": server.key,
                           "FACEPP_API_SECRET": server.secret})
        return
    os.environ.update({"AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_key,
                       "AWS_DEFAULT_REGION": server.region, "AWS_ENDPOINT_URL_REKOGNITION": server.endpoint,
                       "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": f"{scratch}/none",
                       "AWS_SHARED_CREDENTIALS_FILE": f"{scratch}/none"})
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)


SECTIONS = ("rekognition", "facepp", "crowd")  # bench_<name>: each section, where it exists


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help=f"default: {FULL_IMM} if present, else the test fixture")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each stand-in answer takes")
    parser.add_argument("--only", choices=SECTIONS)
    args = parser.parse_args(argv)
    for name in SECTIONS:
        section = globals().get(f"bench_{name}")
        if section is not None and args.only in (None, name):
            section(args.dataset, latency_s=args.latency)


if __name__ == "__main__":
    main(sys.argv[1:])
