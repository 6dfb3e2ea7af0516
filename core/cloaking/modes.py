"""The presets of the two published Fawkes versions (specification, section 4)."""
from __future__ import annotations

from dataclasses import dataclass, replace

VERSIONS = {"0.3": "0.3", "0.3.1": "0.3", "1.0": "1.0", "1.0.2": "1.0"}


@dataclass(frozen=True)
class Mode:
    version: str  # "0.3" (0.3.1, targeted) or "1.0" (1.0.2, untargeted)
    name: str
    threshold: float  # DSSIM budget
    steps: int
    learning_rate: float
    c: float  # weight of the DSSIM penalty above the budget
    summary: str  # what the mode does, in plain words

    @property
    def eps(self) -> float:
        return 1e-8 if self.version == "0.3" else 1e-7

    def as_dict(self) -> dict:
        return {"version": self.version, "mode": self.name, "th": self.threshold, "steps": self.steps, "lr": self.learning_rate, "c": self.c}


_V03 = "moves the face's features towards another person's"
_V10 = "pushes the face's features away from its own"
MODES: dict[tuple[str, str], Mode] = {
    (m.version, m.name): m
    for m in (
        Mode("0.3", "min", 0.002, 20, 40, 1e9, f"Smallest change: {_V03}, with 20 steps under a very tight budget"),
        Mode("0.3", "low", 0.003, 50, 35, 1e9, f"Light change: {_V03}, with 50 steps"),
        Mode("0.3", "mid", 0.005, 200, 20, 1e9, f"Medium change: {_V03}, with 200 steps"),
        Mode("0.3", "high", 0.008, 500, 10, 1e9, f"Strong change: {_V03}, with 500 steps; artefacts may be visible"),
        Mode("0.3", "ultra", 0.01, 1000, 8, 1e9, f"Strongest change: {_V03}, with 1000 steps; slow without a GPU"),
        Mode("1.0", "low", 0.004, 40, 25, 1e7, f"Light change: {_V10}, with 40 steps"),
        Mode("1.0", "mid", 0.012, 75, 20, 1e7, f"Medium change: {_V10}, with 75 steps"),
        Mode("1.0", "high", 0.017, 150, 15, 1e7, f"Strong change: {_V10}, with 150 steps"),
    )
}
CUSTOM_KEYS = {"th": "threshold", "steps": "steps", "lr": "learning_rate", "c": "c"}


def normalise_version(version: str) -> str:
    try:
        return VERSIONS[str(version).strip()]
    except KeyError:
        raise ValueError(f"Unknown Fawkes version '{version}': use 0.3 (0.3.1, targeted) or 1.0 (1.0.2, untargeted).") from None


def get_mode(version: str, mode: str, custom: dict | None = None) -> Mode:
    """The preset, or for ``custom`` the version's ``mid`` preset with the user's th/steps/lr/c."""
    version = normalise_version(version)
    if mode == "custom":
        base = replace(MODES[(version, "mid")], name="custom", summary="Your own budget, steps and learning rate")
        changes = {}
        for key, value in (custom or {}).items():
            if key not in CUSTOM_KEYS:
                raise ValueError(f"Unknown custom setting '{key}': use {', '.join(CUSTOM_KEYS)}.")
            changes[CUSTOM_KEYS[key]] = int(value) if key == "steps" else float(value)
        mode_obj = replace(base, **changes)
        if mode_obj.steps < 1 or mode_obj.threshold <= 0 or mode_obj.learning_rate <= 0:
            raise ValueError("Custom mode needs steps ≥ 1, th > 0 and lr > 0.")
        return mode_obj
    if (version, mode) not in MODES:
        names = ", ".join(m for v, m in MODES if v == version)
        raise ValueError(f"Fawkes {version} has no mode '{mode}': use {names} or custom.")
    return MODES[(version, mode)]
