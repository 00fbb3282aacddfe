"""purchase_defaults.validate_receipts: off by default, a boolean, refused with a clear message."""

from __future__ import annotations

import pytest

from procuros_dagster.settings import Settings, SettingsError, parse_settings


def test_validate_receipts_is_off_by_default_and_can_be_switched_on():
    assert Settings().purchase_defaults.validate_receipts is False
    on = parse_settings({"purchase_defaults": {"validate_receipts": True}}, "settings.yaml")
    assert on.purchase_defaults.validate_receipts is True


def test_validate_receipts_must_be_true_or_false():
    with pytest.raises(SettingsError) as exc:
        parse_settings({"purchase_defaults": {"validate_receipts": "yes"}}, "settings.yaml")
    assert exc.value.problems == [
        "settings.yaml: purchase_defaults.validate_receipts: 'yes' is not allowed; use true or false"]
