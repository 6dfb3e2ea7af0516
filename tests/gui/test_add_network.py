"""The Recognition tab's "Add a face network…": a network failing the sanity check is explained and not added (the
user may add it anyway); one passing it is added, remembered and ticked among the trackers."""
from __future__ import annotations

from core.added_networks.store import forget, remembered
from core.catalogue import names
from core.models.onnx.export import export_network
from tests.gui.conftest import wait_for
from tests.onnx_helpers import blind, fixture_people


def test_add_a_face_network_checks_it_first(window, qtbot, tmp_path):
    tab = window.recognition_tab
    dialog = tab.open_add_network()
    dialog.people, dialog.where = fixture_people(), "the fixture"  # 18 photos: faster than the bundled sample's 30

    dialog.file.setText(str(blind(tmp_path / "blind.onnx")))
    assert dialog.name.text() == "onnx:blind"  # suggested from the file
    wait_for(qtbot, dialog.check())
    assert "below 90%" in dialog.verdict.text() and "try the presets" in dialog.verdict.text()
    assert dialog.anyway_button.isVisibleTo(dialog)
    assert "onnx:blind" not in names() and "onnx:blind" not in tab.boxes and remembered() == []

    path, _ = export_network("mobileface", tmp_path / "mobileface.onnx")
    dialog.file.setText(str(path))
    dialog.name.setText("mf-gui")
    try:
        wait_for(qtbot, dialog.check())
        assert "Added as mf-gui" in dialog.verdict.text() and "100% rank-1" in dialog.verdict.text()
        assert dialog.panel.label.text() == "Done."  # the progress bar ran and finished
        assert not dialog.anyway_button.isVisibleTo(dialog)
        assert tab.boxes["mf-gui"].isChecked() and "mf-gui" in tab.recognizers()
        assert [n.name for n in remembered()] == ["mf-gui"]
        assert "mf-gui" in window.cloaking_tab.settings_panel.extractor_boxes  # a cloak's target at once
    finally:
        forget("mf-gui")
        dialog.close()


def test_a_study_with_a_network_failing_its_sanity_check_asks_before_it_starts(window, qtbot, fixture_imm, tmp_path):
    """The check runs again on the study's own clean photos: below the line the window asks, and No starts nothing."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from core.added_networks.add import add_network
    from gui.network_check import REJECTED, added_networks
    from tests.gui.conftest import open_dialogs, open_fixture

    network, result, _ = add_network(blind(tmp_path / "blind.onnx"), "blind", insist=True, people=fixture_people(),
                                     where="the fixture")
    try:
        assert not result.passed
        open_fixture(qtbot, window, fixture_imm)
        config = window.study_config()
        # checked as a cloak's target too (the settings hold a list), and under a spelled variant as its network
        config.recognizers, config.cloak_options = ["dlib", "blind/nearest"], {"extractors": ["dlib", "blind"]}
        assert added_networks(config) == ["blind"]
        config.recognizers = ["blind"]
        window.start_study(config)
        qtbot.waitUntil(lambda: bool(open_dialogs(REJECTED)), timeout=60_000)
        box = open_dialogs(REJECTED)[0]
        assert "below 90%" in box.text() and "The study was not started" in box.text()
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
        qtbot.wait(100)
        assert window.results_tab.rows == []  # nothing started
    finally:
        forget("blind")


def test_a_reopened_study_whose_network_file_changed_says_so(window, qtbot, tmp_path):
    import json
    import shutil

    from gui.network_check import CHANGED
    from tests.conftest import FIXTURES
    from tests.gui.conftest import open_dialogs

    study = shutil.copytree(FIXTURES / "old_study" / "study", tmp_path / "study")
    network = tmp_path / "net.onnx"
    network.write_bytes(b"not the file the study used")
    manifest = json.loads((study / "manifest.json").read_text())
    manifest["recognizers"]["onnx:net"] = {"name": "onnx:net", "network_file": str(network), "sha256": "0" * 64}
    (study / "manifest.json").write_text(json.dumps(manifest))

    window.open_study(study)
    qtbot.waitUntil(lambda: bool(open_dialogs(CHANGED)), timeout=30_000)
    assert open_dialogs(CHANGED)[0].text() == (f"The network onnx:net's file {network} has changed since this study "
                                               "used it (its SHA-256 differs).")
