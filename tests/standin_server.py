"""What every local stand-in for an online service shares (``tests.azure_standin``, ``tests.rekognition_standin``,
``tests.facepp_standin``): an HTTP server on 127.0.0.1 at a free port, served from a daemon thread and stopped
when its ``with`` block ends; the ``log`` of calls; the misbehaviour every service shows on demand (``fail_next``
server errors, a refusal to every Nth call, answers ``delay_s`` late); and one dlib reader of faces for the whole
test session, so that each stand-in decides who is in a photo as our local ``DlibRecognizer`` does and a photo
is described only once.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image, ImageOps

from core.faces import detect_faces, dlib_lock, largest_face
from core.models import zoo
from core.recognizers.dlib import MODEL_FILE, DlibRecognizer

EVERY_NTH, FAIL = "every Nth", "fail"  # what ``StandInServer.misbehave`` says about a call


class UnreadableImage(Exception):
    """The bytes are no image Pillow can read; each stand-in answers it in its own service's words."""


class Faces:
    """dlib detection and descriptors of every face in a photo, largest first, cached by the photo's bytes."""

    def __init__(self):
        self._net = None
        self._cache: dict[str, list[tuple[tuple[int, int, int, int], np.ndarray]]] = {}
        self.dlib = DlibRecognizer()  # for its confidence mapping

    def of(self, data: bytes) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
        digest = hashlib.sha1(data).hexdigest()
        if digest not in self._cache:
            self._cache[digest] = self._compute(data)
        return self._cache[digest]

    def _compute(self, data: bytes):
        import dlib

        try:
            with Image.open(io.BytesIO(data)) as img:
                rgb = np.ascontiguousarray(ImageOps.exif_transpose(img).convert("RGB"))
        except Exception:
            raise UnreadableImage() from None
        faces = detect_faces(rgb)
        if faces:  # the largest face exactly as the local recognizer finds it
            faces[0] = largest_face(rgb)
        with dlib_lock():
            if self._net is None:
                self._net = dlib.face_recognition_model_v1(str(zoo.dlib_file(MODEL_FILE)))
            return [(f.box, np.array(self._net.compute_face_descriptor(rgb, f.as_dlib_shape()))) for f in faces]


_faces: Faces | None = None


def shared_faces() -> Faces:
    """One dlib model and descriptor cache for every stand-in in the test session."""
    global _faces
    if _faces is None:
        _faces = Faces()
    return _faces


class StandInServer:
    """A stand-in's server. A subclass sets ``handler`` (its ``StandInHandler``, which reaches the stand-in as
    ``self.standin``), calls ``super().__init__()`` first and counts each call that passed the key check with
    ``misbehave``."""

    handler: type[StandInHandler]
    poll_interval = 0.05  # seconds; how soon ``stop`` is noticed by the serving thread (each test stops one)

    def __init__(self):
        self.fail_next = 0  # that many calls answered with a server error
        self.delay_s = 0.0  # every answer that much later
        self.log: list = []
        self._calls = 0
        self._lock = threading.Lock()
        self._faces = shared_faces()
        self._server: ThreadingHTTPServer | None = None

    def start(self):
        handler = type("Handler", (self.handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": self.poll_interval},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def misbehave(self, every: int = 0) -> str | None:
        """Count one call: ``EVERY_NTH`` when it is the Nth (``every``; 0 for never) and so refused, ``FAIL``
        while ``fail_next`` lasts, else None (answer it properly)."""
        with self._lock:
            self._calls += 1
            if every and self._calls % every == 0:
                return EVERY_NTH
            if self.fail_next > 0:
                self.fail_next -= 1
                return FAIL
        return None


class StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # every service's client keeps connections alive
    # headers and body go out as two writes: with Nagle's algorithm on a kept-alive connection the body waits for
    # the client's delayed ACK of the headers, about 40 ms an answer
    disable_nagle_algorithm = True
    standin: StandInServer

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        """Send the answer ``delay_s`` late; a client that gave up waiting (a timeout test) is let go."""
        if self.standin.delay_s:
            time.sleep(self.standin.delay_s)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format, *args):
        pass  # keep test output quiet
