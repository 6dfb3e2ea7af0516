"""The networks a cloak is made against (core.cloaking.extractors): named from the catalogue, loaded once per
device, frozen so only the image learns, and run on one thread that treats denormal floats as zero."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.cloaking.extractors import check_names, embed, load_extractor, resolve_device, run_flushed
from core.images import load_rgb
from core.faces import largest_face


def test_names_come_from_the_catalogue_and_a_wrong_one_is_named():
    assert check_names(["dlib", "mobileface", "dlib"]) == ["dlib", "mobileface"]
    with pytest.raises(ValueError, match="^Unknown extractor 'azure': use dlib, mobileface, faceres"):
        check_names(["azure"])  # an online service has no gradients to follow
    with pytest.raises(ValueError, match="at least one extractor"):
        check_names([])


def test_devices_said_plainly():
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no usable GPU"):
            resolve_device("cuda")


def test_loaded_once_frozen_and_embedding_the_face(fixture_imm):
    network = load_extractor("dlib", torch.device("cpu"))
    assert load_extractor("dlib", torch.device("cpu")) is network  # once per device
    assert not network.training and not any(p.requires_grad for p in network.parameters())

    rgb = load_rgb(fixture_imm / "01-1m.jpg")
    face = largest_face(rgb)
    landmarks = torch.tensor(np.asarray(face.landmarks, dtype=np.float32))[None]
    image = torch.tensor(rgb, dtype=torch.float32).permute(2, 0, 1)[None]
    (features,) = embed([network], image, landmarks)
    assert features.shape == (1, 128) and torch.isfinite(features).all() and not features.requires_grad


def test_work_runs_flushed_and_its_failure_reaches_the_caller():
    tiny = torch.tensor([1e-40], dtype=torch.float32)  # a denormal: zero on the flushed thread
    assert run_flushed(lambda: float(tiny * 1.0)) == 0.0
    with pytest.raises(ZeroDivisionError):
        run_flushed(lambda: 1 / 0)
