"""A tracker that cleans every photo it sees: each step really changes the pixels the way it says, and the network
is given the cleaned photo for the enrolled photos and the test photos alike, never a clean photo's vector."""
from __future__ import annotations

import numpy as np
import pytest

from core.recognizers.registry import recognizer_class
from core.images import load_rgb
from core.images import decode, encode_jpeg
from core.recognizers.cleaning import CLEANING, Bits, Blur, Jpeg, Median, Resize
from core.recognizers.dlib import DlibRecognizer
from core.recognizers.vector_memo import MEMO

from tests.conftest import FIXTURES


def _detail(rgb: np.ndarray) -> float:
    """How much fine detail a photo has: the mean jump between neighbouring pixels."""
    return float(np.abs(np.diff(rgb.astype(np.int16), axis=1)).mean())


@pytest.fixture(scope="module")
def photo():
    return load_rgb(FIXTURES / "imm" / "01-1m.jpg")


def test_blur_and_resize_remove_fine_detail_and_keep_the_size(photo):
    for step in (Blur(2), Resize(160)):
        cleaned = step.clean(photo)
        assert cleaned.shape == photo.shape and cleaned.dtype == np.uint8
        assert _detail(cleaned) < 0.8 * _detail(photo)
    assert Resize(640).clean(photo) is photo  # already that small: left as it is


def test_median_removes_isolated_specks(photo):
    specked = photo.copy()
    specked[100:400:20, 100:600:20] = 255  # single white pixels, 20 px apart
    cleaned = Median(3).clean(specked)
    assert np.abs(cleaned[100:400:20, 100:600:20].astype(int) - photo[100:400:20, 100:600:20]).mean() < 20
    assert (specked[100:400:20, 100:600:20] == 255).all()


def test_bits_keep_two_to_the_b_levels_per_channel(photo):
    cleaned = Bits(4).clean(photo)
    assert all(len(np.unique(cleaned[..., c])) <= 16 < len(np.unique(photo[..., c])) for c in range(3))


def test_jpeg_cleaning_is_the_condition_modifiers_encoder(photo):
    assert np.array_equal(Jpeg(50).clean(photo), decode(encode_jpeg(photo, 50)))
    assert not np.array_equal(Jpeg(50).clean(photo), photo)


@pytest.mark.parametrize("step", [c.prefix + ":" + c.presets[0] for c in CLEANING])
def test_the_network_sees_cleaned_enrolled_and_test_photos(step, fixture_imm):
    """Each candidate's score is the distance between the cleaned test photo's descriptor and the cleaned training
    photo's (one a person), and differs from the clean tracker's."""
    train, test = {"01": fixture_imm / "01-1m.jpg", "02": fixture_imm / "02-1m.jpg"}, fixture_imm / "01-6m.jpg"
    cleaning = recognizer_class(f"dlib{step}")()
    clean = DlibRecognizer()
    for recognizer in (cleaning, clean):
        for person, file in train.items():
            recognizer.enrol(person, file)
    (cleaner,) = cleaning.cleaning

    def seen(file):
        return clean.embed(cleaner.clean(load_rgb(file)), file)

    expected = {p: float(np.linalg.norm(seen(f) - seen(test))) for p, f in train.items()}
    scored = {c.person: c.score for c in cleaning.identify(test)}
    assert scored == pytest.approx(expected, abs=1e-9)
    assert all(abs(scored[p] - c) > 1e-4 for p, c in {c.person: c.score for c in clean.identify(test)}.items())


def test_cleaned_vectors_are_kept_apart_from_clean_ones_and_worked_out_alike_ahead(fixture_imm):
    photo = fixture_imm / "03-2m.jpg"
    MEMO.clear()
    cleaning, clean = recognizer_class("dlib+median:5")(), DlibRecognizer()
    cleaning.expect([photo])  # described in a worker process where there are several cores
    assert np.array_equal(cleaning.vector(photo), clean.embed(Median(5).clean(load_rgb(photo)), photo))
    assert np.array_equal(clean.vector(photo), clean.embed(load_rgb(photo), photo))  # not the cleaned one's
    assert MEMO.key(cleaning.vectors_key, photo) != MEMO.key(clean.vectors_key, photo)
    cleaning.close()
