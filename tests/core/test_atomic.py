"""The one atomic writer: the whole new file or the old one, never half of either, and no temporary file left."""
from __future__ import annotations

import json
import os
import stat

import pytest

from core.atomic import write_atomic, write_bytes_atomic, write_json_atomic, write_text_atomic


class Interrupted(Exception):
    pass


def test_the_shapes_write_what_they_are_given_into_new_folders(tmp_path):
    write_bytes_atomic(tmp_path / "a" / "b.bin", b"\x00\x01")
    write_text_atomic(tmp_path / "a" / "c.txt", "é\n")
    write_json_atomic(tmp_path / "d.json", {"path": tmp_path, "n": 1})
    assert (tmp_path / "a" / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a" / "c.txt").read_bytes() == "é\n".encode("utf-8")
    assert (tmp_path / "d.json").read_text(encoding="utf-8") == json.dumps({"path": str(tmp_path), "n": 1}, indent=2) + "\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b.bin", "c.txt", "d.json"]


def test_a_file_written_is_an_ordinary_file_not_a_private_one(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    write_text_atomic(tmp_path / "f.txt", "x")
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("failure", [Interrupted, KeyboardInterrupt])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path, failure):
    target = tmp_path / "results.csv"
    target.write_text("old, complete\n", encoding="utf-8")

    def fill(fh):
        fh.write(b"new, half")
        raise failure()

    with pytest.raises(failure):
        write_atomic(target, fill)
    assert target.read_text(encoding="utf-8") == "old, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_an_interrupted_first_write_leaves_nothing(tmp_path):
    def fill(fh):
        fh.write(b"half")
        raise Interrupted()

    with pytest.raises(Interrupted):
        write_atomic(tmp_path / "new.json", fill, suffix=".part")
    assert list(tmp_path.iterdir()) == []


def test_a_write_replaces_the_old_file_whole(tmp_path):
    target = tmp_path / "summary.json"
    write_json_atomic(target, {"long": "x" * 1000})
    write_json_atomic(target, {"short": 1})
    assert json.loads(target.read_text(encoding="utf-8")) == {"short": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
