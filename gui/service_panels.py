"""What each online service adds to the common panel (``gui/service_panel.py``): Azure its endpoint, tier,
models and confidence line; Amazon Rekognition its region; Face++ its endpoint. Each also says which of its
backend's functions test the connection and list or delete what interrupted runs left."""
from __future__ import annotations

import os

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSizePolicy

from core.catalogue import Tracker

from .service_panel import ServicePanel

TIERS = {"free": "Free (F0): 20 calls a minute", "standard": "Standard (S0): 10 calls a second"}
MODEL_CHOICES = {"latest": "Latest: recognition_04 + detection_03",
                 "2020": "2020 study: recognition_01 + detection_01"}
# Where Amazon Rekognition runs (botocore's list of regions for "rekognition"); any other can be typed.
AWS_REGIONS = {"us-east-1": "N. Virginia", "us-east-2": "Ohio", "us-west-1": "N. California", "us-west-2": "Oregon",
               "ca-central-1": "Canada", "sa-east-1": "São Paulo", "eu-west-1": "Ireland", "eu-west-2": "London",
               "eu-central-1": "Frankfurt", "eu-south-2": "Spain", "il-central-1": "Tel Aviv", "ap-south-1": "Mumbai",
               "ap-southeast-1": "Singapore", "ap-southeast-2": "Sydney", "ap-northeast-1": "Tokyo",
               "ap-northeast-2": "Seoul"}


class AzurePanel(ServicePanel):
    secret_options = {"subscription key": "key"}
    leftover_noun = "group"
    cost_words = ("The free tier (F0) costs nothing, up to 20 calls a minute and 30,000 a month; the standard tier "
                  "(S0) is billed per 1,000 calls at Microsoft's price list.")

    def __init__(self, entry: Tracker, settings):
        super().__init__(entry, settings)
        self.title = "Azure Face"

    def add_settings(self, form: QFormLayout) -> None:
        self.endpoint = QLineEdit(str(self.settings.value("azure/endpoint", "")))
        self.endpoint.setPlaceholderText("https://<your-resource>.cognitiveservices.azure.com/")
        self.endpoint.setToolTip("From the Azure portal: your Face resource › Keys and Endpoint.")
        self.endpoint.textChanged.connect(self.changed)
        form.addRow("Endpoint", self.endpoint)

    def add_extras(self, form: QFormLayout) -> None:
        self.tier = QComboBox()
        for value, words in TIERS.items():
            self.tier.addItem(words, value)
        self.tier.setCurrentIndex(max(self.tier.findData(self.settings.value("azure/tier", "free")), 0))
        self.tier.setToolTip("The app paces its calls to your resource's pricing tier so Azure does not refuse them.")
        self.models = QComboBox()
        for value, words in MODEL_CHOICES.items():
            self.models.addItem(words, value)
        self.models.setCurrentIndex(max(self.models.findData(self.settings.value("azure/models", "latest")), 0))
        self.models.setToolTip("The reference study (2020) used recognition_01; confidences of different models "
                               "are not comparable.")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(float(self.settings.value("recognition/threshold", 0.5)))
        self.threshold.setToolTip("Azure's own confidence line (0.5 is Azure's default), used only when the study has "
                                  "no clean condition to calibrate Azure on. The other recognizers are always calibrated.")
        form.addRow("Tier", self.tier)
        form.addRow("Models", self.models)
        form.addRow("Confidence line", self.threshold)

    def settings_options(self) -> dict:
        return {"threshold": self.threshold.value(), "endpoint": self.endpoint.text().strip() or None,
                "tier": self.tier.currentData(), "models": self.models.currentData()}

    def save_settings(self) -> None:
        self.settings.setValue("recognition/threshold", self.threshold.value())
        self.settings.setValue("azure/endpoint", self.endpoint.text().strip())
        self.settings.setValue("azure/tier", self.tier.currentData())
        self.settings.setValue("azure/models", self.models.currentData())

    def is_set_up(self) -> bool:
        return bool(self.endpoint.text().strip())

    # Azure's key has always lived in core.credentials (same keyring entry; its own memory where there is none).
    def load(self, field: str) -> str | None:
        from core.credentials import load_key

        return load_key()

    def store(self, field: str, value: str) -> str:
        from core.credentials import save_key

        return save_key(value)

    def drop(self, field: str) -> str:
        from core.credentials import forget_key

        return forget_key()

    @staticmethod
    def _resolved(options: dict) -> tuple[str, str]:
        from core.credentials import resolve_azure

        endpoint, key = resolve_azure(options.get("endpoint"), options.get("key"))
        if not endpoint or not key:
            raise ValueError("Enter the endpoint and the key first.")
        return endpoint, key

    def connection(self, options: dict) -> tuple[bool, str]:
        from core.recognizers.azure import test_connection

        return test_connection(*self._resolved(options), models=options["models"])

    def find(self, options: dict, job) -> list[tuple[str, str]]:
        from core.recognizers.azure import leftover_groups

        return [(g.group_id, g.group_id) for g in leftover_groups(*self._resolved(options), job, tier=options["tier"])]

    def remove(self, options: dict, object_id: str, job) -> None:
        from core.recognizers.azure import delete_group

        delete_group(*self._resolved(options), object_id, job, tier=options["tier"])


class RekognitionPanel(ServicePanel):
    secret_options = {"access key id": "key_id", "secret access key": "key"}
    leftover_noun = "collection"
    cost_words = ("About 1 US dollar per 1,000 photos sent (the US East price list; the AWS free tier may cover a "
                  "small study).")
    pace = 5.0
    pace_tip = "A new AWS account may make 5 face calls a second in most regions; raise it only if yours allows more."

    def add_settings(self, form: QFormLayout) -> None:
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.addItem("")
        for code, place in AWS_REGIONS.items():
            self.region.addItem(f"{code} ({place})")
        saved = str(self.settings.value("rekognition/region", ""))
        index = next((i for i in range(self.region.count()) if self.region.itemText(i).split(" ")[0] == saved), -1)
        if index >= 0:
            self.region.setCurrentIndex(index)
        else:
            self.region.setEditText(saved)
        self.region.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.region.lineEdit().setPlaceholderText("from your AWS settings (AWS_DEFAULT_REGION or your profile)")
        self.region.setToolTip("The AWS region whose Rekognition receives the photos; the collections made there "
                               "stay there until deleted. Any region code can be typed.")
        form.addRow("Region", self.region)

    def region_code(self) -> str | None:
        text = self.region.currentText().strip()
        return text.split(" ")[0] if text else None

    def settings_options(self) -> dict:
        return {"region": self.region_code()}

    def save_settings(self) -> None:
        super().save_settings()
        self.settings.setValue("rekognition/region", self.region_code() or "")

    def is_set_up(self) -> bool:
        """A key pair typed, saved or in the environment, or an AWS profile named for boto3."""
        return super().is_set_up() or bool(os.environ.get("AWS_PROFILE", "").strip())

    @staticmethod
    def _account(options: dict) -> dict:
        return {"key_id": options.get("key_id"), "key": options.get("key"), "region": options.get("region")}

    def connection(self, options: dict) -> tuple[bool, str]:
        from core.recognizers.rekognition import test_connection

        return test_connection(**self._account(options))

    def find(self, options: dict, job) -> list[tuple[str, str]]:
        from core.recognizers.rekognition import leftover_collections

        return [(c.object_id, c.description) for c in leftover_collections(**self._account(options), job=job)]

    def remove(self, options: dict, object_id: str, job) -> None:
        from core.recognizers.rekognition import delete_collection

        delete_collection(object_id, **self._account(options), job=job)


class FaceppPanel(ServicePanel):
    secret_options = {"api key": "key", "api secret": "secret"}
    leftover_noun = "faceset"
    cost_words = ("A free API key costs nothing but is slow (about 1 call a second); a paid key is billed per call at "
                  "Face++'s price list.")
    pace = 1.0
    pace_tip = "A free Face++ key may make about 1 call a second; a paid key more."

    def add_settings(self, form: QFormLayout) -> None:
        from core.recognizers.facepp_client import CHINA_ENDPOINT, DEFAULT_ENDPOINT, ENV_ENDPOINT

        self.endpoint = QComboBox()
        self.endpoint.addItem("International (api-us.faceplusplus.com)", DEFAULT_ENDPOINT)
        self.endpoint.addItem("China (api-cn.faceplusplus.com), for keys made on faceplusplus.com.cn", CHINA_ENDPOINT)
        from_env = os.environ.get(ENV_ENDPOINT, "").strip()
        if from_env and self.endpoint.findData(from_env) < 0:
            self.endpoint.addItem(f"Set by {ENV_ENDPOINT}: {from_env}", from_env)
        saved = str(self.settings.value("facepp/endpoint", from_env or DEFAULT_ENDPOINT))
        if self.endpoint.findData(saved) < 0:
            self.endpoint.addItem(f"Other: {saved}", saved)
        self.endpoint.setCurrentIndex(self.endpoint.findData(saved))
        self.endpoint.setToolTip("Use the one where your key was made: a key only works at its own endpoint.")
        form.addRow("Endpoint", self.endpoint)

    def settings_options(self) -> dict:
        return {"endpoint": self.endpoint.currentData()}

    def save_settings(self) -> None:
        super().save_settings()
        self.settings.setValue("facepp/endpoint", self.endpoint.currentData())

    @staticmethod
    def _account(options: dict) -> tuple:
        return options.get("endpoint"), options.get("key"), options.get("secret")

    def connection(self, options: dict) -> tuple[bool, str]:
        from core.recognizers.facepp import test_connection

        return test_connection(*self._account(options))

    def find(self, options: dict, job) -> list[tuple[str, str]]:
        from core.recognizers.facepp import leftover_facesets

        return [(f.object_id, f.description) for f in leftover_facesets(*self._account(options), job,
                                                                         calls_per_second=options["calls_per_second"])]

    def remove(self, options: dict, object_id: str, job) -> None:
        from core.recognizers.facepp import delete_faceset

        delete_faceset(object_id, *self._account(options), job, calls_per_second=options["calls_per_second"])


PANELS: dict[str, type[ServicePanel]] = {"azure": AzurePanel, "rekognition": RekognitionPanel, "facepp": FaceppPanel}


def make_panel(entry: Tracker, settings) -> ServicePanel:
    """The service's own panel; an online tracker without one gets the common part (its secrets and the note)."""
    return PANELS.get(entry.name, ServicePanel)(entry, settings)
