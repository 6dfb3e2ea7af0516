"""Reading photos (EXIF orientation, RGB), encoding them, and saving them atomically (``core.atomic``)."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .atomic import write_bytes_atomic

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}


class UnusableImage(Exception):
    """A photo we cannot use; ``str()`` is a one-line reason that names the file."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self):  # rebuilt from its own arguments when it comes back from a worker process
        return type(self), (self.path, self.reason)


class NoFaceFound(UnusableImage):
    def __init__(self, path: Path | str):
        super().__init__(path, "no face found")

    def __reduce__(self):
        return type(self), (self.path,)


def load_rgb(path: Path | str, data: bytes | None = None) -> np.ndarray:
    """The photo as an H×W×3 uint8 RGB array, turned upright by its EXIF orientation. ``data``: the file's bytes
    as already read (so that what is decoded is what was hashed); ``path`` then only names it."""
    path = Path(path)
    try:
        if (len(data) if data is not None else path.stat().st_size) == 0:
            raise UnusableImage(path, "the file is empty (0 bytes)")
        with Image.open(io.BytesIO(data) if data is not None else path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            return np.asarray(_to_rgb(img, path))
    except UnusableImage:
        raise
    except FileNotFoundError:
        raise UnusableImage(path, "the file does not exist") from None
    except UnidentifiedImageError:
        raise UnusableImage(path, "not an image file Pillow can read") from None
    except OSError as exc:  # truncated or corrupt data
        raise UnusableImage(path, f"the image data is damaged ({exc})") from None
    except Exception as exc:  # decoders raise many types on odd files
        raise UnusableImage(path, f"cannot read the image ({type(exc).__name__}: {exc})") from None


def _to_rgb(img: Image.Image, path: Path) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img).convert("RGB")
    if img.mode in ("L", "1", "CMYK", "YCbCr", "I;16", "I;16B", "I;16L", "I", "F"):
        if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            arr = np.asarray(img, dtype=np.float64)
            span = max(arr.max() - arr.min(), 1e-9)
            img = Image.fromarray(((arr - arr.min()) / span * 255).astype(np.uint8))
        return img.convert("RGB")
    raise UnusableImage(path, f"unsupported colour mode {img.mode}")


def save_rgb_atomic(path: Path | str, rgb: np.ndarray, quality: int = 95) -> None:
    """Save an RGB array; the format follows the suffix (PNG by default for cloaks)."""
    path = Path(path)
    fmt = "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG"
    write_bytes_atomic(path, encode_rgb(rgb, fmt, quality))


def encode_rgb(rgb: np.ndarray, fmt: str = "PNG", quality: int = 95) -> bytes:
    """An RGB array as PNG (lossless) or JPEG bytes."""
    buf = io.BytesIO()
    # PNG level 1: three times faster than Pillow's default 6, and photos come out no bigger
    options = {"quality": quality} if fmt == "JPEG" else {"compress_level": 1}
    Image.fromarray(np.asarray(rgb, dtype=np.uint8)).save(buf, format=fmt, **options)
    return buf.getvalue()


# ---- pixel operations shared by the condition modifiers, a tracker's cleaning steps and the cloak detector ----
SUBSAMPLING_420 = 2  # Pillow's code for 4:2:0


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def encode_jpeg(rgb, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality, subsampling=SUBSAMPLING_420, optimize=False)
    return buf.getvalue()


def downscale(rgb: np.ndarray, size: int) -> np.ndarray:
    """``rgb`` itself when its longer side is within ``size``; else a LANCZOS downscale keeping the aspect."""
    height, width = rgb.shape[:2]
    longer = max(height, width)
    if longer <= size:
        return rgb
    new = (max(1, round(width * size / longer)), max(1, round(height * size / longer)))
    return np.asarray(Image.fromarray(rgb).resize(new, Image.Resampling.LANCZOS))
