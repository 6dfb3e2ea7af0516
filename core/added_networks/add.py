"""Adding an ONNX network, and checking one before a study uses it.

Adding checks, in order: the file (``core.models.onnx.runtime``: one image input, a size, one finite vector per
face), the sanity check on clean photos (``sanity``), and whether its graph runs in PyTorch and agrees with
onnxruntime within 1e-4 (then a cloak can be made against it). A network failing the sanity check is not added,
nor does a study start with it, unless the user insists; nothing is remembered before every check has run.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..catalogue import CATALOGUE, tracker
from ..datasets import open_dataset
from ..faces import largest_face
from ..images import UnusableImage, load_rgb
from ..jobs import NO_JOB, Job
from ..models.onnx.embedder import OnnxFaceNetwork
from ..models.onnx.fingerprint import file_sha256
from ..models.onnx.ops import UnsupportedOp
from ..recognizers.embedding import face_region
from ..recognizers.onnx import OnnxRecognizer
from ..sample import SAMPLE
from ..split import make_split
from .sanity import SAMPLE_WORDS, NetworkRejected, SanityResult, clean_rank1
from .store import AddedNetwork, check_name, command_line_name, remember, used_networks

AGREEMENT = 1e-4  # largest difference allowed between onnxruntime's and PyTorch's unit vectors


def sample_people() -> dict[str, list[Path]]:
    """The bundled sample's clean photos by person (5 people × 6 IMM photos)."""
    return {person: [p.path for p in photos] for person, photos in open_dataset(SAMPLE).people().items()}


def study_people(dataset: Path, split_rule: str = "imm", seed: int = 0) -> dict[str, list[Path]]:
    """A study's clean photos (training and test) of the people its split keeps."""
    data = open_dataset(dataset)
    split = make_split(data, split_rule, seed)
    return {p: [data.root / r for r in split.train.get(p, []) + split.test.get(p, [])] for p in split.people}


def torch_agreement(recognizer: OnnxRecognizer, people: dict[str, list[Path]]) -> tuple[bool, str]:
    """Whether the PyTorch graph gives onnxruntime's vector (within ``AGREEMENT``) on the first usable face; a
    network that does not is a tracker only. Returns (can cloak, why not)."""
    try:
        network = OnnxFaceNetwork(recognizer.path, recognizer.preset.spelling()).eval()
    except UnsupportedOp as exc:
        return False, f"no cloak can be made against it: {exc}."
    for photo in (p for own in people.values() for p in own):
        try:
            rgb = load_rgb(photo)
        except UnusableImage:
            continue
        face = largest_face(rgb)
        if face is None:
            continue
        region, points = face_region(rgb, face.box, face.landmarks)
        with torch.no_grad():
            mine = network(region, points)[0].double().numpy()
        theirs = recognizer.runtime.vectors(network.prepared(region, points).numpy())[0]
        gap = float(np.abs(mine / np.linalg.norm(mine) - theirs / np.linalg.norm(theirs)).max())
        if gap > AGREEMENT:
            return False, f"no cloak can be made against it: its PyTorch graph differs from onnxruntime by {gap:.1e}."
        return True, ""
    return False, "no cloak can be made against it: no face was found to compare its PyTorch graph on."


def add_network(path: Path | str, name: str | None = None, preset: str = "arcface", insist: bool = False,
                people: dict[str, list[Path]] | None = None, where: str = SAMPLE_WORDS,
                job: Job = NO_JOB) -> tuple[AddedNetwork, SanityResult, str]:
    """Check the network at ``path`` and remember it as the tracker ``name`` (default ``onnx:`` + stem).
    Returns (the network, the sanity check, a note on cloaking or ""); raises ``NetworkFileProblem`` or
    ``NetworkRejected`` (one line each) with nothing added."""
    path = Path(path).expanduser().resolve()
    name = check_name(name or command_line_name(path))
    if any(e.name == name for e in CATALOGUE):
        raise ValueError(f"A tracker named '{name}' exists already: choose another name.")
    recognizer = OnnxRecognizer.bound_to(name, str(path), preset)()
    people = sample_people() if people is None else people
    result = clean_rank1(recognizer, people, where, job)
    if not result.passed and not insist:
        raise NetworkRejected(result, "It was not added.")
    can_cloak, note = torch_agreement(recognizer, people)
    network = remember(AddedNetwork(name, str(path), file_sha256(path), path.stat().st_size,
                                    recognizer.preset.spelling(), can_cloak, result.words()))
    return network, result, note


def check_before_study(names: list[str], people: dict[str, list[Path]], insist: bool = False,
                       job: Job = NO_JOB) -> list[SanityResult]:
    """The sanity check of every added network among ``names`` on the study's clean photos; raises
    ``NetworkRejected`` for the first that fails unless ``insist``. The vectors stay in the process's memo,
    so the study's clean condition does not compute them again."""
    results = []
    for name in used_networks(names):
        result = clean_rank1(tracker(name).base_class()(job=job), people, "this study", job)
        if not result.passed and not insist:
            raise NetworkRejected(result, "The study was not started.")
        results.append(result)
    return results
