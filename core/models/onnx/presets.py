"""How a face becomes an ONNX network's input: the presets that cover the common families (the crop itself is
``crop``; this file loads nothing heavy, so the command line's help can name the presets).

A preset says the crop's size (or "from the model"), colour order, ``(pixel − mean) / scale``, and whether the face
is aligned on the ArcFace 5-point template or framed as a loose box. Both crops put dlib's eye centres and nose base
on a template, exactly as the built-in mobileface (aligned) and faceres (loose) do.

Spelled ``arcface``, ``adaface``, ``magface`` or ``custom:size=224,order=bgr,mean=127.5,scale=127.5,crop=loose``
(every custom part optional; the defaults are the ArcFace ones, the size read from the model).
"""
from __future__ import annotations

from dataclasses import dataclass

ALIGNED, LOOSE = "aligned", "loose"
RGB, BGR = "rgb", "bgr"
NCHW, NHWC = "NCHW", "NHWC"


@dataclass(frozen=True)
class Preset:
    name: str
    size: int | None = None  # None: the size the model's input declares
    order: str = RGB
    mean: float = 127.5
    scale: float = 127.5
    crop: str = ALIGNED

    def spelling(self) -> str:
        """How the preset is written on the command line, in the data folder and in the manifest."""
        if self.name != "custom":
            return self.name
        parts = ([f"size={self.size}"] if self.size else []) + [
            f"order={self.order}", f"mean={self.mean:g}", f"scale={self.scale:g}", f"crop={self.crop}"]
        return "custom:" + ",".join(parts)

    def words(self) -> str:
        size = f"{self.size} px" if self.size else "the model's size"
        return f"{size}, {self.order.upper()}, (x − {self.mean:g}) / {self.scale:g}, {self.crop} crop"


PRESETS = {
    # InsightFace ArcFace (buffalo_l's w600k_r50 and the like): RGB, (x − 127.5) / 127.5
    "arcface": Preset("arcface", 112, RGB, 127.5, 127.5, ALIGNED),
    # AdaFace's published models read OpenCV's BGR and normalise to −1..1
    "adaface": Preset("adaface", 112, BGR, 127.5, 127.5, ALIGNED),
    # MagFace's reference code feeds BGR scaled to 0..1
    "magface": Preset("magface", 112, BGR, 0.0, 255.0, ALIGNED),
}
DEFAULT_PRESET = "arcface"
# our own networks written as ONNX (``export``) and the preset each is added with: mobileface in the ArcFace
# convention; faceres, trained on loose 224 px boxes, as RGB (x − 127.5) / 127.5 with the loose framing
EXPORTED_PRESET = {"mobileface": "arcface", "faceres": "custom:size=224,order=rgb,mean=127.5,scale=127.5,crop=loose"}
EXPORTABLE = tuple(EXPORTED_PRESET)


def parse_preset(text: str | None) -> Preset:
    """A preset from its spelling; a one-line reason naming the choices when it cannot be read."""
    text = (text or DEFAULT_PRESET).strip()
    if text in PRESETS:
        return PRESETS[text]
    choices = f"choose {', '.join(PRESETS)} or custom:size=N,order=rgb|bgr,mean=M,scale=S,crop=aligned|loose"
    if not text.startswith("custom"):
        raise ValueError(f"Unknown preprocessing preset '{text}': {choices}.")
    values: dict = {}
    for part in filter(None, text.partition(":")[2].split(",")):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip().lower()
        try:
            if key == "size":
                values["size"] = int(value)
            elif key in ("mean", "scale"):
                values[key] = float(value)
            elif key == "order" and value in (RGB, BGR):
                values["order"] = value
            elif key == "crop" and value in (ALIGNED, LOOSE):
                values["crop"] = value
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"Cannot read '{part}' in the preset '{text}': {choices}.") from None
    if values.get("scale", 1.0) == 0 or values.get("size", 1) <= 0:
        raise ValueError(f"The preset '{text}' has a zero scale or size: {choices}.")
    return Preset("custom", **values)
