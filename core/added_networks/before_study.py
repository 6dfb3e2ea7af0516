"""Before a study that uses a face network the user added, one rule for the command line and the window: a study
folder whose network file went missing or changed is refused by name (finishing it would mix two networks), then
every added network it uses, as a tracker or a cloak's target, passes the sanity check on the study's clean photos
unless the user insists."""
from __future__ import annotations

from pathlib import Path

from ..jobs import NO_JOB, Job
from .reopen import study_network_problems
from .store import used_networks


class NetworksChanged(ValueError):
    """The study folder's network files are not the ones it used; ``str()`` names each. Each front end adds what
    the user can do about it."""


def check_study_networks(names: list[str], out: Path | str, dataset: Path | str, split_rule: str, seed: int,
                         resuming: bool, insist: bool = False, job: Job = NO_JOB) -> list:
    """The sanity checks (``core.added_networks.sanity.SanityResult``) of the added networks among ``names``;
    raises ``NetworksChanged`` or ``sanity.NetworkRejected`` (one line each). Loads nothing heavy when ``names`` holds
    no added network."""
    changed = study_network_problems(out) if resuming else []
    if changed:
        raise NetworksChanged(" ".join(changed))
    used = used_networks(names)
    if not used:
        return []
    from .add import check_before_study, study_people  # PyTorch and onnxruntime: only for a study that needs them

    return check_before_study(used, study_people(dataset, split_rule, seed), insist, job)
