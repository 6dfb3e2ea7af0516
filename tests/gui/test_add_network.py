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
    finally:
        forget("mf-gui")
        dialog.close()
