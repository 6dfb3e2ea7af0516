"""One class per network the user added: the tracker (``core.recognizers.onnx``) and the cloak's target
(``core.models.onnx.embedder``) serve every added network, and ``bound_to`` makes the class of one (its name, file and
preset), which is what the catalogue's entry names (``core.catalogue.Tracker.bound``)."""
from __future__ import annotations

from threading import Lock

from .presets import DEFAULT_PRESET

_bound: dict[tuple[type, str, str, str], type] = {}
_lock = Lock()


class BoundToFile:
    name: str = ""
    network_file: str = ""  # set by ``bound_to``
    preset_spelling: str = DEFAULT_PRESET

    @classmethod
    def bound_to(cls, name: str, file: str, preset: str = DEFAULT_PRESET) -> type:
        """The class of the network ``name`` (made once per class, name, file and preset)."""
        key = (cls, name, str(file), preset)
        with _lock:
            if key not in _bound:
                _bound[key] = type(f"{cls.__name__}[{name}]", (cls,),
                                   {"name": name, "network_file": str(file), "preset_spelling": preset,
                                    "__module__": cls.__module__})
            return _bound[key]
