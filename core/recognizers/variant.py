"""A spelled variant of a tracker (``dlib/nearest+median:3``) as a recognizer class: the catalogue's own class,
told which matcher to use and which cleaning to do to every photo, and named by the full spelling, so that
everything that makes a recognizer by name (the study, its calibration, the self-check) makes the variant alike.
Only trackers that turn faces into vectors on this computer (``EmbeddingRecognizer``) can be varied."""
from __future__ import annotations

import re
import threading

from .base import EmbeddingRecognizer
from .spec import TrackerSpec

SCREENING_DOC = ("Before enrolling, it sets aside every training photo a cloak detector trained on the study's own "
                 "photos flags (core.detection.screen).")
_made: dict[tuple[type, str], type] = {}  # one class per (tracker, spelling), so the same spelling is the same class
_lock = threading.Lock()


def variant_class(base: type, spec: TrackerSpec) -> type:
    """``base`` (the catalogue's class for ``spec.base``) as the tracker ``spec``; a ValueError in one line when
    ``base`` cannot take a matcher or cleaning."""
    if not spec.variant:
        return base
    if not issubclass(base, EmbeddingRecognizer):
        raise ValueError(f"The tracker '{spec}' cannot be built: {spec.base} does not turn faces into vectors on this "
                         f"computer, so it takes no matcher or cleaning step.")
    with _lock:
        made = _made.get((base, spec.spelling))
        if made is None:
            matcher = spec.matcher or base.matcher_class
            doc = " ".join(filter(None, [base.confidence_doc, matcher.doc(), _cleaning_doc(spec),
                                         SCREENING_DOC if spec.screened else ""]))
            made = _made[(base, spec.spelling)] = type(
                f"{base.__name__}_{re.sub(r'[^A-Za-z0-9]+', '_', spec.spelling)}", (base,),
                {"name": spec.spelling, "base_name": base.name, "matcher_class": matcher, "network_scale": base.scale,
                 "cleaning": tuple(base.cleaning) + spec.cleaning, "scale": matcher.scale_for(base.scale),
                 "screens": spec.screened,
                 "confidence_doc": doc, "__module__": base.__module__,
                 "__doc__": f"{base.name} as the tracker '{spec}': {spec.words}."})
    return made


def _cleaning_doc(spec: TrackerSpec) -> str:
    if not spec.cleaning:
        return ""
    return (f"Every photo it handles (enrolled, test and calibration) is first cleaned with "
            f"{' then '.join(s.noun() for s in spec.cleaning)}.")
