"""Could a tracker tell the photos were cloaked? A detector trained and tested on a study's own photos, with
features from one image alone, folds grouped by person, and figures measured with both sides in one format."""
from .detect import STAGE, DetectorRun, detect_cloaks
from .own_photos import own_photos_detection, screen_own_photos
from .result import CloakDetection, detection_lines
from .samples import Sample
from .screen import Screening, screen_training
from .study_entry import cloak_detection, condition_detection

__all__ = ["STAGE", "CloakDetection", "DetectorRun", "Sample", "Screening", "cloak_detection", "condition_detection", "detect_cloaks", "detection_lines", "own_photos_detection", "screen_own_photos",
           "screen_training"]
