"""One pace per account: two trackers talking to one account share its calls, whatever rate each was given."""
from __future__ import annotations

import pytest

from core.recognizers.services.pacing import Pacer


def test_an_account_has_one_pacer_at_the_rate_last_given():
    first = Pacer.shared("Test service", "account-a", 5.0)
    second = Pacer.shared("Test service", "account-a", 1.0)
    assert second is first and first.interval == pytest.approx(1.0)
    assert Pacer.shared("Test service", "account-b", 5.0) is not first
    # the two trackers' calls are spaced as one stream: the third call waits for the two before it
    waits = [first.reserve(100.0), second.reserve(100.0), first.reserve(100.0)]
    assert waits == pytest.approx([0.0, 1.0, 2.0])
