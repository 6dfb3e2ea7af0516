"""Our own mobileface exported to ONNX, run through the whole path with real weights: judged by onnxruntime it
names the same people with the same scores as the built-in mobileface; its PyTorch graph agrees with onnxruntime;
added, it is remembered, listed, and a cloak made against it is judged white-box by it."""
from __future__ import annotations

import argparse
import json
import shutil

import numpy as np
import pytest
import torch

from core.added_networks.add import add_network
from core.added_networks.before_study import NetworksChanged, check_study_networks
from core.added_networks.command import resolve_networks
from core.added_networks.reopen import study_network_problems
from core.added_networks.store import forget, remembered
from core.catalogue import cloak_targets, names, tracker, unregister
from core.cloaking.extractors import load_extractor
from core.conditions import PreparedCondition
from core.faces import largest_face
from core.images import load_rgb
from core.models.onnx.embedder import OnnxFaceNetwork
from core.models.onnx.export import export_network
from core.recognizers.embedding import MobileFaceRecognizer, face_region
from core.recognizers.onnx import OnnxRecognizer
from core.recognizers.registry import recognizer_class
from core.torch_threads import torch_threads
from tests.conftest import FIXTURES
from tests.onnx_helpers import fixture_people


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path, preset = export_network("mobileface", tmp_path_factory.mktemp("onnx") / "mobileface.onnx")
    assert preset == "arcface"
    return path


def _judge(recognizer, people):
    for person, photos in people.items():
        for photo in photos[:5]:
            recognizer.enrol(person, photo)
    recognizer.train()
    return {photos[5].name: recognizer.identify(photos[5]) for photos in people.values()}


def test_exported_mobileface_judges_as_the_built_in_one(exported):
    people = fixture_people()
    ours, builtin = _judge(OnnxRecognizer(file=exported), people), _judge(MobileFaceRecognizer(device="cpu"), people)
    for photo, candidates in builtin.items():
        assert [c.person for c in ours[photo]] == [c.person for c in candidates]
        assert np.allclose([c.score for c in ours[photo]], [c.score for c in candidates], atol=1e-4)
        assert ours[photo][0].person == photo[:2]


def test_torch_graph_agrees_with_onnxruntime(exported):
    """On the first and last photo of each person (bench/bench_onnx.py measures every IMM photo)."""
    recognizer, network = OnnxRecognizer(file=exported), OnnxFaceNetwork(exported).eval()
    for photos in fixture_people().values():
        for photo in (photos[0], photos[-1]):
            rgb = load_rgb(photo)
            face = largest_face(rgb)
            region, points = face_region(rgb, face.box, face.landmarks)
            with torch.no_grad(), torch_threads(1):
                mine = network(region, points)[0].double().numpy()
            theirs = recognizer.embed(rgb, photo)
            assert np.abs(mine / np.linalg.norm(mine) - theirs).max() < 1e-4, photo.name


def test_an_added_network_is_remembered_listed_and_a_white_box_target(exported):
    network, result, note = add_network(exported, "mf-onnx", people=fixture_people(), where="the fixture")
    try:
        assert result.passed and result.rank1 == 1.0 and note == ""
        assert "mf-onnx" in names() and "mf-onnx" in cloak_targets()
        kept = remembered()[0]
        assert (kept.name, kept.preset, kept.size_bytes, len(kept.sha256)) == ("mf-onnx", "arcface", exported.stat().st_size, 64)
        assert recognizer_class("mf-onnx")().describe()["sha256"] == kept.sha256
        extractor = load_extractor("mf-onnx", torch.device("cpu"))
        rgb = load_rgb(fixture_people()["01"][0])
        face = largest_face(rgb)
        region, points = face_region(rgb, face.box, face.landmarks)
        region.requires_grad_(True)
        vector = extractor(region, points)
        vector.sum().backward()
        assert region.grad.abs().sum() > 0  # a cloak can be optimised against it
        judged = recognizer_class("mf-onnx")().embed(rgb, fixture_people()["01"][0])
        mine = vector[0].detach().double().numpy()
        assert np.abs(mine / np.linalg.norm(mine) - judged).max() < 1e-4  # the very network that judges
        cloaked = PreparedCondition("fawkes:0.3:min", {}, extractors=["mf-onnx"])
        assert cloaked.judged_as("mf-onnx") == "white-box" and cloaked.judged_as("mobileface") == "black-box"
    finally:
        forget("mf-onnx")
    assert "mf-onnx" not in names() and remembered() == []


def test_onnx_path_on_the_command_line_is_named_onnx_and_the_stem(exported):
    args = argparse.Namespace(recognizer=[f"dlib,onnx:{exported}"], extractor=f"onnx:{exported}", onnx_preset="arcface")
    try:
        resolve_networks(args)
        assert args.recognizer == ["dlib", "onnx:mobileface"] and args.extractor == "onnx:mobileface"
        assert dict(tracker("onnx:mobileface").bound) == {"file": str(exported.resolve()), "preset": "arcface"}
    finally:
        unregister("onnx:mobileface")


def test_a_study_whose_network_file_changed_or_went_missing_says_so_by_name(exported, tmp_path):
    copy = shutil.copy(exported, tmp_path / "net.onnx")
    about = OnnxRecognizer.bound_to("onnx:net", str(copy))().describe()
    study = tmp_path / "study"
    study.mkdir()
    (study / "manifest.json").write_text(json.dumps({"recognizers": {"onnx:net": about, "dlib": {"name": "dlib"}}}))
    assert study_network_problems(study) == []
    with open(copy, "ab") as fh:
        fh.write(b"\0")
    assert study_network_problems(study) == [
        f"The network onnx:net's file {copy} has changed since this study used it (its SHA-256 differs)."]
    # before a study, for the command line and the window alike: finishing it is refused by the network's name;
    # a fresh study that uses no added network checks nothing
    with pytest.raises(NetworksChanged, match="^The network onnx:net's file .* has changed since this study used it"):
        check_study_networks(["dlib"], study, FIXTURES / "imm", "imm", 0, resuming=True)
    assert check_study_networks(["dlib"], study, FIXTURES / "imm", "imm", 0, resuming=False) == []
    copy.unlink()
    assert study_network_problems(study) == [f"The network onnx:net's file {copy} is missing."]


def test_cloaks_made_against_an_added_network_are_not_reused_once_its_file_changes(exported, tmp_path):
    """The cache's key holds the network file's SHA-256: the same name standing for another file makes new cloaks."""
    from core.catalogue import Tracker, register
    from core.cloaking.cache import recipe
    from core.cloaking.modes import get_mode
    from core.cloaking.settings import CloakSettings

    copy = shutil.copy(exported, tmp_path / "net.onnx")
    register(Tracker("onnx:net", "a test network", "offline", "core.recognizers.onnx:OnnxRecognizer",
                     "core.models.onnx.embedder:OnnxFaceNetwork", bound=(("file", str(copy)), ("preset", "arcface"))))
    try:
        key = lambda: recipe(CloakSettings(), get_mode("0.3", "min"), ["onnx:net"], "cpu", "")  # noqa: E731
        before = key()
        assert before["networks"]["onnx:net"]["sha256"] == tracker("onnx:net").base_class()().describe()["sha256"]
        with open(copy, "ab") as fh:
            fh.write(b"\0")
        assert key()["networks"] != before["networks"]
        assert "networks" not in recipe(CloakSettings(), get_mode("0.3", "min"), ["dlib"], "cpu", "")
    finally:
        unregister("onnx:net")
