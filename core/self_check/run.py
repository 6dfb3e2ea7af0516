"""Running the check: your photos and the crowd, cloaking, every recognizer, the answer; the check's folder.

Your photos are split (seeded: one test photo, two with six or more photos; the rest train) and all of
them are cloaked (the training ones are what the tracker is given; every cloak is what you may save and
post). Each recognizer enrols the crowd (every photo of every person, clean, never tested) once, and
you three ways in turn: clean, cloaked, and cloaked then "uploaded" where an upload is chosen. Your
clean test photos are then identified among everyone. Nothing is copied into the crowd's folder; the
check's own folder keeps the settings (``check.json``), the cloaks, ``results.csv`` and the answer
(``answer.json``).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..atomic import write_bytes_atomic, write_json_atomic
from ..catalogue import offline_names, tracker
from ..conditions import plain_condition
from ..datasets import Dataset, open_dataset
from ..detection import Screening, own_photos_detection, screen_own_photos
from ..images import NoFaceFound, UnusableImage
from ..jobs import NO_JOB, Job
from ..modifiers import Context
from ..modifiers.photo import EnrolledPhoto
from ..online_plan import plan_for, self_check_counts
from ..recognizers.services.secrets import without_secrets
from ..recognizers.spec import screens_for_cloaks
from ..results import ERROR, NO_FACE, ResultRow, outcome_for, package_versions, write_rows_csv
from .answer import CLEAN, Answer, answer_for, judged_for, upload_steps, what_it_means
from .photos import MIN_PHOTOS, TWO_TESTS_FROM, MyPhotos, find_my_photos, split_my_photos

LOCAL_RECOGNIZERS = tuple(offline_names())  # what a check asks unless the user ticks an online service
RECOGNIZER_SECONDS_PER_PHOTO = 0.25  # a rough local figure for the time estimate


@dataclass
class SelfCheckConfig:
    photos: Path  # the folder of your photos
    crowd: Path  # a dataset folder: the people you hide among
    out: Path  # the check's own folder
    name: str = "me"
    version: str = "0.3"
    mode: str = "high"
    custom: dict | None = None  # mode "custom": {"steps", "th", "lr"}
    recognizers: list[str] = field(default_factory=lambda: list(LOCAL_RECOGNIZERS))
    recognizer_options: dict[str, dict] = field(default_factory=dict)  # Azure's key is never written
    extractors: list[str] = field(default_factory=lambda: ["dlib"])
    upload: str | None = None  # modifiers for the "uploaded to a social network" condition, e.g. "+resize:1080+jpeg:75"
    seed: int = 0
    device: str = "auto"
    cache_dir: Path | None = None

    @property
    def cloak(self) -> str:
        return f"fawkes:{self.version}:{self.mode}"

    def conditions(self) -> list[str]:
        return [CLEAN, self.cloak, *([self.cloak + self.upload] if self.upload else [])]

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("photos", "crowd", "out", "cache_dir"):
            data[key] = None if data[key] is None else str(data[key])
        data["recognizer_options"] = {n: without_secrets(o) for n, o in self.recognizer_options.items()}
        return data


def estimate_seconds(photos: int, crowd_photos: int, config: SelfCheckConfig, data_dir: Path | None = None,
                     job: Job = NO_JOB) -> float:
    """About how long a check takes on this computer: cloaking at the speed measured here
    (``core.cloaking.estimate``, measured once if it never was), then each recognizer's photos."""
    from ..cloaking.estimate import measured_speed
    from ..cloaking.modes import get_mode

    steps = get_mode(config.version, config.mode, config.custom).steps
    speed = measured_speed(config.version, tuple(config.extractors), config.device, data_dir, job)
    seconds = speed.run_seconds(photos, steps)
    enrolled = crowd_photos + photos * len(config.conditions())
    counts = None
    for name in config.recognizers:
        if not tracker(name).online:
            seconds += enrolled * RECOGNIZER_SECONDS_PER_PHOTO
            continue
        # an online tracker: the least time its calls take at the account's pace, as its own plan says
        counts = counts or self_check_counts(photos, config.crowd, len(config.conditions()), TWO_TESTS_FROM)
        plan = plan_for(name, config.recognizer_options.get(name, {}), counts)  # reads settings; calls nobody
        if plan is not None and not isinstance(plan, BaseException):
            seconds += plan.seconds
    return seconds


@dataclass
class SelfCheck:
    config: SelfCheckConfig
    photos: MyPhotos
    train: list[Path]
    test: list[Path]
    cloaks: dict[Path, Path]  # each of your photos -> its cloak
    crowd_people: int
    crowd_photos: int
    rows: list[ResultRow]
    answers: list[Answer]
    notes: list[str]
    spotting: list[str] = field(default_factory=list)  # a line per cloaked condition: could a tracker spot them

    def what_it_means(self) -> list[str]:
        return what_it_means(self)


def run_self_check(config: SelfCheckConfig, job: Job = NO_JOB, mine: MyPhotos | None = None) -> SelfCheck:
    """Cloak your photos, run every recognizer, and answer in sentences; writes the check's folder."""
    from ..cloaking.engine import CloakSettings, cloak_photos
    from ..cloaking.modes import get_mode

    name = config.name.strip()
    if not name or any(c in name for c in "/\\:"):
        raise ValueError("Give a name without / \\ or : (for example: me).")
    get_mode(config.version, config.mode, config.custom)  # a bad mode or upload fails before any work
    if config.upload:
        upload_steps(config.upload)
    mine = mine if mine is not None else find_my_photos(config.photos, job)
    if len(mine.usable) < MIN_PHOTOS:
        raise ValueError(f"{len(mine.usable)} of the photos in {mine.folder} show a face; at least {MIN_PHOTOS} are needed "
                         "(one to test with, the rest to train the recognizer).")
    crowd = open_dataset(config.crowd, job)
    people = crowd.people()
    if name in people:
        raise ValueError(f"The crowd in {crowd.root} already has a person called '{name}': choose another name.")
    if not people:
        raise ValueError(f"The crowd in {crowd.root} has nobody with enough photos.")
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "check.json", config.to_json())
    notes = mine.notes() + [f"Not used: {p}" for p in mine.problems]
    notes += [f"Crowd photo not used: {p}" for p in crowd.problems]

    train, test = split_my_photos(mine.usable, config.seed)
    settings = CloakSettings(version=config.version, mode=config.mode, extractors=tuple(config.extractors), seed=config.seed,
                             device=config.device, custom=config.custom, cache_dir=config.cache_dir)
    pool = {person: [p.path for p in photos] for person, photos in people.items()}
    reports = cloak_photos(mine.usable, out / "cloaks", settings, job, pool=pool, person_of={p: name for p in mine.usable})
    cloaks = {r.source: r.output for r in reports if r.output is not None}
    notes += [f"{r.source.name} could not be cloaked: {r.problem}" for r in reports if r.problem]
    enrolled = {CLEAN: train, config.cloak: [cloaks[p] for p in train if p in cloaks]}
    if not enrolled[config.cloak]:
        raise RuntimeError("None of your training photos could be cloaked, so there is nothing to check.")
    if config.upload:
        enrolled[config.cloak + config.upload] = _uploaded({p: cloaks[p] for p in train if p in cloaks},
                                                           config.upload, out, name, config.seed)

    pairs = _given_instead(config, train, cloaks, enrolled)
    detections = {c: own_photos_detection(c, given, config.seed, job) for c, given in pairs.items()}
    spotting = [f"{plain_condition(c)}: {result.sentence()}" for c, (result, _) in detections.items()]
    training = set(train)
    screenings = {c: screen_own_photos(c, name, [(o, f) for o, f in pairs[c] if o in training], run)
                  for c, (_, run) in detections.items()} if any(map(screens_for_cloaks, config.recognizers)) else {}
    rows: list[ResultRow] = []
    for recognizer in config.recognizers:
        rows += _judge(recognizer, config, name, crowd, enrolled, test, notes, job, screenings)
        write_rows_csv(out / "results.csv", rows)
    answers = [answer_for(r, name, [row for row in rows if row.recognizer == r], config, screenings) for r in config.recognizers]
    check = SelfCheck(config, mine, train, test, cloaks, len(people), sum(map(len, people.values())), rows, answers, notes,
                      spotting)
    write_json_atomic(out / "answer.json", {
        "name": name, "training_photos": [p.name for p in train], "test_photos": [p.name for p in test],
        "crowd": {"folder": str(crowd.root), "people": check.crowd_people, "photos": check.crowd_photos,
                  "fingerprint_sha256": crowd.fingerprint()},
        "answers": [asdict(a) for a in answers], "what_it_means": what_it_means(check), "notes": notes,
        "how_easily_spotted": spotting,
        "screened": [s.to_json() for s in screenings.values()],
        "packages": package_versions(), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    return check


def _given_instead(config: SelfCheckConfig, train: list[Path], cloaks: dict[Path, Path], enrolled: dict) -> dict:
    """Each cloaked condition: your training photos, each with the file a tracker is given instead (its cloak,
    or the cloak as uploaded); what the detector is trained on and what a screening tracker screens."""
    uploaded = [p for p in train if p in cloaks]
    pairs = {config.cloak: list(cloaks.items())}  # the detector learns from the test photos' cloaks too
    if config.upload:
        pairs[config.cloak + config.upload] = list(zip(uploaded, enrolled[config.cloak + config.upload]))
    return pairs


def _uploaded(cloaks: dict[Path, Path], upload: str, out: Path, name: str, seed: int) -> list[Path]:
    """Your cloaked training photos as a social network would keep them, written to ``uploaded/``."""
    photos = [EnrolledPhoto(name, original.name, original, cloak, True) for original, cloak in cloaks.items()]
    context = Context(seed)
    for step in upload_steps(upload):
        step.apply(photos, context)
    written = []
    for photo in photos:
        data, suffix = photo.final_bytes()
        target = out / "uploaded" / f"{Path(photo.original).stem}_cloaked{suffix}"
        write_bytes_atomic(target, data)
        written.append(target)
    return written


def _judge(recognizer_name: str, config: SelfCheckConfig, name: str, crowd: Dataset, enrolled: dict[str, list[Path]],
           test: list[Path], notes: list[str], job: Job, screenings: dict[str, Screening]) -> list[ResultRow]:
    """One recognizer: the crowd enrolled once, you in each condition in turn, your test photos identified.
    A screening tracker enrols only the photos of yours its detector lets through; with none, it knows only the
    crowd and still looks for you (as a study still counts a person it was left with none of)."""
    from ..recognizers.base import EmbeddingRecognizer
    from ..recognizers.registry import make_recognizer

    options = config.recognizer_options.get(recognizer_name, {})
    crowd_photos = [(person, photo.path) for person, photos in crowd.people().items() for photo in photos]
    rows, recognizer = [], None
    try:
        for condition, mine in enrolled.items():
            stage = f"{plain_condition(condition)} · {recognizer_name}"
            reusable = isinstance(recognizer, EmbeddingRecognizer)
            if reusable:
                recognizer.forget(name)
            else:  # a remote gallery cannot drop a person here: start again with the crowd
                if recognizer is not None:
                    recognizer.close()
                recognizer = make_recognizer(recognizer_name, job=job, **options)
                recognizer.expect([p for _, p in crowd_photos])
                for i, (person, photo) in enumerate(crowd_photos):
                    job.step(f"Enrolling the crowd ({recognizer_name})", i, len(crowd_photos), photo.name)
                    try:
                        recognizer.enrol(person, photo)
                    except UnusableImage as exc:
                        if condition == CLEAN:
                            notes.append(f"{recognizer_name}: crowd photo {exc}")
                job.step(f"Enrolling the crowd ({recognizer_name})", len(crowd_photos), len(crowd_photos))
            screened = recognizer.screens and condition in screenings
            if screened:
                mine = screenings[condition].kept.get(name, [])
            recognizer.expect(mine + test)  # a local backend describes them ahead, as a study does
            taken = 0
            for i, photo in enumerate(mine):
                job.step(f"Enrolling your training photos ({stage})", i, len(mine), photo.name)
                try:
                    recognizer.enrol(name, photo)
                    taken += 1
                except UnusableImage as exc:
                    notes.append(f"{stage}: your training photo {exc}")
            if not taken and not (screened and not mine):
                notes.append(f"{stage}: none of your training photos could be enrolled, so there is no answer.")
                continue
            recognizer.train(job)
            judged = "clean" if condition == CLEAN else judged_for(recognizer_name, config)
            for i, photo in enumerate(test):
                job.step(f"Looking for you ({stage})", i, len(test), photo.name)
                rows.append(_identify(recognizer, condition, judged, name, photo))
            job.step(f"Looking for you ({stage})", len(test), len(test))
    finally:
        if recognizer is not None:
            recognizer.close()
    return rows


def _identify(recognizer, condition: str, judged: str, name: str, photo: Path) -> ResultRow:
    try:
        candidates = recognizer.identify(photo)
    except UnusableImage as exc:
        outcome = NO_FACE if isinstance(exc, NoFaceFound) else ERROR
        return ResultRow(condition, recognizer.name, judged, name, photo.name, "", None, None, outcome, exc.reason)
    best = candidates[0] if candidates else None
    predicted, confidence = (best.person, best.confidence) if best else ("", None)
    return ResultRow(condition, recognizer.name, judged, name, photo.name, predicted, confidence,
                     best.score if best else None, outcome_for(name, predicted, confidence, recognizer.threshold))
