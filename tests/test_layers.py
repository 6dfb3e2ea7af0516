"""The core never loads the window's libraries: it must run headless, on a server, from the command line."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORE = ["core.study", "core.cli", "core.cloaking.engine", "core.cloaking.condition", "core.cloaking.compare", "core.conditions.build",
        "core.recognizers.registry", "core.recognizers.dlib", "core.recognizers.embedding", "core.recognizers.azure",
        "core.figures", "core.study_folder", "core.pairing"]


def test_core_imports_no_qt_and_no_gui_module():
    code = ("import importlib, json, sys\n"
            f"for name in {CORE!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'superqt', 'gui', 'shiboken6'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
