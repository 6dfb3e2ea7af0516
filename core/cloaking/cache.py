"""Cloaks already made: the same photo bytes with the same settings reuse the earlier cloak.

The key holds everything that changes a cloak: engine revision, mode, variant (as the original wrote
it or strict budget), extractor set (and, for a network the user added, its file's SHA-256 and preset: the same
name may come to stand for another file), seed, device class, and for 0.3.1 the target pool (its kind and the
fingerprint of its photos) and the person's other photos in the run.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from ..atomic import write_bytes_atomic, write_text_atomic
from ..catalogue import tracker
from ..models.onnx.fingerprint import file_sha256
from .plan import PhotoPlan
from .report import CloakReport

ENGINE_REVISION = "6"  # change it when a code change alters the cloaks
SAVED = ("faces", "dssim", "psnr", "max_change", "feature_shift", "variant", "view", "note")


def recipe(settings, mode, names: list[str], device_type: str, pool_key: str) -> dict:
    """What every cloak of the run shares."""
    shared = {"engine": ENGINE_REVISION, "mode": mode.as_dict(), "variant": settings.variant, "extractors": names,
              "seed": settings.seed, "device": device_type}
    if mode.version == "0.3":
        shared.update(pool=settings.pool_label, pool_photos=pool_key, per_face=settings.target_per_face)
    added = {name: dict(tracker(name).bound) for name in names if tracker(name).bound}
    if added:  # built-in networks are pinned by ENGINE_REVISION and the model store's hashes already
        shared["networks"] = {name: {"sha256": file_sha256(bound["file"]), "preset": bound.get("preset", "")}
                              for name, bound in added.items()}
    return shared


def cache_key(plan: PhotoPlan, plans: list[PhotoPlan], shared: dict, version: str) -> str:
    own = {"photo": plan.sha}
    if version == "0.3":  # the target depends on all of this person's faces in the run
        own.update(person=plan.person, person_photos=sorted(p.sha for p in plans if p.person == plan.person and p.sha))
    return hashlib.sha256(json.dumps({**shared, **own}, sort_keys=True).encode()).hexdigest()


def reuse(plans: list[PhotoPlan], cache_dir: Path, shared: dict, version: str) -> list[PhotoPlan]:
    """Fill in the report (and the output file) of every plan the cache has; return the others."""
    pending = []
    for plan in plans:
        if plan.report is not None:
            continue
        plan.key = cache_key(plan, plans, shared, version)
        started = time.monotonic()
        png, saved_json = cache_dir / f"{plan.key}.png", cache_dir / f"{plan.key}.json"
        if png.is_file() and saved_json.is_file():
            data = png.read_bytes()
            if not plan.output.is_file() or plan.output.read_bytes() != data:
                write_bytes_atomic(plan.output, data)
            saved = json.loads(saved_json.read_text(encoding="utf-8"))
            plan.report = CloakReport(plan.source, plan.output, saved["faces"], saved["dssim"], saved["psnr"], saved["max_change"],
                                      saved["feature_shift"], time.monotonic() - started, None, True,
                                      saved.get("variant", ""), saved.get("view", ""), saved.get("note", ""))
        else:
            pending.append(plan)
    return pending


def store(cache_dir: Path, plan: PhotoPlan) -> None:
    write_bytes_atomic(cache_dir / f"{plan.key}.png", plan.output.read_bytes())
    write_text_atomic(cache_dir / f"{plan.key}.json", json.dumps({k: getattr(plan.report, k) for k in SAVED}))
