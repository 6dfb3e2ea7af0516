""""Am I protected?": cloak your own photos and see whether face recognizers still pick you out of a crowd.

Your photos are split (seeded: one test photo, two with six or more photos; the rest train) and all of
them are cloaked (the training ones are what the tracker is given; every cloak is what you may save and
post). Each recognizer enrols the crowd (every photo of every person, clean, never tested) once, and
you three ways in turn: clean, cloaked, and cloaked then "uploaded" where an upload is chosen. Your
clean test photos are then identified among everyone. Nothing is copied into the crowd's folder; the
check's own folder keeps the settings (``check.json``), the cloaks, ``results.csv`` and the answer
(``answer.json``).
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .condition_names import VERSION_WORDS, plain_condition
from .datasets import Dataset, Problem, open_dataset
from .images import IMAGE_SUFFIXES, NoFaceFound, UnusableImage, load_rgb, save_rgb_atomic, write_bytes_atomic, write_text_atomic
from .jobs import NO_JOB, Job
from .results import (ERROR, IDENTIFIED, NO_FACE, ResultRow, outcome_for, package_versions, write_json_atomic,
                      write_rows_csv)

MIN_PHOTOS = 3
TWO_TESTS_FROM = 6  # with this many usable photos or more, two are kept clean to test with
LOCAL_RECOGNIZERS = ("dlib", "mobileface", "faceres")
RECOGNIZER_SECONDS_PER_PHOTO = 0.25  # a rough local figure for the time estimate
AZURE_SECONDS_PER_CALL = {"free": 3.0, "standard": 0.1}

PROTECTED, NOT_PROTECTED, PARTLY, NO_ANSWER = "protected", "not protected", "partly protected", "no answer"
CLEAN = "none"


@dataclass
class MyPhotos:
    folder: Path
    usable: list[Path]
    faces: dict[str, int]  # file name -> faces found
    problems: list[Problem] = field(default_factory=list)

    def notes(self) -> list[str]:
        return [f"{name} shows {n} faces: the largest one is taken to be you." for name, n in self.faces.items() if n > 1]


def find_my_photos(folder: Path | str, job: Job = NO_JOB) -> MyPhotos:
    """The photos directly in ``folder`` that show at least one face; the others with a reason."""
    from .faces import detect_faces

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"The folder {folder} does not exist.")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and "_cloaked" not in p.stem)
    usable, faces, problems = [], {}, []
    for i, path in enumerate(files):
        job.step("Looking at your photos", i, len(files), path.name)
        try:
            found = len(detect_faces(load_rgb(path)))
        except UnusableImage as exc:
            problems.append(Problem(path, exc.reason))
            continue
        if not found:
            problems.append(Problem(path, "no face found"))
            continue
        usable.append(path)
        faces[path.name] = found
    job.step("Looking at your photos", len(files), len(files))
    return MyPhotos(folder, usable, faces, problems)


def describe_crowd(folder: Path | str) -> str:
    """"imm_face_db — 40 people, 240 photos" (photos listed, not decoded: quick)."""
    dataset = open_dataset(folder, check_images=False)
    return f"{dataset.root.name} — {len(dataset.people())} people, {len(dataset.photos)} photos"


def crowd_choices(data_dir: Path | str) -> list[tuple[str, Path]]:
    """The crowds on offer, best first: the full IMM database where it was downloaded, the bundled sample."""
    from .download import IMM_FOLDER, DownloadError, photo_folder
    from .sample import SAMPLE

    choices = []
    downloaded = Path(data_dir) / "datasets" / IMM_FOLDER
    if downloaded.is_dir():
        try:
            folder = photo_folder(downloaded)
            choices.append((f"The full IMM database ({describe_crowd(folder).split(' — ')[1]})", folder))
        except (OSError, ValueError, DownloadError):
            pass  # an unfinished download: not offered
    choices.append((f"The bundled sample ({describe_crowd(SAMPLE).split(' — ')[1]})", SAMPLE))
    return choices


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
        data["recognizer_options"] = {n: {k: v for k, v in o.items() if k != "key"} for n, o in self.recognizer_options.items()}
        return data


def cloak_words(config: SelfCheckConfig) -> str:
    """"Fawkes 0.3.1 high": what the user chose, without the app's labels."""
    return f"Fawkes {VERSION_WORDS.get(config.version, config.version)} {config.mode}"


def upload_words(upload: str | None) -> str:
    """"uploading to a social network (1080 px, JPEG 75)"."""
    return "uploading to a social network (" + ", ".join(step.words() for step in upload_steps(upload or "")) + ")"


def estimate_seconds(photos: int, crowd_photos: int, config: SelfCheckConfig) -> float:
    """About how long a check takes on this computer: cloaking, then each recognizer's photos."""
    from .cloaking.engine import seconds_per_face

    seconds = photos * seconds_per_face(config.version, config.mode, len(config.extractors), config.custom)
    enrolled = crowd_photos + photos * len(config.conditions())
    for name in config.recognizers:
        if name == "azure":
            tier = config.recognizer_options.get("azure", {}).get("tier", "free")
            seconds += enrolled * len(config.conditions()) * AZURE_SECONDS_PER_CALL.get(tier, 3.0)
        else:
            seconds += enrolled * RECOGNIZER_SECONDS_PER_PHOTO
    return seconds


def split_my_photos(photos: list[Path], seed: int) -> tuple[list[Path], list[Path]]:
    """(training, test): one test photo, two with six or more, chosen with the seed."""
    photos = sorted(photos, key=lambda p: p.name)
    n_test = 2 if len(photos) >= TWO_TESTS_FROM else 1
    test = sorted(random.Random(seed).sample(photos, n_test), key=lambda p: p.name)
    return [p for p in photos if p not in test], test


@dataclass
class Answer:
    """One recognizer's answer, in sentences."""

    recognizer: str
    judged: str  # how the cloak was judged: "white-box" (made against this network) or "black-box"
    verdict: str  # PROTECTED, NOT_PROTECTED, PARTLY or NO_ANSWER
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


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

    def what_it_means(self) -> list[str]:
        return what_it_means(self)


def run_self_check(config: SelfCheckConfig, job: Job = NO_JOB, mine: MyPhotos | None = None) -> SelfCheck:
    """Cloak your photos, run every recognizer, and answer in sentences; writes the check's folder."""
    from .cloaking.engine import CloakSettings, cloak_photos
    from .cloaking.modes import get_mode

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

    rows: list[ResultRow] = []
    for recognizer in config.recognizers:
        rows += _judge(recognizer, config, name, crowd, enrolled, test, notes, job)
        write_rows_csv(out / "results.csv", rows)
    answers = [answer_for(r, name, [row for row in rows if row.recognizer == r], config) for r in config.recognizers]
    check = SelfCheck(config, mine, train, test, cloaks, len(people), sum(map(len, people.values())), rows, answers, notes)
    write_json_atomic(out / "answer.json", {
        "name": name, "training_photos": [p.name for p in train], "test_photos": [p.name for p in test],
        "crowd": {"folder": str(crowd.root), "people": check.crowd_people, "photos": check.crowd_photos,
                  "fingerprint_sha256": crowd.fingerprint()},
        "answers": [asdict(a) for a in answers], "what_it_means": what_it_means(check), "notes": notes,
        "packages": package_versions(), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    return check


def upload_steps(upload: str) -> list:
    """The modifiers of an upload (``+resize:S``, ``+jpeg:Q``); anything else is refused with a reason."""
    from .modifiers.leak import Leak
    from .modifiers.spelling import split_modifiers

    base, steps = split_modifiers("none" + upload)
    if base != "none" or not steps or any(isinstance(step, Leak) for step in steps):
        raise ValueError(f"'{upload}' is not an upload: write +resize:S and/or +jpeg:Q, e.g. +resize:1080+jpeg:75.")
    return steps


def _uploaded(cloaks: dict[Path, Path], upload: str, out: Path, name: str, seed: int) -> list[Path]:
    """Your cloaked training photos as a social network would keep them, written to ``uploaded/``."""
    from .modifiers.chain import Context
    from .modifiers.photo import EnrolledPhoto

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
           test: list[Path], notes: list[str], job: Job) -> list[ResultRow]:
    """One recognizer: the crowd enrolled once, you in each condition in turn, your test photos identified."""
    from .recognizers.base import EmbeddingRecognizer
    from .recognizers.registry import make_recognizer

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
            recognizer.expect(mine + test)  # a local backend describes them ahead, as a study does
            taken = 0
            for i, photo in enumerate(mine):
                job.step(f"Enrolling your training photos ({stage})", i, len(mine), photo.name)
                try:
                    recognizer.enrol(name, photo)
                    taken += 1
                except UnusableImage as exc:
                    notes.append(f"{stage}: your training photo {exc}")
            if not taken:
                notes.append(f"{stage}: none of your training photos could be enrolled, so there is no answer.")
                continue
            recognizer.train(job)
            judged = "clean" if condition == CLEAN else ("white-box" if recognizer_name in config.extractors else "black-box")
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


# ---- the answer in words --------------------------------------------------------------------------

def answer_for(recognizer: str, name: str, rows: list[ResultRow], config: SelfCheckConfig) -> Answer:
    threshold = float(config.recognizer_options.get(recognizer, {}).get("threshold", 0.5))
    by_condition = {c: [r for r in rows if r.condition == c] for c in config.conditions()}
    clean = by_condition[CLEAN]
    judged = "white-box" if recognizer in config.extractors else "black-box"
    if not clean:
        return Answer(recognizer, judged, NO_ANSWER, [f"{recognizer} gave no answer (see the notes)."])
    sentences = [_clean_sentence(recognizer, name, clean, threshold)]
    found_clean = _found(clean)
    cloaked = by_condition[config.cloak]
    for condition, group in by_condition.items():
        if condition == CLEAN or not group:
            continue
        label = cloak_words(config) + (f", after {upload_words(config.upload)}" if condition != config.cloak else "")
        sentences.append(_cloaked_sentence(recognizer, name, label, group, threshold))
    if not found_clean:
        verdict = NO_ANSWER
    elif not cloaked:
        verdict = NO_ANSWER
    elif not _found(cloaked):
        verdict = PROTECTED
    elif len(_found(cloaked)) == len(cloaked):
        verdict = NOT_PROTECTED
    else:
        verdict = PARTLY
    if found_clean and cloaked:
        sentences.append(f"The cloak was made against {recognizer} itself, so this result flatters it; the other "
                         "recognizers are the honest test." if judged == "white-box" else
                         f"The cloak was not made against {recognizer}: this is the honest kind of test.")
    return Answer(recognizer, judged, verdict, sentences)


def _found(rows: list[ResultRow]) -> list[ResultRow]:
    return [r for r in rows if r.outcome == IDENTIFIED]


def _in_photos(k: int, n: int) -> str:
    if n == 1:
        return ""
    return " in both test photos" if k == n == 2 else f" in {k} of {n} test photos"


def _confidences(rows: list[ResultRow]) -> str:
    values = [f"{r.confidence:.2f}" for r in rows if r.confidence is not None]
    return "confidence " + " and ".join(values) if values else "no confidence given"


def _misses(rows: list[ResultRow], name: str, threshold: float) -> str:
    """Why the photos that were not matched to you were not: no face, a wrong best guess, too unsure."""
    parts = []
    for r in rows:
        if r.outcome == NO_FACE:
            parts.append(f"it found no face in {r.file}")
        elif r.outcome == ERROR:
            parts.append(f"{r.file}: {r.reason}")
        elif r.predicted == name:
            parts.append(f"its best guess was you, but only with confidence {r.confidence:.2f}, under the {threshold:.2f} a match needs")
        elif r.predicted:
            parts.append(f"best guess: {r.predicted}")
        else:
            parts.append("no candidate at all")
    return "; ".join(parts)


def _clean_sentence(recognizer: str, name: str, rows: list[ResultRow], threshold: float) -> str:
    found = _found(rows)
    if found:
        return f"Without cloaking, {recognizer} recognised you{_in_photos(len(found), len(rows))} ({_confidences(found)})."
    return (f"Even without cloaking, {recognizer} did not pick you out ({_misses(rows, name, threshold)}), "
            "so it cannot show what a cloak adds.")


def _cloaked_sentence(recognizer: str, name: str, label: str, rows: list[ResultRow], threshold: float) -> str:
    found = _found(rows)
    if not found:
        return f"With {label}, {recognizer} no longer picked you out ({_misses(rows, name, threshold)})."
    return f"With {label}, {recognizer} still recognised you{_in_photos(len(found), len(rows))} ({_confidences(found)})."


def what_it_means(check: SelfCheck) -> list[str]:
    extractors = ", ".join(check.config.extractors)
    return [
        f"This is one small test: {len(check.config.recognizers)} face recognizer(s), a crowd of {check.crowd_people} "
        f"people, and {len(check.train)} of your photos given to the tracker. A real tracker may hold more photos of "
        "you, compare you with millions of people, and use networks that were not tried here.",
        f"Your cloaks were made against {extractors}. A result from a network the cloak was made against flatters "
        "it; networks the cloak never saw are the honest test.",
        "\"No longer picked you out\" here does not promise protection elsewhere; \"still recognised you\" means the "
        "cloak did not work even in this small test.",
    ]


# ---- your cloaked photos, to keep ------------------------------------------------------------------

HOW_MADE_NAME = "HOW-THESE-WERE-MADE.txt"


def save_cloaked_photos(check: SelfCheck, folder: Path | str, fmt: str = "png", quality: int = 90) -> list[Path]:
    """Write every cloaked photo (full resolution, PNG or JPEG at ``quality``) into ``folder`` with a
    small text file that says how they were made; returns the photos written."""
    fmt = fmt.lower()
    if fmt not in ("png", "jpeg", "jpg"):
        raise ValueError(f"Choose PNG or JPEG, not {fmt}.")
    if not 1 <= int(quality) <= 100:
        raise ValueError("JPEG quality goes from 1 to 100.")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".png" if fmt == "png" else ".jpg"
    written = []
    for source, cloak in sorted(check.cloaks.items()):
        target = folder / f"{source.stem}_cloaked{suffix}"
        if suffix == ".png":  # the cloak exactly as it was made
            write_bytes_atomic(target, Path(cloak).read_bytes())
        else:
            save_rgb_atomic(target, load_rgb(cloak), quality=int(quality))
        written.append(target)
    write_text_atomic(folder / HOW_MADE_NAME, how_made(check, fmt, int(quality), written))
    return written


def how_made(check: SelfCheck, fmt: str, quality: int, written: list[Path]) -> str:
    config = check.config
    from importlib import metadata

    try:
        version = metadata.version("fawkes-tracker")
    except metadata.PackageNotFoundError:
        version = "unknown"
    mode = config.mode + (f" (custom: {json.dumps(config.custom, sort_keys=True)})" if config.custom else "")
    lines = [
        f"These {len(written)} photos were cloaked by Fawkes Tracker {version} on {time.strftime('%Y-%m-%d %H:%M')}.",
        f"Cloak: our rebuild of Fawkes {VERSION_WORDS.get(config.version, config.version)}, mode {mode}, made against "
        f"{', '.join(config.extractors)}, seed {config.seed}.",
        "Each photo keeps its full resolution; " + ("saved as PNG, exactly as the cloak was made." if fmt == "png" else
                                                     f"saved as JPEG quality {quality}, which may weaken the cloak a little."),
        f"Originals: {check.photos.folder}",
        "",
        "What the check found, with your clean test photo(s) " + ", ".join(p.name for p in check.test)
        + f" against a crowd of {check.crowd_people} people ({config.crowd}):",
        *(f"- {a.recognizer}: {a.text}" for a in check.answers),
        "",
        *check.what_it_means(),
    ]
    return "\n".join(lines) + "\n"
