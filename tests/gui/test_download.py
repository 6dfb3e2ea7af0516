"""The IMM download against a local HTTP server (a stand-in for DTU's): resume, checksum, cancel, unpack."""
from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
import pytest

from core.download import DownloadError, download_file, download_imm
from core.jobs import Cancelled, Job


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves one zip, honours ``Range: bytes=N-`` like DTU's Apache, and can break off mid-file."""

    payload = b""
    cut_after: int | None = None  # close the connection after this many bytes (once)
    ranges_seen: list = []

    def do_GET(self):
        data, start = self.payload, 0
        header = self.headers.get("Range")
        if header:
            start = int(header.split("=")[1].split("-")[0])
            self.ranges_seen.append(start)
            if start >= len(data):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if type(self).cut_after is not None:
            self.wfile.write(body[: type(self).cut_after])
            type(self).cut_after = None
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def imm_zip(fixture_imm) -> bytes:
    """A zip laid out like DTU's: the photos (and an annotation file) inside one folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for photo in sorted(fixture_imm.glob("*.jpg")):
            zf.write(photo, f"imm_face_db/{photo.name}")
        zf.writestr("imm_face_db/01-1m.asf", "annotation points\n")
    return buffer.getvalue()


@pytest.fixture
def server(imm_zip):
    handler = type("Handler", (RangeHandler,), {"payload": imm_zip, "cut_after": None, "ranges_seen": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_port}/imm_face_db.zip"
    httpd.shutdown()
    httpd.server_close()


def test_download_unpacks_the_photos_and_records_the_checksum(server, tmp_path, imm_zip, fixture_imm):
    _, url = server
    notes = []
    photos = download_imm(tmp_path, Job(lambda p: notes.append(p.message) if p.stage == "note" else None), url)
    assert photos == tmp_path / "imm_face_db" / "imm_face_db"
    assert sorted(p.name for p in photos.glob("*.jpg")) == sorted(p.name for p in fixture_imm.glob("*.jpg"))
    assert (photos / "01-6m.jpg").read_bytes() == (fixture_imm / "01-6m.jpg").read_bytes()
    recorded = (tmp_path / "imm_face_db.zip.sha256").read_text().split()[0]
    assert recorded == hashlib.sha256(imm_zip).hexdigest()
    assert any("no checksum is published" in n for n in notes)


def test_a_broken_download_resumes_where_it_stopped(server, tmp_path, imm_zip):
    handler, url = server
    handler.cut_after = 5000
    with pytest.raises(DownloadError, match="continue where it stopped"):
        download_file(url, tmp_path / "imm.zip")
    assert (tmp_path / "imm.zip.part").stat().st_size == 5000
    download_file(url, tmp_path / "imm.zip", sha256=hashlib.sha256(imm_zip).hexdigest())
    assert handler.ranges_seen == [5000]
    assert (tmp_path / "imm.zip").read_bytes() == imm_zip


def test_a_wrong_checksum_is_refused_and_the_file_deleted(server, tmp_path):
    _, url = server
    with pytest.raises(DownloadError, match="checksum does not match"):
        download_file(url, tmp_path / "imm.zip", sha256="0" * 64)
    assert not (tmp_path / "imm.zip").exists() and not (tmp_path / "imm.zip.part").exists()


def test_cancel_keeps_the_part_for_later(server, tmp_path):
    _, url = server
    job = Job(lambda p: job.cancel() if p.done > 0 else None)
    with pytest.raises(Cancelled):
        download_file(url, tmp_path / "imm.zip", job)
    assert (tmp_path / "imm.zip.part").stat().st_size > 0
    assert not (tmp_path / "imm.zip").exists()


def test_an_unreachable_server_gives_a_plain_reason(tmp_path):
    with pytest.raises(DownloadError, match="Cannot reach"):
        download_file("http://127.0.0.1:9/imm_face_db.zip", tmp_path / "imm.zip")


def test_the_download_action_fetches_and_opens_the_database(window, qtbot, server):
    _, url = server
    window.settings.setValue("download/imm_url", url)
    with qtbot.waitSignal(window.dataset_tab.split_changed, timeout=60_000):
        window.download_action.trigger()
    assert window.dataset.root == (window.data_dir / "datasets" / "imm_face_db" / "imm_face_db").resolve()
    assert len(window.dataset.photos) == 18 and sorted(window.split.people) == ["01", "02", "03"]
    assert "recorded SHA-256" in window.statusBar().currentMessage() or window.dataset_tab.progress.label.text() == "Done."


def test_a_second_download_that_differs_from_the_recorded_checksum_is_refused(server, tmp_path, imm_zip):
    handler, url = server
    first = download_file(url, tmp_path / "imm.zip")
    recorded = (tmp_path / "imm.zip.sha256").read_text()
    first.unlink()  # the archive is fetched again later, and the server now sends other bytes
    handler.payload = imm_zip[:-10] + b"0123456789"
    with pytest.raises(DownloadError) as refused:
        download_file(url, tmp_path / "imm.zip")
    assert str(refused.value) == "The download of imm.zip is damaged (its checksum does not match); it was deleted, please try again."
    assert not (tmp_path / "imm.zip").exists() and not (tmp_path / "imm.zip.part").exists()
    assert (tmp_path / "imm.zip.sha256").read_text() == recorded  # the first sum is kept, not replaced
