"""Before a study that uses a face network the user added: a study folder whose network file changed is refused
by name, and each added network must pass the sanity check on the study's clean photos (``core.added_networks``)
unless the user says to start anyway. Runs off the GUI thread with the Results tab's progress bar."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMessageBox

from core.added_networks.before_study import NetworksChanged, check_study_networks
from core.added_networks.reopen import study_network_problems
from core.added_networks.sanity import NetworkRejected
from core.added_networks.store import used_networks
from core.cloaking.settings import extractor_list

from .names import APP_NAME
from .worker import Task, run_task

REJECTED = "networkRejected"  # the question's object name (tests find it by it)
CHANGED = "networkChanged"


def added_networks(config) -> list[str]:
    """The added networks a study uses, as a tracker or as a cloak's target."""
    return used_networks(list(config.recognizers) + extractor_list(config.cloak_options.get("extractors")))


def check_networks_then(parent, config, resuming: bool, proceed: Callable[[], None], panel=None) -> Task | None:
    """``proceed()`` at once when the study uses no added network; else once the checks pass, or the user insists."""
    networks = added_networks(config)
    if not networks:
        proceed()
        return None

    def check(job):
        # here, off the GUI thread: checking a network loads PyTorch and onnxruntime
        try:
            check_study_networks(networks, config.out, config.dataset, config.split, config.seed, resuming, job=job)
        except NetworksChanged as exc:
            raise ValueError(f"{exc} Finishing this study would mix two networks: restore the file, or run the study "
                             "afresh into a new folder.") from None
        except NetworkRejected as exc:
            return str(exc)
        return None

    def checked(rejected: str | None) -> None:
        if rejected is None:
            proceed()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, rejected,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
        box.setInformativeText("Start the study anyway? Its results would say little about this network.")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setObjectName(REJECTED)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda button: proceed() if button is yes else None)
        box.open()

    return run_task(parent, check, "checking the added face networks on the study's clean photos", success=checked,
                    panel=panel)


def warn_if_networks_changed(parent, folder) -> Task:
    """A reopened study whose added network's file went missing or changed says so by name (hashing a large file
    takes a moment: off the GUI thread)."""

    def said(problems: list[str]) -> None:
        if problems:
            box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, " ".join(problems), QMessageBox.StandardButton.Ok,
                              parent)
            box.setInformativeText("Its results are shown as they were; finishing or rerunning it needs the same file.")
            box.setObjectName(CHANGED)
            box.open()

    return run_task(parent, lambda job: study_network_problems(folder), "checking the study's face network files",
                    success=said)
