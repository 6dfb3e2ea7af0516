"""The ONNX networks the user added, remembered in the data folder (``networks.json``) and listed in the catalogue
of trackers beside the built-in ones.

The file is never copied: the record keeps its path, SHA-256, size and preset, so that a network whose file went
missing or changed is told by name. A network typed on the command line (``onnx:PATH``) gets a catalogue entry for
that run only, named ``onnx:`` + the file's stem.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import write_json_atomic
from ..catalogue import CATALOGUE, OFFLINE, Tracker, register, tracker, unregister
from ..models.zoo import user_data_dir
from ..models.onnx.fingerprint import file_sha256

RECOGNIZER = "core.recognizers.onnx:OnnxRecognizer"
NETWORK = "core.models.onnx.embedder:OnnxFaceNetwork"
STORE_NAME = "networks.json"
_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")  # no ',' (lists), '/' or '+' (tracker variants), no spaces


@dataclass(frozen=True)
class AddedNetwork:
    name: str
    file: str
    sha256: str
    size_bytes: int
    preset: str
    can_cloak: bool = True  # its graph runs in PyTorch and agrees with onnxruntime
    sanity: str = ""  # what the sanity check said, in words
    added: str = ""

    def entry(self) -> Tracker:
        """Its catalogue entry: a tracker on this computer and, when its graph runs in PyTorch, a cloak's target."""
        words = f"An ONNX face network you added ({Path(self.file).name}, preset {self.preset}), on this computer."
        return Tracker(self.name, words, OFFLINE, RECOGNIZER, NETWORK if self.can_cloak else "",
                       f"{self.name}, the ONNX network you added" if self.can_cloak else "",
                       bound=(("file", self.file), ("preset", self.preset)))

    def problem(self) -> str | None:
        """Why its file cannot be used as it was added (missing, changed), in one line; None when it can."""
        return file_problem(self.name, self.file, self.sha256)

    def record(self) -> dict:
        """What a manifest keeps of it."""
        return {"network_file": self.file, "sha256": self.sha256, "size_bytes": self.size_bytes, "preset": self.preset}


def file_problem(name: str, file: str, sha256: str) -> str | None:
    path = Path(file)
    if not path.is_file():
        return f"The network {name}'s file {file} is missing."
    if file_sha256(path) != sha256:
        return f"The network {name}'s file {file} has changed since it was recorded (its SHA-256 differs)."
    return None


def check_name(name: str) -> str:
    """``name`` if it can name a tracker; a one-line reason otherwise."""
    if not _NAME.match(name or ""):
        raise ValueError(f"The name '{name}' cannot name a tracker: use letters, digits, '.', '_', '-' or ':' only.")
    return name


def store_path() -> Path:
    return user_data_dir() / STORE_NAME


def remembered() -> list[AddedNetwork]:
    """The networks added so far; a damaged store is told in one line rather than treated as empty."""
    path = store_path()
    if not path.is_file():
        return []
    try:
        return [AddedNetwork(**item) for item in json.loads(path.read_text(encoding="utf-8"))["networks"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"The list of added networks {path} cannot be read ({exc}); move it away to start afresh.") from None


def _save(networks: list[AddedNetwork]) -> None:
    write_json_atomic(store_path(), {"networks": [asdict(n) for n in networks]})


def remember(network: AddedNetwork) -> AddedNetwork:
    """Keep ``network`` in the data folder and list it in the catalogue (its name must be free)."""
    check_name(network.name)
    if any(e.name == network.name for e in CATALOGUE):
        raise ValueError(f"A tracker named '{network.name}' exists already: choose another name.")
    network = AddedNetwork(**{**asdict(network), "added": network.added or time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    register(network.entry())
    _save([n for n in remembered() if n.name != network.name] + [network])
    return network


def forget(name: str) -> None:
    """Take an added network out of the data folder and the catalogue (its file is left alone)."""
    _save([n for n in remembered() if n.name != name])
    unregister(name)


def load_into_catalogue() -> list[str]:
    """List every remembered network in the catalogue; returns, in one line each, those whose file is missing or
    changed (they are listed all the same, so that studies made with them still show their name)."""
    problems = []
    for network in remembered():
        if not any(e.name == network.name for e in CATALOGUE):
            register(network.entry())
        problem = network.problem()
        if problem:
            problems.append(problem)
    return problems


def command_line_name(path: Path) -> str:
    """``onnx:`` + the file's stem, with anything a tracker name cannot hold made '-'."""
    return "onnx:" + re.sub(r"[^A-Za-z0-9_.-]", "-", Path(path).stem)


def use_for_this_run(path: Path, preset: str) -> str:
    """A catalogue entry for ``onnx:PATH`` typed on the command line (this run only); returns its name."""
    path = Path(path).resolve()
    name = command_line_name(path)
    entry = AddedNetwork(name, str(path), "", 0, preset).entry()
    existing = next((e for e in CATALOGUE if e.name == name), None)
    if existing is not None and existing.bound != entry.bound:
        raise ValueError(f"Two networks would be called {name} ({dict(existing.bound).get('file')} and {path}): "
                         "rename one file, or add one with a name of its own (add-network).")
    if existing is None:
        register(entry)
    return name


def used_networks(names: list[str]) -> list[str]:
    """The added networks among a study's trackers and cloak targets, once each (a spelled variant such as
    ``mf-onnx/linear`` counts as its network); names the catalogue does not know are left to the study to refuse."""
    found: list[str] = []
    for name in names:
        try:
            entry = tracker(name)
        except ValueError:
            continue
        network = entry.variant_of or entry.name
        if entry.bound and network not in found:
            found.append(network)
    return found
