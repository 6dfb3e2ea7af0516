"""Every tracker the app can ask, declared once: its name, its plain words, whether it runs on this computer or is
an online service (and which company then receives the photos), whether a cloak can be made against it, and where
its code, network, settings and credentials are.

The CLI's help, the Recognition tab, the "Check my own photos" dialog, the Cloaking tab's "Made against" boxes,
``core.recognizers.registry`` and the cloaking engine's networks all read this list. A new tracker is one file
(its ``Recognizer``) plus one entry here. Only strings: reading the catalogue loads no network and no client
library, so the window can list the trackers before anything heavy is imported.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace

from .recognizers.spec import parse_tracker

OFFLINE, ONLINE = "offline", "online"


@dataclass(frozen=True)
class Credential:
    """One thing a service needs to let us in: ``secret`` ones live in the keyring (or the environment variable
    ``env``), never in a settings file; the others are ordinary settings."""

    field: str  # "api key", "endpoint"
    env: str = ""  # the environment variable that gives it on the command line
    secret: bool = True


@dataclass(frozen=True)
class Tracker:
    name: str  # as spelled on the command line and in every output
    words: str  # one plain sentence for the window and the help
    kind: str  # OFFLINE or ONLINE
    recognizer: str  # "module:Class" of its ``core.recognizers.base.Recognizer``
    network: str = ""  # "module:Class" of its differentiable ``FaceEmbedder``: a cloak can be made against it
    cloak_words: str = ""  # how the "Made against" box describes it
    company: str = ""  # who receives the photos (online trackers)
    service: str = ""  # the service's own name: its secrets are kept in the keyring under it (services.keys)
    credentials: tuple[Credential, ...] = field(default_factory=tuple)
    settings_help: str = ""  # what the user sets up, in words (online trackers)
    variant_of: str = ""  # a spelled variant (dlib/nearest+median:3, core.recognizers.spec): the entry it is built on
    # an added ONNX network (core.added_networks): its ("file", path) and ("preset", spelling); its recognizer and
    # network classes serve every such network, and ``bound_to`` makes the class of this one
    bound: tuple[tuple[str, str], ...] = ()

    @property
    def online(self) -> bool:
        return self.kind == ONLINE

    @property
    def can_cloak(self) -> bool:
        return bool(self.network)

    def base_class(self) -> type:
        """The ``Recognizer`` class it names, imported now (and the network's or client's library with it); a
        spelled variant's is its base's, which ``core.recognizers.registry.recognizer_class`` gives its matcher and
        cleaning."""
        if self.variant_of:
            return tracker(self.variant_of).base_class()
        module, cls = self.recognizer.split(":")
        return self._bound_class(getattr(importlib.import_module(module), cls))

    def network_class(self) -> type:
        """Its differentiable network's ``FaceEmbedder`` class, imported now (a cloak is made against it)."""
        module, cls = self.network.split(":")
        return self._bound_class(getattr(importlib.import_module(module), cls))

    def _bound_class(self, found: type) -> type:
        return found.bound_to(self.name, **dict(self.bound)) if self.bound else found

    def describe(self) -> dict:
        """What the manifest records of the catalogue's entry."""
        return {"kind": self.kind, "can_drive_a_cloak": self.can_cloak, **({"company": self.company} if self.company else {}),
                **(parse_tracker(self.name).record() if self.variant_of else {})}


CATALOGUE: list[Tracker] = [
    Tracker("dlib", "dlib's ResNet face descriptor, on this computer (what most open-source face tools use).", OFFLINE,
            "core.recognizers.dlib:DlibRecognizer", "core.models.dlib_resnet:DlibResNet",
            "dlib's ResNet (the default recognizer): judging with dlib is then a white-box test"),
    Tracker("mobileface", "MobileFaceNet, a small network independent of dlib, on this computer.", OFFLINE,
            "core.recognizers.embedding:MobileFaceRecognizer", "core.models.mobileface:MobileFace",
            "MobileFaceNet, independent of dlib"),
    Tracker("faceres", "FaceRes, a larger network independent of dlib, on this computer.", OFFLINE,
            "core.recognizers.embedding:FaceResRecognizer", "core.models.faceres:FaceRes",
            "FaceRes, independent of dlib"),
    Tracker("azure", "Microsoft Azure Face, the service the reference study used. Needs an endpoint and a key; "
            "photos are sent to Microsoft.", ONLINE, "core.recognizers.azure:AzureRecognizer", company="Microsoft",
            service="Azure Face",
            credentials=(Credential("endpoint", "AZURE_FACE_ENDPOINT", secret=False),
                         Credential("subscription key", "AZURE_FACE_KEY")),
            settings_help="An Azure Face resource approved for identification (Limited Access since June 2022)."),
    Tracker("rekognition", "Amazon Rekognition face search. Needs an AWS account and a key pair; photos are sent to "
            "Amazon.", ONLINE, "core.recognizers.rekognition:RekognitionRecognizer", company="Amazon",
            service="Amazon Rekognition",
            credentials=(Credential("access key id", "AWS_ACCESS_KEY_ID"),
                         Credential("secret access key", "AWS_SECRET_ACCESS_KEY"),
                         Credential("region", "AWS_DEFAULT_REGION", secret=False)),
            settings_help="Any AWS account with Rekognition permissions; the standard AWS settings (environment, "
                          "profile) are used where no key pair is typed here."),
    Tracker("facepp", "Face++ (Megvii) face search. Needs an API key and secret; photos are sent to Megvii.", ONLINE,
            "core.recognizers.facepp:FacePlusPlusRecognizer", company="Megvii (Face++)",
            service="Face++",
            credentials=(Credential("api key", "FACEPP_API_KEY"), Credential("api secret", "FACEPP_API_SECRET"),
                         Credential("endpoint", "FACEPP_ENDPOINT", secret=False)),
            settings_help="A free or paid key from the Face++ console (international or China endpoint)."),
]


def register(entry: Tracker) -> None:
    """Add a tracker to the catalogue (a plug-in, or a test's throwaway one); a name is taken once."""
    if any(e.name == entry.name for e in CATALOGUE):
        raise ValueError(f"A recognizer named '{entry.name}' is in the catalogue already.")
    CATALOGUE.append(entry)


def unregister(name: str) -> None:
    CATALOGUE[:] = [e for e in CATALOGUE if e.name != name]


def tracker(name: str) -> Tracker:
    """The catalogue's entry for ``name``, or for a spelled variant of an offline entry (``dlib/nearest+median:3``:
    the base entry under the full spelling, ``core.recognizers.spec``); a one-line reason when there is none."""
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    spec = parse_tracker(name)  # a bad matcher or cleaning step is refused here, in one line
    base = next((e for e in CATALOGUE if e.name == spec.base), None)
    if base is None or not spec.variant:
        raise ValueError(f"Unknown recognizer '{name}': choose one of {', '.join(names())}.")
    if base.online:
        raise ValueError(f"The tracker '{name}' cannot be built: {base.name} is an online service, which matches and "
                         f"cleans photos its own way; a matcher or cleaning step is for trackers on this computer "
                         f"({', '.join(offline_names())}).")
    return replace(base, name=spec.spelling, words=f"{spec.words}: {base.words}", network="", cloak_words="",
                   variant_of=base.name)


def names(kind: str | None = None) -> list[str]:
    return [e.name for e in CATALOGUE if kind is None or e.kind == kind]


def offline_names() -> list[str]:
    return names(OFFLINE)


def cloak_targets() -> list[str]:
    """The trackers a cloak can be made against (differentiable networks)."""
    return [e.name for e in CATALOGUE if e.can_cloak]


def help_text() -> str:
    """The CLI's list of trackers, from the catalogue."""
    return "; ".join(f"{e.name} ({'online: photos go to ' + e.company if e.online else 'on this computer'})"
                     for e in CATALOGUE)
