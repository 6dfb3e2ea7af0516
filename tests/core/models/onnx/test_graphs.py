"""Generated ONNX graphs: PyTorch runs them as onnxruntime does, and every way a file can be wrong is told in one
line, with nothing added to the catalogue or the data folder."""
from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
import torch

from core.added_networks.add import add_network
from core.added_networks.sanity import NetworkRejected
from core.added_networks.store import forget, remembered
from core.catalogue import names
from core.models.onnx.graph import OnnxGraph
from core.models.onnx.presets import parse_preset
from core.models.onnx.runtime import NetworkFileProblem
from tests import onnx_helpers as graphs


def test_torch_graph_agrees_with_onnxruntime_on_the_ops_face_networks_use(tmp_path):
    path = graphs.arcface_like(tmp_path / "arcface_like.onnx")
    x = np.random.default_rng(1).normal(0, 1, (3, 3, 32, 32)).astype(np.float32)
    expected = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"data": x})[0]
    image = torch.from_numpy(x).requires_grad_(True)
    got = OnnxGraph(path)(image)
    assert got.shape == (3, 10)
    assert np.abs(got.detach().numpy() - expected).max() < 1e-4
    got.sum().backward()  # cloaking needs gradients at the input
    assert image.grad is not None and image.grad.abs().sum() > 0


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("not a network") and p, "is not an ONNX file"),
    (graphs.two_inputs, "takes 2 inputs"),
    (graphs.not_an_image, "is not an image batch"),
    (graphs.feature_map, "is not one vector per face"),
    (graphs.nan_output, "gives NaN or infinite numbers"),
])
def test_a_wrong_file_is_refused_in_one_line_and_nothing_is_added(tmp_path, make, words):
    path = tmp_path / "network.onnx"
    path = make(path) or path
    before = names()
    with pytest.raises(NetworkFileProblem) as caught:
        add_network(path, "wrong-one", people=graphs.fixture_people(), where="the fixture")
    message = str(caught.value)
    assert words in message and "network.onnx" in message and "\n" not in message
    assert names() == before and remembered() == []


def test_a_network_failing_the_sanity_check_is_not_added_unless_the_user_insists(tmp_path):
    path = graphs.blind(tmp_path / "blind.onnx")
    with pytest.raises(NetworkRejected) as caught:
        add_network(path, "blind", people=graphs.fixture_people(), where="the fixture")
    message = str(caught.value)
    assert "below 90%" in message and "preprocessing is probably wrong" in message and "adaface" in message
    assert "\n" not in message and "blind" not in names() and remembered() == []
    network, result, _ = add_network(path, "blind", insist=True, people=graphs.fixture_people(), where="the fixture")
    try:
        assert not result.passed and "blind" in names() and [n.name for n in remembered()] == ["blind"]
    finally:
        forget("blind")


def test_presets_are_read_once_with_plain_reasons():
    assert parse_preset(None).spelling() == "arcface"
    custom = parse_preset("custom:size=224,order=bgr,mean=0,scale=255,crop=loose")
    assert (custom.size, custom.order, custom.mean, custom.scale, custom.crop) == (224, "bgr", 0.0, 255.0, "loose")
    assert parse_preset(custom.spelling()) == custom
    with pytest.raises(ValueError, match="Unknown preprocessing preset 'insight'"):
        parse_preset("insight")
    with pytest.raises(ValueError, match="Cannot read 'order=grb'"):
        parse_preset("custom:order=grb")
