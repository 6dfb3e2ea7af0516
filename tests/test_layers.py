"""The core never loads the window's libraries: it must run headless, on a server, from the command line."""
import json
import os
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


def test_the_window_opens_without_loading_pytorch_onnxruntime_or_scikit_learn(tmp_path):
    """Seconds of imports at start-up for what only a cloak, a study or an added network's check needs: those load
    them off the GUI thread when they run."""
    code = ("import json, sys\n"
            "from pathlib import Path\n"
            "from PySide6.QtCore import QSettings\n"
            "from gui.app import application, create_window\n"
            "app = application([])\n"
            f"window = create_window(QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat), Path({str(tmp_path)!r}))\n"
            "app.processEvents()\n"
            "print(json.dumps(sorted(m for m in ('torch', 'onnxruntime', 'onnx', 'sklearn') if m in sys.modules)))\n"
            "window.close()")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "FAWKES_TRACKER_DATA": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
