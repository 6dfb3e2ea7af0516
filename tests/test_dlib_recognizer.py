"""The dlib recognizer describes announced photos ahead in worker processes, with the same result."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.images import NoFaceFound, UnusableImage
from core.recognizers.dlib import DlibRecognizer

from .photo_cases import background_only, truncate


def test_photos_described_ahead_match_this_process_and_keep_their_reasons(fixture_imm, tmp_path):
    photos = [fixture_imm / name for name in ("01-1m.jpg", "02-3m.jpg", "03-6m.jpg")]
    no_face, broken = tmp_path / "corner.png", tmp_path / "broken.jpg"
    background_only(photos[0], no_face)
    shutil.copy(photos[1], broken)
    truncate(broken)

    here = DlibRecognizer()
    expected = [here.vector(photo) for photo in photos]

    ahead = DlibRecognizer()
    ahead.expect([*photos, no_face, broken])
    assert all(np.array_equal(ahead.vector(photo), vector) for photo, vector in zip(photos, expected))
    with pytest.raises(NoFaceFound, match="corner.png: no face found"):
        ahead.vector(no_face)
    with pytest.raises(UnusableImage, match="broken.jpg: "):
        ahead.vector(broken)
    ahead.close()
