"""The Results tab's headline does not flatter the cloak: black-box lines on top, and a white-box line (the cloak
judged by the network it was made against) in grey, never in the protection colour, saying so in words. And a
first launch judges with dlib and mobileface, so that our own cloak (made against dlib) also gets a black-box line."""
from __future__ import annotations

from core.headline import WHITE_BOX_WORDS, protection_colour
from gui.headline_panel import HeadlinePanel
from tests.core.test_headline import CONDITIONS, OURS, RECOGNIZERS, SUMMARY


class _Config:
    conditions, recognizers = CONDITIONS, RECOGNIZERS


def test_a_white_box_line_is_last_and_grey_not_the_protection_colour(qtbot):
    panel = HeadlinePanel()
    qtbot.addWidget(panel)
    panel.show_summary(SUMMARY, _Config())
    sentences = panel.sentences()
    assert [s.split(":")[0].rsplit(", ", 1)[1] for s in sentences] == ["black-box"] * 3 + ["clean"] * 2 + ["white-box"]
    white = panel.labels[-1]
    assert white.text().startswith("Fawkes 0.3.1 min (this app) · dlib, white-box: 5 of 5 people protected")
    assert white.text().endswith(WHITE_BOX_WORDS)
    style = white.styleSheet()
    assert protection_colour(1.0) not in style and "background: #e4e4e4" in style and "color: #555555" in style
    assert "made against this very network" in white.toolTip()
    for label in panel.labels[:-1]:  # the others on the colour of their protection
        assert "background: #e4e4e4" not in label.styleSheet() and WHITE_BOX_WORDS not in label.text()
    assert protection_colour(0.2) in panel.labels[2].styleSheet()  # our cloak, black-box: 1 of 5 protected
    assert OURS in panel.labels[2].toolTip() and "mobileface" in panel.labels[2].toolTip()


def test_a_first_launch_judges_with_dlib_and_mobileface(window):
    """Fresh settings (the window fixture's own file): the cloak is made against dlib, so mobileface is black-box."""
    assert window.settings.value("recognition/chosen") is None  # nothing saved: the defaults speak
    assert window.recognition_tab.recognizers() == ["dlib", "mobileface"]
    assert window.cloaking_tab.extractors() == ["dlib"]
