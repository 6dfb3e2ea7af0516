"""What a crashed or killed run left on a service (a collection, a faceset, a person group): listed by its
name prefix so the window can show and delete it, and reused or deleted when a study resumes."""
from __future__ import annotations

from dataclasses import dataclass

PREFIX = "fawkes-tracker-"  # every object this app creates on a service is named so


@dataclass(frozen=True)
class Leftover:
    service: str  # "rekognition"
    object_id: str  # the collection id, the faceset's outer id
    description: str  # plain words: "collection fawkes-tracker-… (12 faces), made 2026-12-02 14:03"
