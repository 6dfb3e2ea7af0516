"""Our Fawkes engine on real IMM photos with the real dlib network (rebuilt in PyTorch)."""
from __future__ import annotations

import argparse
import csv
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from core.cloaking import command, compare_command
from core.cloaking.compare import compare_photos
from core.cloaking.condition import cloaking_condition
from core.cloaking.crops import BudgetView, face_region, original_box
from core.cloaking.dssim import dssim
from core.cloaking.engine import REPORT_NAME, CloakSettings, cloak_photos, load_extractor
from core.cloaking.estimate import describe_run
from core.cloaking.fawkes_v031 import learning_rate
from core.cloaking.fawkes_v10 import next_weight
from core.cloaking.modes import MODES, get_mode
from core.cloaking.optimise import Adadelta
from core.cloaking.settings import AS_WRITTEN, STRICT
from core.cloaking.targets import TargetPool, assign_targets
from core.datasets import open_dataset
from core.faces import detect_faces
from core.images import UnusableImage, load_rgb
from core.jobs import Cancelled, Job
from core.split import make_split
from core.torch_threads import torch_threads
from tests.conftest import REPO

FAKE_FAWKES = REPO / "tests" / "fake_fawkes.py"
QUICK = {"th": 0.004, "steps": 3, "lr": 20}  # a few steps: for tests about the machinery, not a preset


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One cache for the module, so the target pool is embedded once."""
    return tmp_path_factory.mktemp("cloak_cache")


@pytest.fixture
def pool(fixture_imm) -> dict[str, list[Path]]:
    return {person: [p.path for p in photos] for person, photos in open_dataset(fixture_imm).people().items()}


def person_01(fixture_imm, names=("01-1m.jpg", "01-2m.jpg")):
    photos = [fixture_imm / n for n in names]
    return photos, {p: "01" for p in photos}


def test_compare_photos_measures_files_and_refuses_a_photo_of_another_size(fixture_imm, tmp_path):
    photo = fixture_imm / "01-1m.jpg"
    same = compare_photos(photo, photo)
    assert (same.faces, same.dssim, same.psnr, same.max_change) == (1, 0.0, math.inf, 0)
    smaller = tmp_path / "01-1m_min_cloaked.png"
    Image.open(photo).resize((320, 240)).save(smaller)
    with pytest.raises(UnusableImage, match="01-1m_min_cloaked.png: is 320×240 pixels, its original 01-1m.jpg 640×480"):
        compare_photos(photo, smaller)


# ---------------------------------------------------------------------------------------------
# The measure and the optimiser


def numpy_dssim(x: np.ndarray, y: np.ndarray) -> float:
    """The specification written out directly: full 11×11 window, VALID, per channel, float64."""
    coords = np.arange(11) - 5
    g = np.exp(-(coords**2) / (2 * 1.5**2))
    window = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    per_channel = []
    for ch in range(3):
        a, b = x[..., ch].astype(np.float64), y[..., ch].astype(np.float64)
        def blur(img):
            return np.einsum("ijkl,kl->ij", sliding_window_view(img, (11, 11)), window)
        mu_a, mu_b = blur(a), blur(b)
        var_a, var_b, cov = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2, blur(a * b) - mu_a * mu_b
        lum = (2 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
        cs = (2 * cov + c2) / (var_a + var_b + c2)
        per_channel.append((lum * cs).mean())
    return (1 - float(np.mean(per_channel))) / 2


def test_dssim_matches_the_specification_computed_directly(fixture_imm):
    photo = load_rgb(fixture_imm / "02-3m.jpg")[100:230, 200:360]  # a face area, not square
    rng = np.random.default_rng(0)
    for noise in (2, 12):
        noisy = np.clip(photo + rng.normal(0, noise, photo.shape), 0, 255)
        ours = dssim(*(torch.from_numpy(np.ascontiguousarray(v)).permute(2, 0, 1)[None].double() for v in (noisy, photo)))
        assert float(ours[0]) == pytest.approx(numpy_dssim(noisy, photo), rel=1e-9, abs=1e-12)
    same = torch.from_numpy(photo.copy()).permute(2, 0, 1)[None].float()
    assert float(dssim(same, same)[0]) == pytest.approx(0.0, abs=1e-7)
    # its hand-written gradient agrees with finite differences
    small = torch.from_numpy(photo[:16, :15].copy()).permute(2, 0, 1)[None].double()
    start = (small + torch.rand(small.shape, generator=torch.Generator().manual_seed(0)) * 20).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: dssim(x, small), (start,))


def test_adadelta_is_the_keras_rule(fixture_imm):
    torch.manual_seed(0)
    ours, reference = torch.zeros(50), torch.zeros(50, requires_grad=True)
    mine = Adadelta(ours, rho=0.95, eps=1e-8)
    theirs = torch.optim.Adadelta([reference], lr=40, rho=0.95, eps=1e-8)
    acc_g, acc_d, by_hand = np.zeros(50), np.zeros(50), np.zeros(50)
    for _ in range(5):
        grad = torch.randn(50)
        mine.step(grad, lr=40)
        reference.grad = grad.clone()
        theirs.step()
        g = grad.double().numpy()
        acc_g = 0.95 * acc_g + 0.05 * g**2
        update = g * np.sqrt(acc_d + 1e-8) / np.sqrt(acc_g + 1e-8)
        acc_d = 0.95 * acc_d + 0.05 * update**2
        by_hand -= 40 * update
    assert torch.allclose(ours, reference.detach(), rtol=1e-5, atol=1e-7)
    assert np.allclose(ours.double().numpy(), by_hand, rtol=1e-4, atol=1e-7)


def test_v10_weight_schedule_doubles_halves_and_cycles():
    th = 0.01
    weight, move = torch.tensor([1.0, 256.0, 4.0, 8.0, 2.0]), torch.tensor([0.0, 1.0, -1.0, 1.0, 1.0])
    distortion = torch.tensor([0.001, 0.001, 0.001, 0.02, 0.0100])
    weight, move = next_weight(weight, move, distortion, th)
    assert weight.tolist() == [2.0, 1.0, 1.0, 1.0, 1.0]  # doubled; past 256 back to 1; was halved: 1; was doubled: 1; in band: 1
    assert move.tolist() == [1.0, 1.0, 1.0, -1.0, 0.0]


def test_modes_follow_the_specification_table(tmp_path):
    assert {(m.version, m.name): (m.threshold, m.steps, m.learning_rate) for m in MODES.values()} == {
        ("0.3", "min"): (0.002, 20, 40), ("0.3", "low"): (0.003, 50, 35), ("0.3", "mid"): (0.005, 200, 20),
        ("0.3", "high"): (0.008, 500, 10), ("0.3", "ultra"): (0.01, 1000, 8),
        ("1.0", "low"): (0.004, 40, 25), ("1.0", "mid"): (0.012, 75, 20), ("1.0", "high"): (0.017, 150, 15),
    }
    assert get_mode("0.3.1", "custom", {"th": 0.004, "steps": 7}).steps == 7
    with pytest.raises(ValueError, match="no mode 'min'"):
        get_mode("1.0", "min")
    unmeasured = describe_run("0.3", "high", None, ("dlib",), "cpu", data_dir=tmp_path, measure=False)
    assert "0.008" in unmeasured and "per face" not in unmeasured  # the time per face comes from a measurement, never a guess


# ---------------------------------------------------------------------------------------------
# Cloaking photos


def test_strict_min_mode_stays_within_budget_and_changes_only_the_face(fixture_imm, pool, tmp_path, cache_dir):
    """With a strict budget, 0.3.1 min keeps every written photo within DSSIM 0.002 on the original's view."""
    photos, person_of = person_01(fixture_imm, ("01-1m.jpg", "01-3m.jpg", "01-4m.jpg"))
    settings = CloakSettings(version="0.3", mode="min", cache_dir=cache_dir, batch_size=3, strict_budget=True)
    reports = cloak_photos(photos, tmp_path, settings, pool=pool, person_of=person_of)
    assert [r.problem for r in reports] == [None] * 3
    for photo, report in zip(photos, reports):
        assert report.output == tmp_path / f"{photo.stem}_min_cloaked.png"
        assert 0 < report.dssim <= 0.002 and report.variant == STRICT
        assert compare_photos(photo, report.output, "0.3").dssim == pytest.approx(report.dssim, rel=1e-6)
        before, after = load_rgb(photo), np.asarray(Image.open(report.output))
        assert after.shape == before.shape  # the photo keeps its size
        changed = np.argwhere(np.any(after != before, axis=2))
        l, t, r, b = face_region(detect_faces(before)[0].box, *before.shape[:2], "0.3", 1).crop
        assert changed[:, 0].min() >= t and changed[:, 0].max() < b and changed[:, 1].min() >= l and changed[:, 1].max() < r
        assert report.max_change == int(np.abs(after.astype(int) - before).max()) > 0
        assert report.psnr > 40 and report.feature_shift["dlib"] > 0
    with (tmp_path / REPORT_NAME).open() as fh:
        rows = list(csv.DictReader(fh))
    assert [Path(r["photo"]).name for r in rows] == [p.name for p in photos] and rows[0]["shift_dlib"]
    assert rows[0]["variant"] == STRICT and rows[0]["view"] == "0.3.1 crop view (224 px)"


def test_white_box_cloak_moves_dlib_a_lot_within_budget(fixture_imm, pool, tmp_path, cache_dir):
    photos, person_of = person_01(fixture_imm, ("01-2m.jpg",))
    settings = CloakSettings(version="0.3", mode="custom", custom={"th": 0.01, "steps": 20, "lr": 30}, cache_dir=cache_dir)
    (report,) = cloak_photos(photos, tmp_path, settings, pool=pool, person_of=person_of)
    assert report.output.name == "01-2m_custom_cloaked.png" and report.variant == AS_WRITTEN
    # dlib's own distance between the cloaked and the clean photo: past its 0.6 same-person threshold
    net = load_extractor("dlib", torch.device("cpu"))
    descriptors = []
    for path in (photos[0], report.output):
        rgb = load_rgb(path)
        face = detect_faces(rgb)[0]
        image = torch.from_numpy(rgb.copy()).permute(2, 0, 1)[None].float()
        with torch.no_grad():
            descriptors.append(net(image, torch.tensor(face.landmarks, dtype=torch.float32)[None])[0])
    distance = float(torch.linalg.vector_norm(descriptors[0] - descriptors[1]))
    assert distance > 0.6, f"dlib distance between the cloaked and the clean photo only {distance:.3f}"


def test_v10_is_deterministic_per_seed_and_reuses_its_cache(fixture_imm, tmp_path):
    photos = [fixture_imm / "02-1m.jpg"]
    def settings(seed: int, cache: str) -> CloakSettings:
        return CloakSettings(version="1.0", mode="custom", custom=QUICK, seed=seed, cache_dir=tmp_path / cache)

    first = cloak_photos(photos, tmp_path / "a", settings(3, "cache"))[0]
    with torch_threads(1):  # whatever thread count other work left behind, the engine uses the machine's
        again = cloak_photos(photos, tmp_path / "b", settings(3, "empty cache"))[0]
    reused = cloak_photos(photos, tmp_path / "c", settings(3, "cache"))[0]  # another folder, the same cache
    other_seed = cloak_photos(photos, tmp_path / "d", settings(4, "cache"))[0]
    assert first.output.name == "02-1m_cloaked.png" and not first.cached
    assert first.output.read_bytes() == again.output.read_bytes()  # same photo, settings and seed: same cloak
    assert reused.cached and not again.cached and not other_seed.cached and reused.dssim == first.dssim
    assert reused.output.read_bytes() == first.output.read_bytes()
    assert other_seed.output.read_bytes() != first.output.read_bytes()
    assert first.max_change <= 15 * 1.2 + 1  # v1.0's ±15 box on the stretched view, stretched again (k′) when written


def test_photo_without_face_or_unreadable_is_reported_not_written(fixture_imm, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    gradient = np.tile(np.linspace(0, 255, 320, dtype=np.uint8), (240, 1))
    Image.fromarray(np.stack([gradient] * 3, axis=2)).save(inputs / "wall.png")
    (inputs / "broken.jpg").write_bytes(b"not a jpeg at all")
    shutil.copy(fixture_imm / "03-1m.jpg", inputs / "03-1m.jpg")
    photos = [inputs / "wall.png", inputs / "broken.jpg", inputs / "03-1m.jpg"]
    reports = cloak_photos(photos, tmp_path / "out", CloakSettings(version="1.0", mode="custom", custom=QUICK))
    assert "no face found" in reports[0].problem and reports[0].output is None
    assert "not an image" in reports[1].problem
    assert reports[2].problem is None and reports[2].output.is_file()
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["03-1m_cloaked.png"]


def test_cancel_stops_between_steps(fixture_imm, tmp_path):
    job = Job(lambda p: job.cancel() if p.stage == "Cloaking" and p.done >= 2 else None)
    settings = CloakSettings(version="1.0", mode="low")
    with pytest.raises(Cancelled):
        cloak_photos([fixture_imm / "02-2m.jpg"], tmp_path, settings, job)
    assert not list(tmp_path.glob("*.png"))
    assert (tmp_path / REPORT_NAME).is_file()


# ---------------------------------------------------------------------------------------------
# Study conditions and the command line


def _fixture_study(fixture_imm):
    dataset = open_dataset(fixture_imm)
    return dataset, make_split(dataset, "imm", 0)


def test_fawkes_condition_labels_white_and_black_box(fixture_imm, tmp_path):
    dataset, split = _fixture_study(fixture_imm)
    split.train = {person: files[:2] for person, files in split.train.items()}  # fewer photos: this is about the wiring
    condition = cloaking_condition("fawkes:0.3:custom", extractors=["dlib"], seed=1, custom={"th": 0.003, "steps": 1, "lr": 20})
    prepared = condition.prepare(dataset, split, tmp_path)
    assert sorted(prepared.training) == ["01", "02", "03"] and not prepared.set_aside
    assert all(len(files) == 2 and all(f.is_file() and f.name.endswith("_custom_cloaked.png") for f in files) for files in prepared.training.values())
    assert prepared.judged_as("dlib") == "white-box" and prepared.judged_as("mobileface") == "black-box"
    # a tracker that matches or cleans photos its own way still judges with the network the cloak was made against
    assert {prepared.judged_as(t) for t in ("dlib/nearest", "dlib/linear/screened+median:3")} == {"white-box"}
    assert prepared.judged_as("mobileface/nearest") == "black-box"
    assert any("other people of this study" in note for note in prepared.notes)
    with pytest.raises(ValueError, match="no mode 'ultra'"):
        cloaking_condition("fawkes:1.0:ultra")


def test_original_program_stand_in_is_run_and_imported(fixture_imm, tmp_path):
    dataset, split = _fixture_study(fixture_imm)
    notes = []
    condition = cloaking_condition("external:min", external_command=f"{sys.executable} {FAKE_FAWKES}")
    prepared = condition.prepare(dataset, split, tmp_path, Job(lambda p: notes.append(p.message) if p.stage == "note" else None))
    assert sorted(prepared.training) == ["01", "02", "03"] and not prepared.set_aside
    assert all(f.name.endswith("_min_cloaked.png") for files in prepared.training.values() for f in files)
    assert prepared.judged_as("dlib") == "black-box"
    assert any("Protected 15 images" in n for n in notes)
    assert not list(fixture_imm.glob("*_cloaked*"))  # it ran on a copy

    with pytest.raises(FileNotFoundError, match="not found"):
        cloaking_condition("external:min", external_command="no-such-fawkes-program").prepare(dataset, split, tmp_path / "x")
    failing = cloaking_condition("external:high", external_command=f"{sys.executable} {FAKE_FAWKES} --fail")
    with pytest.raises(RuntimeError, match="exit code 3: Failed to load"):
        failing.prepare(dataset, split, tmp_path / "y")


def _cli_args(**values) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args([f"--{k.replace('_', '-')}={v}" for k, v in values.items()])


def test_command_line_cloaks_a_folder_and_refuses_bad_input(fixture_imm, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(fixture_imm / "01-5m.jpg", inputs / "01-5m.jpg")
    assert command.run(_cli_args(input=inputs, output=tmp_path / "out", version="1.0", mode="custom", steps=2)) == 0
    assert (tmp_path / "out" / "01-5m_cloaked.png").is_file() and (tmp_path / "out" / REPORT_NAME).is_file()
    assert "1 of 1 photos cloaked" in capsys.readouterr().out
    with pytest.raises(ValueError, match="--target-pool"):
        command.run(_cli_args(input=inputs, output=tmp_path / "out2", version="0.3", mode="min"))
    with pytest.raises(NotADirectoryError):
        command.run(_cli_args(input=tmp_path / "missing", output=tmp_path / "out3"))


# ---------------------------------------------------------------------------------------------
# As the original wrote it (specification §7)


def test_budget_view_is_the_stretched_pillow_bicubic_square(fixture_imm):
    rgb = load_rgb(fixture_imm / "02-3m.jpg")
    crop = rgb[90:380, 180:420]  # 290 × 240: pasted top-left on a black 290-px square
    view = BudgetView(torch.from_numpy(crop.copy()).permute(2, 0, 1).double(), "0.3")
    square = np.zeros((290, 290, 3), np.float32)
    square[:, :240] = crop * (255.0 / crop.max())  # Keras' array_to_img stretch
    expected = np.stack([np.asarray(Image.fromarray(square[..., c], mode="F").resize((224, 224), Image.Resampling.BICUBIC)) for c in range(3)])
    ours = view.square(torch.from_numpy(crop.copy()).permute(2, 0, 1).double()).numpy()
    assert view.stretch == pytest.approx(255.0 / crop.max()) and view.stretch > 1
    assert np.abs(ours - expected).max() < 1e-3


def test_v031_margin_is_asymmetric_and_decay_comes_after_update_steps_over_3():
    box = (200, 150, 300, 290)  # dlib's box; the original's (MTCNN) box is narrower and taller
    left, top, right, bottom = original_box(box)
    w, h = right - left, bottom - top
    assert w < 100 and h > 140
    crop = face_region(box, 1000, 1000, "0.3", 1).crop
    near, far = int(w * 0.7) / 2, int(h * 0.7) / 2  # left and top by the width's, right and bottom by the height's
    assert crop == (int(left - near), int(top - near), int(right + far), int(bottom + far))
    mode = get_mode("0.3", "custom", {"steps": 9, "lr": 10})
    assert [learning_rate(mode, i) for i in range(9)] == pytest.approx([10, 10, 10, 10, 8, 8, 8, 6.4, 6.4])


def test_one_target_per_run_takes_the_identitys_photos_without_replacement():
    import random

    pool = TargetPool({name: [(Path(f"{name}-{i}.png"), [torch.randn(4, generator=torch.Generator().manual_seed(n * 10 + i))]) for i in range(5)]
                       for n, name in enumerate(["a", "b", "c"])})
    own = [[torch.randn(4)] for _ in range(4)]
    targets = assign_targets(pool, own, None, False, random.Random(1), [random.Random(i) for i in range(4)])
    assert len({tuple(t[0].tolist()) for t in targets}) == 4  # four faces, four different photos of one identity
    per_face = assign_targets(pool, own, "a", True, random.Random(1), [random.Random(i) for i in range(4)])
    assert all(not any(torch.equal(t[0], f[0]) for _, f in pool.images["a"]) for t in per_face)  # never the excluded identity


def test_as_written_goes_past_the_budget_and_strict_stays_within(fixture_imm, pool, tmp_path, cache_dir):
    """The original's output is past its budget (its stretch and best-iterate rule); strict keeps it; the
    cache tells the two apart."""
    photos, person_of = person_01(fixture_imm, ("01-5m.jpg",))
    tight = {"th": 0.0005, "steps": 4, "lr": 30}
    made = {}
    for strict in (False, True):
        settings = CloakSettings(version="0.3", mode="custom", custom=tight, cache_dir=cache_dir, strict_budget=strict)
        (made[strict],) = cloak_photos(photos, tmp_path / str(strict), settings, pool=pool, person_of=person_of)
    assert not made[True].cached  # not the as-written cloak from the cache
    assert made[False].variant == AS_WRITTEN and made[False].dssim > 1.2 * tight["th"]
    assert made[True].variant == STRICT and 0 < made[True].dssim <= tight["th"]
    for report in made.values():
        assert compare_photos(photos[0], report.output).dssim == pytest.approx(report.dssim, rel=1e-6)


def test_compare_command_writes_compare_csv_and_names_the_view(fixture_imm, tmp_path, monkeypatch, capsys):
    originals, cloaks = tmp_path / "originals", tmp_path / "cloaks"
    originals.mkdir()
    cloaks.mkdir()
    for name in ("01-1m.jpg", "02-1m.jpg"):
        shutil.copy(fixture_imm / name, originals / name)
    rgb = load_rgb(fixture_imm / "01-1m.jpg").astype(int)
    rgb[200:260, 280:340] += 6  # inside the face box only
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(cloaks / "01-1m_min_cloaked.png")
    monkeypatch.setenv("FAWKES_TRACKER_DATA", str(tmp_path / "data"))
    parser = argparse.ArgumentParser()
    compare_command.add_arguments(parser)
    assert compare_command.run(parser.parse_args(["--originals", str(originals), "--cloaks", str(cloaks)])) == 0
    (written,) = (tmp_path / "data" / "compare").glob("*/compare.csv")
    with written.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:6] == ["original", "cloak", "dssim", "psnr_db", "largest_change", "view"]
    assert len(rows) == 1 and rows[0]["largest_change"] == "6" and float(rows[0]["dssim"]) > 0
    assert rows[0]["view"] == "0.3.1 crop view (224 px), by its name"
    assert "mean over 1 photos" in capsys.readouterr().out
    (cloaks / "01-1m_min_cloaked.png").rename(cloaks / "01-1m_cloaked.png")  # the same change, no mode in its name
    assert compare_photos(originals / "01-1m.jpg", cloaks / "01-1m_cloaked.png").view == "1.0 crop view (112 px), by its footprint"
    with pytest.raises(ValueError, match="cloaks' folder"):
        compare_command.run(parser.parse_args(["--originals", str(originals), "--cloaks", str(cloaks), "--out", str(cloaks / "x")]))


def test_strangers_are_held_out_of_the_split_and_are_the_only_targets(fixture_imm, tmp_path):
    dataset = open_dataset(fixture_imm)
    split = make_split(dataset, "imm", 3, strangers=1)
    (stranger,) = split.strangers
    assert stranger not in split.train and stranger not in split.test and len(split.people) == 2
    assert make_split(dataset, "imm", 3, strangers=1).strangers == [stranger]  # chosen with the seed
    assert split.seed == 3 and make_split(dataset, "imm", 3).seed is None  # recorded where it chose someone
    split.train = {person: files[:1] for person, files in split.train.items()}
    condition = cloaking_condition("fawkes:0.3:custom", custom={"th": 0.003, "steps": 1, "lr": 20}, target_pool="strangers:1",
                                   cache_dir=tmp_path / "cache")
    prepared = condition.prepare(dataset, split, tmp_path)
    assert sorted(prepared.training) == sorted(split.train)
    assert any("targets among 1 stranger held out of the study" in note for note in prepared.notes)
    (pool_file,) = (tmp_path / "cache").glob("pool-*.pt")
    assert set(torch.load(pool_file, weights_only=False)["images"]) == {stranger}  # the only identity targets came from
    with pytest.raises(ValueError, match="holds 1 people out of the study"):
        condition.prepare(dataset, make_split(dataset, "imm", 3), tmp_path / "b")
