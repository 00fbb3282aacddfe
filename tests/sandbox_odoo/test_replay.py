"""Contract test: every recorded exchange with a real Odoo 17 (transcripts 01-15), replayed against
the sandbox in recording order, gets the same answer — compared by value (names, states, amounts,
quantities, units, taxes, error names and messages), with only the keys of
``replay.EXEMPT_KEYS`` (and the web session's internals) allowed to differ."""
from __future__ import annotations

import pytest

from .replay import RUNS, replay_upto, value_diff

FILES = [p for run in RUNS for p in run.files]


@pytest.mark.parametrize("prefix", FILES)
def test_replay_compares_values(prefix):
    earlier, own = replay_upto(prefix)
    assert not own, f"{len(own)} differences in {prefix}:\n" + "\n".join(own[:60])
    assert not earlier, "an earlier file of the run differs (see its own test)"


def test_value_diff_sees_values_not_only_shapes():
    assert value_diff({"name": "S00001", "amount_total": 398.5}, {"name": "S00002", "amount_total": 398.5})
    assert value_diff([1, "Units"], [2, "Dozens"])
    assert value_diff({"qty": 36.0}, {"qty": 3.0})
    assert not value_diff({"amount": 214.23000000000002, "write_date": "2026-11-28 17:54:47"},
                          {"amount": 214.23, "write_date": "2026-12-01 10:00:00"})
    assert value_diff({"a": 1}, {"a": 1, "b": 2})
    assert value_diff(1, 1.0)
