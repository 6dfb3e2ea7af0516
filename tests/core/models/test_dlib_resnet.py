"""The PyTorch rebuild of dlib's face recognition network against dlib itself, on real IMM photos."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

dlib = pytest.importorskip("dlib")

from core.faces import detect_faces, dlib_lock  # noqa: E402
from core.images import load_rgb  # noqa: E402
from core.models import zoo  # noqa: E402
from core.models.alignment import dlib_chip_source_box, dlib_face_chip  # noqa: E402
from core.models.dlib_resnet import MODEL_FILE, DlibResNet, read_dlib_resnet  # noqa: E402
from tests.conftest import FIXTURES

FIXTURE_IMM = FIXTURES / "imm"  # the repository's own IMM photos
PHOTOS = ["01-1m.jpg", "02-5m.jpg", "03-3m.jpg", "01-4m.jpg"]  # three people, frontal, side light, turned
TOLERANCE = 2e-6  # the README says "about 5e-7"; measured differences are about 3e-7 (float32 sums in another order)


def face_of(path: Path) -> tuple[np.ndarray, np.ndarray]:
    rgb = load_rgb(path)
    return rgb, detect_faces(rgb)[0].landmarks


@pytest.fixture(scope="module")
def imm_faces():
    """(rgb photo, 5-point landmarks) for a few IMM photos, all 640×480."""
    return [face_of(FIXTURE_IMM / name) for name in PHOTOS]


@pytest.fixture(scope="module")
def net():
    return DlibResNet()


@pytest.fixture(scope="module")
def dlib_model():
    return dlib.face_recognition_model_v1(str(zoo.dlib_file(MODEL_FILE)))


def dlib_shape(landmarks: np.ndarray):
    points = [dlib.point(int(round(x)), int(round(y))) for x, y in landmarks]
    return dlib.full_object_detection(dlib.rectangle(0, 0, 1, 1), points)


def as_batch(photos: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(photos)).permute(0, 3, 1, 2).float()


def test_model_file_is_read_as_dlibs_network():
    weights = read_dlib_resnet(zoo.dlib_file(MODEL_FILE))
    assert np.allclose(weights.channel_mean, [122.782, 117.001, 104.298], atol=1e-3)
    convs = [weights.stem] + [c for b in weights.blocks for c in (b.conv1, b.conv2)]
    assert len(convs) == 29
    assert [b.down for b in weights.blocks].count(True) == 4
    assert weights.stem.weight.shape == (32, 3, 7, 7) and weights.stem.stride == 2
    assert weights.fc.shape == (128, 256)


def test_network_matches_dlib_on_dlibs_own_chips(imm_faces, net, dlib_model):
    with dlib_lock():
        chips = [dlib.get_face_chip(rgb, dlib_shape(lm), size=150, padding=0.25) for rgb, lm in imm_faces]
        expected = np.array([dlib_model.compute_face_descriptor(chip) for chip in chips])
    with torch.no_grad():
        got = net.embed_chips(as_batch(chips)).numpy()
    assert got.shape == (len(PHOTOS), 128)
    assert np.abs(got - expected).max() < TOLERANCE


def test_end_to_end_from_photo_and_landmarks_matches_dlib(imm_faces, net, dlib_model):
    with dlib_lock():
        expected = np.array([dlib_model.compute_face_descriptor(rgb, dlib_shape(lm)) for rgb, lm in imm_faces])
    landmarks = torch.tensor(np.stack([lm for _, lm in imm_faces]))
    with torch.no_grad():
        got = net(as_batch([rgb for rgb, _ in imm_faces]), landmarks).numpy()
    assert np.abs(got - expected).max() < TOLERANCE
    # Different people stay apart, as in dlib (its threshold for "same person" is 0.6).
    assert np.linalg.norm(got[0] - got[1]) > 0.6


@pytest.mark.parametrize(
    "case",
    ["as is", "enlarged 2.6× (dlib downsamples with its pyramid first)", "cut at the left of the face (black outside)"],
)
def test_aligned_chip_is_dlibs_chip_pixel_for_pixel(imm_faces, case):
    rgb, landmarks = imm_faces[0]
    if case.startswith("enlarged"):
        size = (int(rgb.shape[1] * 2.6), int(rgb.shape[0] * 2.6))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.BILINEAR))
        landmarks = np.round(landmarks * 2.6)
    elif case.startswith("cut"):
        left = int(landmarks[:, 0].min()) - 20
        rgb, landmarks = np.ascontiguousarray(rgb[:, left:]), landmarks - [left, 0]
    with dlib_lock():
        expected = dlib.get_face_chip(rgb, dlib_shape(landmarks), size=150, padding=0.25)
    got = dlib_face_chip(as_batch([rgb]), torch.tensor(landmarks)[None])[0].permute(1, 2, 0).numpy()
    assert np.array_equal(got, expected.astype(np.float32))
    if case.startswith("cut"):
        assert (expected[:, :10] == 0).all()  # the case does reach outside the photo


def test_a_crop_holding_the_source_box_gives_the_same_descriptor(imm_faces, net):
    rgb, landmarks = imm_faces[2]
    left, top, right, bottom = dlib_chip_source_box(landmarks, *rgb.shape[:2])
    assert 0 < left < right < rgb.shape[1] - 1 and 0 < top < bottom < rgb.shape[0] - 1
    crop = np.ascontiguousarray(rgb[top : bottom + 1, left : right + 1])
    with torch.no_grad():
        whole = net(as_batch([rgb]), torch.tensor(landmarks)[None])
        cropped = net(as_batch([crop]), torch.tensor(landmarks - [left, top])[None])
    assert torch.abs(whole - cropped).max() < 1e-6


def test_gradients_reach_the_photo_and_lead_away_from_the_person(imm_faces, net):
    rgb, landmarks = imm_faces[0]
    other_rgb, other_landmarks = imm_faces[1]
    with torch.no_grad():
        target = net(as_batch([other_rgb]), torch.tensor(other_landmarks)[None])
    image = as_batch([rgb]).requires_grad_(True)
    landmarks = torch.tensor(landmarks)[None]
    distance = torch.linalg.norm(net(image, landmarks) - target)
    distance.backward()
    grad = image.grad[0].abs().sum(0)
    assert torch.isfinite(grad).all()
    # The face region gets gradient; far outside the chip (photo corner) nothing does.
    x, y = landmarks[0, 4].round().long()
    assert grad[y - 20 : y + 20, x - 20 : x + 20].gt(0).float().mean() > 0.9
    assert grad[:20, :20].sum() == 0
    # Two grey levels against the gradient bring the face closer to the other person.
    with torch.no_grad():
        stepped = (image - 2 * image.grad.sign()).clamp(0, 255)
        assert torch.linalg.norm(net(stepped, landmarks) - target) < distance - 0.01


@pytest.mark.slow
def test_end_to_end_matches_dlib_on_the_free_pose_photo_of_every_fourth_imm_person(imm_dir, net, dlib_model):
    worst = 0.0
    for person in range(2, 41, 4):
        path = sorted(imm_dir.glob(f"{person:02d}-6*.jpg"))[0]  # photo 6: free pose, the hardest
        rgb, landmarks = face_of(path)
        with dlib_lock():
            expected = np.array(dlib_model.compute_face_descriptor(rgb, dlib_shape(landmarks)))
        with torch.no_grad():
            got = net(as_batch([rgb]), torch.tensor(landmarks)[None])[0].numpy()
        worst = max(worst, float(np.abs(got - expected).max()))
    assert worst < TOLERANCE
