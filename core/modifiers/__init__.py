"""What-ifs applied to a condition's training photos between preparing and enrolling them:
``+jpeg:Q`` (uploaded and re-compressed), ``+resize:S`` (uploaded and shrunk), ``@K`` / ``@P%`` (only some
photos cloaked, the rest leaked clean). One module per transformation; ``spelling`` reads them,
``chain`` applies them in order and writes the photos as enrolled into the study folder."""
from .spelling import describe_modifiers, split_modifiers

__all__ = ["describe_modifiers", "split_modifiers"]
