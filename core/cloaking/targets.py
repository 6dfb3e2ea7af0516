"""Target identities for Fawkes 0.3.1, chosen from a pool the user names.

Each candidate identity gets the L2-normalised mean of its faces' embeddings; it is scored by its
distance to the *nearest* of the cloaked faces' embeddings (summed over the extractors). One of the 20
farthest is drawn with a seeded generator, and up to 10 of its photos become targets. With a target
per face (the original's GUI default) the ranking is done against that face alone and one photo is
drawn for it; with one target per run, the ranking uses all of the person's faces and the faces take
the identity's photos in a seeded order, without replacement. The original drew from public
celebrity datasets downloaded at run time; here the pool is the study's other people, people held out
of the study ("strangers"), or any dataset folder.
"""
from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..atomic import write_bytes_atomic
from ..faces import largest_face
from ..images import UnusableImage, load_rgb
from ..jobs import NO_JOB, Job
from .crops import face_region
from .extractors import embed

FARTHEST = 20
IMAGES_PER_TARGET = 10


@dataclass
class TargetPool:
    # identity -> [(photo, features per extractor (D,) as the extractor outputs them)]
    images: dict[str, list[tuple[Path, list[torch.Tensor]]]]
    problems: list[str] = field(default_factory=list)

    def mean(self, identity: str) -> list[torch.Tensor]:
        """The identity's L2-normalised mean embedding, per extractor."""
        per_extractor = zip(*(features for _, features in self.images[identity]))
        return [F.normalize(torch.stack(list(fs)).mean(0), dim=0) for fs in per_extractor]


def embed_largest_face(rgb, extractors, device: torch.device) -> list[torch.Tensor] | None:
    """Features (per extractor) of the photo's largest face, None when there is no face."""
    face = largest_face(rgb)
    if face is None:
        return None
    region = face_region(face.box, rgb.shape[0], rgb.shape[1], "0.3", 1)
    l, t, r, b = region.context
    context = torch.from_numpy(np.ascontiguousarray(rgb[t:b, l:r])).permute(2, 0, 1).float()
    return embed_face(extractors, context, face.landmarks - [l, t], device)


def embed_face(extractors, context: torch.Tensor, landmarks: np.ndarray, device: torch.device) -> list[torch.Tensor]:
    """Features (per extractor, (D,) on the CPU) of one face: its context (3, h, w) and landmarks in it."""
    lm = torch.as_tensor(landmarks, dtype=torch.float32, device=device)[None]
    return [f[0].cpu() for f in embed(extractors, context[None].to(device), lm)]


def pool_fingerprint(pool: dict[str, list[Path]], extractor_names: list[str]) -> str:
    digest = hashlib.sha256("\0".join(extractor_names).encode())
    for identity in sorted(pool):
        for path in sorted(pool[identity]):
            digest.update(f"{identity}\0{Path(path).name}\0".encode())
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def embed_pool(pool: dict[str, list[Path]], extractors, extractor_names: list[str], device: torch.device, cache_dir: Path | None, job: Job = NO_JOB) -> TargetPool:
    """Embed every pool photo's largest face; reuses a saved result for the same photos and extractors."""
    cache_file = cache_dir / f"pool-{pool_fingerprint(pool, extractor_names)[:32]}.pt" if cache_dir else None
    if cache_file and cache_file.is_file():
        saved = torch.load(cache_file, weights_only=False)
        return TargetPool({k: [(Path(p), f) for p, f in v] for k, v in saved["images"].items()}, saved["problems"])
    images: dict[str, list] = {}
    problems = []
    photos = [(identity, Path(p)) for identity in sorted(pool) for p in sorted(pool[identity])]
    for i, (identity, path) in enumerate(photos):
        job.step("Embedding the target pool", i, len(photos), path.name)
        try:
            features = embed_largest_face(load_rgb(path), extractors, device)
        except UnusableImage as exc:
            problems.append(f"target pool: {exc}")
            continue
        if features is None:
            problems.append(f"target pool: {path.name}: no face found")
            continue
        images.setdefault(identity, []).append((path, features))
    job.step("Embedding the target pool", len(photos), len(photos))
    if cache_file:
        buffer = io.BytesIO()
        torch.save({"images": {k: [(str(p), f) for p, f in v] for k, v in images.items()}, "problems": problems}, buffer)
        write_bytes_atomic(cache_file, buffer.getvalue())
    return TargetPool(images, problems)


def farthest_identities(pool: TargetPool, own_faces: list[list[torch.Tensor]], exclude: str | None) -> list[str]:
    """Candidate identities, farthest first, by distance to the nearest of ``own_faces`` (each a list
    of per-extractor features), summed over the extractors."""
    own = [torch.stack([F.normalize(face[k], dim=0) for face in own_faces]) for k in range(len(own_faces[0]))]
    scores = {}
    for identity in pool.images:
        if identity == exclude:
            continue
        means = pool.mean(identity)
        scores[identity] = sum(torch.linalg.vector_norm(own_k - mean_k, dim=1).min().item() for own_k, mean_k in zip(own, means))
    return sorted(scores, key=lambda name: (-scores[name], name))


def choose_identity(candidates: list[str], rng: random.Random) -> str:
    if not candidates:
        raise ValueError("The target pool has no other identity with a usable face photo; choose a pool with other people in it.")
    return rng.choice(candidates[:FARTHEST])


def target_photos(pool: TargetPool, identity: str, rng: random.Random) -> list[tuple[Path, list[torch.Tensor]]]:
    """Up to 10 of the identity's photos, drawn with ``rng`` without replacement, in the order drawn."""
    images = pool.images[identity]
    return rng.sample(images, min(len(images), IMAGES_PER_TARGET))


def assign_targets(pool: TargetPool, own_faces: list[list[torch.Tensor]], exclude: str | None, per_face: bool,
                   run_rng: random.Random, face_rngs: list[random.Random]) -> list[list[torch.Tensor]]:
    """The target features (per extractor) of each of one person's faces, in order."""
    if per_face:
        targets = []
        for own, rng in zip(own_faces, face_rngs):
            identity = choose_identity(farthest_identities(pool, [own], exclude), rng)
            targets.append(rng.choice(target_photos(pool, identity, rng))[1])
        return targets
    identity = choose_identity(farthest_identities(pool, own_faces, exclude), run_rng)
    images = target_photos(pool, identity, run_rng)
    return [images[j % len(images)][1] for j in range(len(own_faces))]
