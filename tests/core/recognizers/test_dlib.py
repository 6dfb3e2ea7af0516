"""The dlib recognizer describes announced photos ahead in worker processes, with the same result."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.images import NoFaceFound, UnusableImage, load_rgb
from core.recognizers.dlib import DlibRecognizer
from core.recognizers.vector_memo import MEMO

from tests.photo_cases import background_only, truncate


def test_photos_described_ahead_match_this_process_and_keep_their_reasons(fixture_imm, tmp_path):
    photos = [fixture_imm / name for name in ("01-1m.jpg", "02-3m.jpg", "03-6m.jpg")]
    no_face, broken = tmp_path / "corner.png", tmp_path / "broken.jpg"
    background_only(photos[0], no_face)
    shutil.copy(photos[1], broken)
    truncate(broken)

    here = DlibRecognizer()
    expected = [here.embed(load_rgb(photo), photo) for photo in photos]

    MEMO.clear()  # else the vectors of another test's study would be found again, and no worker asked
    ahead = DlibRecognizer()
    ahead.expect([*photos, no_face, broken])
    assert all(np.array_equal(ahead.vector(photo), vector) for photo, vector in zip(photos, expected))
    with pytest.raises(NoFaceFound, match="corner.png: no face found"):
        ahead.vector(no_face)
    with pytest.raises(UnusableImage, match="broken.jpg: "):
        ahead.vector(broken)
    ahead.close()


def test_a_photo_is_embedded_once_per_process_by_its_bytes_and_afresh_when_rewritten(fixture_imm, tmp_path):
    photo, other = tmp_path / "a.jpg", fixture_imm / "02-1m.jpg"
    shutil.copy(fixture_imm / "01-1m.jpg", photo)
    recognizer = DlibRecognizer()
    first = recognizer.vector(photo)
    assert MEMO.key(recognizer.network, photo) in MEMO
    first[:] = 0  # a caller changing its copy does not change what the memo holds
    assert np.array_equal(recognizer.vector(photo), recognizer.embed(load_rgb(photo), photo))
    shutil.copy(other, photo)  # the same name, other bytes
    assert np.array_equal(recognizer.vector(photo), recognizer.embed(load_rgb(other), other))
    recognizer.close()


def test_a_photo_rewritten_after_a_worker_described_it_is_described_again(fixture_imm, tmp_path):
    """What a worker read ahead is used only for the bytes the study reads itself: a photo replaced meanwhile
    (a cloak written again) is not given its old vector, and the memo does not keep the old vector under the new bytes."""
    photo, other = tmp_path / "a.jpg", fixture_imm / "02-1m.jpg"
    shutil.copy(fixture_imm / "01-1m.jpg", photo)
    MEMO.clear()
    recognizer = DlibRecognizer()
    recognizer.expect([photo])
    future = recognizer._ahead.get(photo)
    if future is None:
        pytest.skip("one core: no worker describes photos ahead here")
    future.result(timeout=120)  # the worker has read and described the first photo
    shutil.copy(other, photo)
    expected = recognizer.embed(load_rgb(other), other)
    assert np.array_equal(recognizer.vector(photo), expected)
    assert np.array_equal(MEMO.get(MEMO.key(recognizer.network, photo)), expected)
    recognizer.close()
