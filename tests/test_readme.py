from pathlib import Path

from core.catalogue import names
from core.recognizers.registry import recognizer_class

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_defines_confidence_as_each_backend_computes_it():
    for name in names():
        assert recognizer_class(name).confidence_doc in README, f"README's confidence text for {name} is out of date"
