"""What a run with an online tracker will cost, said before any photo leaves the computer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServicePlan:
    """Calls, the least time they take at the account's pace, the photos uploaded and the price, in the
    service's currency at its price list of ``price_date``. ``cost`` is None where the price is unknown,
    ``uploads`` where the service's plan does not count them (Azure's says calls and time only)."""

    service: str  # "Amazon Rekognition"
    calls: int
    seconds: float
    uploads: int | None = None
    cost: float | None = None
    currency: str = "USD"
    price_date: str = ""  # "2026-12-01": when the price list was read
    price_note: str = ""  # "free tier: 5,000 images a month for 12 months"
    crowd: int = 0  # the crowd's photos (``--distractors``) this run's gallery holds
    crowd_sent_before: bool = False  # True: an earlier condition uploaded them, and they are not sent again

    def __str__(self) -> str:
        sent = f" ({self.uploads} photos sent)" if self.uploads is not None else ""
        if self.uploads is not None and self.crowd and self.crowd_sent_before:
            sent = (f" ({self.uploads} photos sent; the crowd's {self.crowd} photos were uploaded for an earlier "
                    "condition and are not sent again)")
        elif self.uploads is not None and self.crowd:
            sent = f" ({self.uploads} photos sent, the crowd's {self.crowd} among them, once for the whole study)"
        text = f"about {self.calls} {self.service} calls{sent}, at least {duration(self.seconds)} at the chosen pace"
        if self.cost is not None:
            text += f", about {self.cost:.2f} {self.currency} at the price list of {self.price_date}"
        if self.price_note:
            text += f" ({self.price_note})"
        return text

    def describe(self) -> dict:
        return {"calls": self.calls, "seconds": round(self.seconds, 1), "uploads": self.uploads, "cost": self.cost,
                "currency": self.currency, "price_date": self.price_date, "crowd_photos": self.crowd,
                "crowd_sent_before": self.crowd_sent_before}


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
