"""The CPU's fast paths of the optimisation compute what the plain formulas compute: the banded budget
views, the written-out SSIM gradient, the fused pasting of crops into their contexts, the batches, the
logistic form of the tanh space, the written photo's banded budget measure, the kept crops."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.cloaking.banded import Band
from core.cloaking.crops import BudgetMeter, BudgetView, face_region, photo_tensor
from core.cloaking.estimate import Speed
from core.cloaking.dssim import Reference, _blur_valid, _gradient, _pieces, _terms
from core.cloaking.optimise import TANH_K, FaceBatch, OptimisedFaces, from_tanh_space, to_tanh_space
from core.cloaking.plan import PhotoPlan, batches
from core.faces import detect_faces
from core.images import load_rgb

PHOTOS = ("01-1m.jpg", "02-3m.jpg", "03-5m.jpg")


def face_batch(fixture_imm: Path, version: str, banded: bool | None = None) -> FaceBatch:
    """A batch of three real faces, whose crops differ in size (one photo shrunk, so that padding is
    exercised)."""
    items = []
    for name, scale in zip(PHOTOS, (1.0, 0.7, 1.0)):
        rgb = load_rgb(fixture_imm / name)
        if scale != 1.0:
            small = Image.fromarray(rgb).resize((int(rgb.shape[1] * scale), int(rgb.shape[0] * scale)), Image.Resampling.LANCZOS)
            rgb = np.asarray(small)
        plan = PhotoPlan(fixture_imm / name, Path("unused.png"), "", "")
        plan.shape, plan.faces = rgb.shape[:2], detect_faces(rgb)
        items += plan.contexts(rgb, version)
    return FaceBatch(*(list(x) for x in zip(*items)), version, torch.device("cpu"), banded=banded)


@pytest.mark.parametrize("version", ["0.3", "1.0"])
def test_banded_views_equal_each_faces_dense_view_and_its_gradient(fixture_imm, version):
    batch = face_batch(fixture_imm, version)
    assert batch.banded is not None and len(set(batch.shapes)) >= 2  # padded to the largest
    torch.manual_seed(0)
    crops = (batch.source + torch.randn_like(batch.source) * 4 * batch.mask).requires_grad_(True)
    weights = torch.randn(batch.size, 3, *batch.squares(batch.source).shape[2:])
    (batch.squares(crops) * weights).sum().backward()
    for i, ((h, w), view) in enumerate(zip(batch.shapes, batch.views)):
        crop = crops[i, :, :h, :w].detach().double().requires_grad_(True)
        dense = view.square(crop / batch.stretch[i, 0, 0, 0].double())  # the view of the photo's crop
        (dense * weights[i].double()).sum().backward()
        assert torch.allclose(batch.squares(crops)[i].double(), dense, atol=2e-3)
        assert torch.allclose(crops.grad[i, :, :h, :w].double(), crop.grad, rtol=1e-4, atol=1e-5)
        assert not crops.grad[i, :, h:, :].any() and not crops.grad[i, :, :, w:].any()  # nothing reaches the padding


def autograd_ssim(reference: Reference, x: torch.Tensor) -> torch.Tensor:
    """SSIM through autograd's own chain rule (the blur's too), for comparison."""
    mu_x, blur_xx, blur_xy = _blur_valid(torch.stack([x, x * x, x * reference.y]), reference.tap_list)
    mu_xy = mu_x * reference.mu_y
    luminance = (2 * mu_xy + 6.5025) / (mu_x**2 + reference.mu_y**2 + 6.5025)
    contrast = (2 * blur_xy - 2 * mu_xy + 58.5225) / (blur_xx + reference.blur_yy - (mu_x**2 + reference.mu_y**2) + 58.5225)
    return (luminance * contrast).mean(dim=(2, 3)).mean(dim=1)


def test_written_out_ssim_gradient_is_autograds(fixture_imm):
    reference = Reference(face_batch(fixture_imm, "0.3").reference.y.double())  # float64: compare the rules, not roundings
    torch.manual_seed(1)
    x = (reference.y + torch.randn_like(reference.y) * 6).clamp(0, 255)
    ours, theirs = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    weights = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    (reference.ssim(ours) * weights).sum().backward()
    (autograd_ssim(reference, theirs) * weights).sum().backward()
    assert torch.allclose(reference.ssim(x), autograd_ssim(reference, x), rtol=1e-12, atol=0)
    assert torch.allclose(ours.grad, theirs.grad, rtol=1e-9, atol=1e-12 * float(theirs.grad.abs().max()))


def test_ssim_one_image_at_a_time_is_the_batchs_bit_for_bit(fixture_imm):
    """On a CPU SSIM takes the images one by one (a GPU takes the batch at once): the same values and
    gradients, bit for bit."""
    reference = face_batch(fixture_imm, "0.3").reference
    torch.manual_seed(3)
    x = (reference.y + torch.randn_like(reference.y) * 6).clamp(0, 255).requires_grad_(True)
    weights = torch.tensor([1.0, -2.0, 0.5])
    values = reference.ssim(x)
    (grad,) = torch.autograd.grad((values * weights).sum(), x)
    assert len(_pieces(x)) == x.shape[0]  # one image at a time here, on the CPU
    whole = slice(0, x.shape[0])
    terms = _terms(x.detach(), reference.part(whole))
    assert torch.equal(values.detach(), terms[-1].mean(dim=(2, 3)).mean(dim=1))
    assert torch.equal(grad, _gradient(weights.view(-1, 1, 1, 1), x.detach(), reference.part(whole), terms))


def test_pasted_crops_pass_exactly_their_slice_of_the_gradient_back(fixture_imm):
    batch = face_batch(fixture_imm, "0.3")
    crops = batch.original.clone().requires_grad_(True)
    contexts = batch.compose(crops)
    weights = torch.randn_like(contexts)
    (contexts * weights).sum().backward()
    for i, (l, t, r, b) in enumerate(batch.crops):
        assert torch.equal(contexts[i, :, t:b, l:r], batch.original[i, :, : b - t, : r - l])
        assert torch.equal(crops.grad[i, :, : b - t, : r - l], weights[i, :, t:b, l:r])
        assert not crops.grad[i, :, b - t :, :].any() and not crops.grad[i, :, :, r - l :].any()


def test_batches_are_as_even_as_whole_photos_allow():
    def plan(faces: int) -> PhotoPlan:
        return PhotoPlan(Path("p.jpg"), Path("p.png"), "", "", faces=[None] * faces)

    def sizes(faces, batch_size=8):
        return [sum(len(p.faces) for p in group) for group in batches([plan(n) for n in faces], batch_size)]

    assert sizes([1] * 10) == [5, 5]
    assert sizes([1] * 17) == [6, 6, 5]
    assert sizes([1] * 8) == [8]
    assert sizes([3, 3, 3]) == [6, 3]
    assert sizes([9]) == [9]  # a photo is never split


@pytest.mark.parametrize("version", ["0.3", "1.0"])
def test_banded_and_dense_views_agree_for_a_face_padded_in_its_batch(fixture_imm, version):
    """The shrunk photo's face is smaller than the batch's padded crops: the CPU's banded views and the GPU's
    dense batched products (run here on the CPU) give it the same view and the same gradient."""
    banded, dense = face_batch(fixture_imm, version, banded=True), face_batch(fixture_imm, version, banded=False)
    assert dense.banded is None and banded.shapes[1] < banded.original.shape[2:]  # face 1 is padded
    torch.manual_seed(3)
    start = banded.source + torch.randn_like(banded.source) * 3 * banded.mask
    weights = torch.randn_like(banded.squares(banded.source))
    grads = []
    for batch in (banded, dense):
        crops = start.clone().requires_grad_(True)
        view = batch.squares(crops)
        (view * weights).sum().backward()
        grads.append((view.detach(), crops.grad))
    (view_b, grad_b), (view_d, grad_d) = grads
    assert torch.allclose(view_b, view_d, atol=2e-3)
    assert torch.allclose(grad_b, grad_d, rtol=1e-4, atol=1e-5 * float(grad_d.abs().max()))
    h, w = banded.shapes[1]
    assert grad_b[1, :, :h, :w].abs().sum() > 0 and not grad_b[1, :, h:].any() and not grad_b[1, :, :, w:].any()


@pytest.mark.parametrize("version", ["0.3", "1.0"])
def test_band_is_the_dense_resize_and_its_adjoint_for_every_shape(version):
    """Crops from tiny (an upscale) to large, square, tall and wide, on both versions' squares: the banded
    product equals the dense one forwards and backwards, on both of its ways of adding the windows' gradients.
    Sides 32, 96 and 160 (0.3.1) and 50 (1.0) upscale with taps on the kernel's zeros, where a row's first
    weight can come after the next row's."""
    torch.manual_seed(4)
    ways = set()
    for side in (30, 32, 50, 96, 100, 112, 160, 224, 300, 449):
        for h, w in ((side, side), (side, max(2, side // 2)), (max(2, side // 2), side), (side, side - 10)):
            view = BudgetView(torch.rand(3, h, w) * 200 + 20, version)
            for dense in (view.rows, view.cols):
                band = Band(dense)
                ways.add(band.parity_adds)
                x = torch.rand(3, dense.shape[1], 7) * 255
                g = torch.randn(3, dense.shape[0], 7)
                assert torch.allclose(band.forward(x), dense @ x, atol=1e-3), (h, w)
                assert torch.allclose(band.backward(g), dense.T @ g, atol=1e-4), (h, w)
    assert ways == {True, False}  # both the strided adds and the window-by-window loop were exercised


def test_estimate_batches_are_the_engines():
    """``Speed.batch_sizes`` predicts the batches ``plan.batches`` makes of one-face photos."""
    def plan() -> PhotoPlan:
        return PhotoPlan(Path("p.jpg"), Path("p.png"), "", "", faces=[None])

    for batch_size in range(1, 10):
        for photos in range(0, 41):
            made = [len(group) for group in batches([plan() for _ in range(photos)], batch_size)]
            assert Speed.batch_sizes(photos, batch_size) == made, (photos, batch_size)


@pytest.mark.parametrize("version, as_written, box", [("0.3", True, None), ("0.3", False, None), ("1.0", True, 15.0), ("1.0", False, 15.0)])
def test_fused_image_step_equals_the_plain_formulas(fixture_imm, version, as_written, box):
    """The crops T(w_s + m) (boxed for 1.0) and the written photo crops, forwards bit for bit and
    backwards as autograd's chain rule gives them through the plain formulas."""
    batch = face_batch(fixture_imm, version)
    batch.as_written = as_written
    batch.gain = batch.gain if as_written else 1 / batch.stretch
    torch.manual_seed(2)
    start = torch.randn_like(batch.original) * batch.mask  # large enough to reach the box and the 0/255 clip
    ours, plain = start.clone().requires_grad_(True), start.clone().requires_grad_(True)
    crops, written = batch.image_and_written(ours, box)
    expected = from_tanh_space(batch.w_source + plain)
    if box is not None:
        expected = batch.source + torch.clamp(expected - batch.source, -box, box)
    expected_written = batch.written(expected)
    assert torch.equal(crops, expected) and torch.equal(written, expected_written)
    unclipped = batch.original + batch.change(expected)
    if box is None and as_written:  # (strict writes the change × 1/k: it cannot leave 0..255)
        assert bool(((unclipped < 0) | (unclipped > 255)).any())  # the written crops were clipped somewhere
    elif box is not None:
        assert bool(((crops - batch.source).abs() == box).any())  # the box was reached
    weights, weights_written = torch.randn_like(crops), torch.randn_like(written)
    ((crops * weights).sum() + (written * weights_written).sum()).backward()
    ((expected * weights).sum() + (expected_written * weights_written).sum()).backward()
    inside = plain.grad * batch.mask  # the padding around smaller crops gets no gradient
    assert torch.allclose(ours.grad, inside, rtol=1e-5, atol=1e-5 * float(inside.abs().max()))


def test_logistic_form_of_the_tanh_space_is_the_original_formula():
    """T(w) = SCALE·σ(2w) + OFFSET is (tanh(w)/K + 0.5)·255 to float rounding, over the whole range the
    variable takes, and still undoes ``to_tanh_space`` to a hundredth of a grey level."""
    w = torch.linspace(-8, 8, 200001)
    assert torch.allclose(from_tanh_space(w).double(), (torch.tanh(w.double()) / TANH_K + 0.5) * 255, rtol=0, atol=5e-5)
    levels = torch.arange(0, 256, dtype=torch.float32)
    assert float((from_tanh_space(to_tanh_space(levels)) - levels).abs().max()) < 1e-2


@pytest.mark.parametrize("version", ["0.3", "1.0"])
def test_budget_meter_is_the_dense_budget_view_for_every_candidate(fixture_imm, version):
    """The written photo's DSSIM, measured band by band with one reference per face, is the dense
    view's measure, for each of several candidates (the strict budget's bisection)."""
    rgb = load_rgb(fixture_imm / PHOTOS[0])
    faces = detect_faces(rgb)
    regions = [face_region(f.box, rgb.shape[0], rgb.shape[1], version, len(faces)) for f in faces]
    original = photo_tensor(rgb)
    meter = BudgetMeter(original, regions, version)
    generator = torch.Generator().manual_seed(5)
    for amplitude in (1, 4, 12):
        cloaked = (original + torch.randint(-amplitude, amplitude + 1, original.shape, generator=generator)).clamp(0, 255)
        dense = []
        for region in regions:
            l, t, r, b = region.crop
            view = BudgetView(original[:, t:b, l:r], version)
            dense.append(float(Reference(view.square(original[:, t:b, l:r])[None]).dssim(view.square(cloaked[:, t:b, l:r])[None])[0]))
        assert meter.dssim(cloaked) == pytest.approx(dense, rel=1e-9, abs=1e-12)
        assert dense[0] > 0


def test_kept_crops_are_each_faces_best_when_all_or_some_improve(fixture_imm):
    """Taking a step's crops whole when every face improved, then copying only the faces that improved
    next, keeps for each face the crops of its own best step."""
    batch = face_batch(fixture_imm, "0.3")
    best = OptimisedFaces.start(batch, [])
    first, second = (batch.source + 1).requires_grad_(True), batch.source + 2  # (a step's crops carry a graph)
    best.keep(torch.tensor([True, True, True]), first, torch.tensor([0.1, 0.1, 0.1]), torch.tensor([1.0, 1.0, 1.0]))
    assert best.crops.data_ptr() == first.data_ptr() and not best.crops.requires_grad  # taken whole, not copied
    best.keep(torch.tensor([False, True, False]), second, torch.tensor([0.2, 0.2, 0.2]), torch.tensor([2.0, 2.0, 2.0]))
    assert torch.equal(best.crops[0], batch.source[0] + 1) and torch.equal(best.crops[2], batch.source[2] + 1)
    assert torch.equal(best.crops[1], batch.source[1] + 2)
    assert best.merit.tolist() == [1.0, 2.0, 1.0] and best.dssim.tolist() == pytest.approx([0.1, 0.2, 0.1])
