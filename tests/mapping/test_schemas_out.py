"""The pandera line schema rejects what the Procuros JSON schema cannot see."""

from __future__ import annotations

import pandera.pandas as pa
import pytest

from procuros_dagster.mapping.outbound import lines_frame
from procuros_dagster.mapping.schemas_out import OUTBOUND_LINES_SCHEMA, split_invalid_lines
from procuros_dagster.mapping.shipping_notices_out import build_shipping_notices

from . import fixtures_out as fx


def _row(**kw):
    row = dict(record_id=1, document="WH/OUT/00001", transaction_type="SHIPPING_NOTICE", line_number=1,
               gtin=fx.WIDGET_GTIN, unit="EA", quantity=3.0, ordered_quantity=5.0, shipped_quantity=3.0,
               over_delivered=False, unit_price=None, net_amount=None, tax_amount=None)
    row.update(kw)
    return row


def test_good_frame_passes():
    OUTBOUND_LINES_SCHEMA.validate(lines_frame([_row(), _row(line_number=2, gtin="96385074")]))


@pytest.mark.parametrize("bad, message", [
    (dict(gtin="4012345100014"), "is not a valid GTIN"),
    (dict(gtin="40123451000"), "is not a valid GTIN"),
    (dict(unit="KG"), "is not a Procuros unit code"),
    (dict(quantity=-1.0, shipped_quantity=-1.0), "must not be negative"),
    (dict(shipped_quantity=6.0, quantity=6.0), "shipped quantity exceeds ordered quantity"),
    (dict(transaction_type="INVOICE", ordered_quantity=None, shipped_quantity=None, unit_price=2.0,
          net_amount=6.5, tax_amount=1.0), "line net amount != quantity x unit price"),
])
def test_bad_rows_are_rejected(bad, message):
    df = lines_frame([_row(**bad), _row(record_id=2, document="WH/OUT/00002")])
    with pytest.raises(pa.errors.SchemaErrors):
        OUTBOUND_LINES_SCHEMA.validate(df, lazy=True)
    valid, problems = split_invalid_lines(df)
    assert valid["record_id"].tolist() == [2]
    assert list(problems) == [1] and any(message in p for p in problems[1])


def test_over_delivery_is_allowed_when_flagged():
    OUTBOUND_LINES_SCHEMA.validate(lines_frame([_row(quantity=6.0, shipped_quantity=6.0, over_delivered=True)]))


def test_builder_moves_schema_rejects_to_failures():
    bundle = fx.full_delivery_bundle()
    bundle["product.product"][0]["barcode"] = "4012345100013"
    ctx = fx.ctx(uom_codes={1: "EA", 12: "KGS"})  # a typo in the settings override
    batch = build_shipping_notices(bundle, ctx)
    assert batch.documents == [] and batch.lines.empty
    (f,) = batch.failures
    assert f.reason == "Delivery WH/OUT/00001: line 2: unit 'KGS' is not a Procuros unit code"
