from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from procuros_dagster.procuros import (DocumentInvalid, Order, ReceivedTransaction, parse_document,
                                       validate_document, validate_request, validate_response)
from procuros_dagster.procuros.models import BERLIN, CreditNote, ShippingNotice, Transaction
from procuros_dagster.procuros.openapi import spec

from .conftest import content, fixture

TYPES = {"order": "ORDER", "order_response": "ORDER_RESPONSE", "shipping_notice": "SHIPPING_NOTICE",
         "invoice": "INVOICE", "credit_note": "CREDIT_NOTE"}


@pytest.mark.parametrize("name", TYPES)
def test_fixtures_round_trip_and_validate(name):
    raw = content(name)
    assert validate_document(TYPES[name], raw) == []
    doc = parse_document(TYPES[name], raw)
    payload = doc.to_payload()
    assert payload == raw
    assert validate_document(TYPES[name], payload) == []


def test_vendored_spec_is_trimmed_but_complete():
    doc = spec()
    assert doc["openapi"] == "3.0.3" and len(doc["paths"]) == 7
    assert "description" not in doc["components"]["schemas"]["OrderHeader"]
    assert "example" not in doc["components"]["schemas"]["DateTime"]
    # property *names* called description survive the trimming
    assert "description" in doc["components"]["schemas"]["Tax"]["properties"]


def test_lenient_parse_date_only_and_unknown_keys():
    raw = content("order")
    raw["header"]["orderDate"] = "2025-03-10"
    raw["header"]["brandNewProcurosField"] = {"x": 1}
    raw["items"][0]["futureAttribute"] = True
    order = parse_document("ORDER", raw)
    assert order.header.order_date == datetime(2025, 3, 10, 0, 0, tzinfo=BERLIN)
    assert order.header.order_date.utcoffset().total_seconds() == 3600
    assert order.items[0].quantity == Decimal("40") and order.items[0].unit_price == Decimal("7.2")
    assert order.header.buyer.gln == "4012345000016"
    assert order.items[0].identifier("BUYER") == "KR-55102"
    payload = order.to_payload()
    assert payload["header"]["orderDate"] == "2025-03-10T00:00:00+01:00"
    assert "brandNewProcurosField" not in payload["header"] and "futureAttribute" not in payload["items"][0]


def test_summer_date_only_gets_cest_offset():
    raw = content("invoice")
    raw["header"]["invoiceDueDate"] = "2025-07-01"
    inv = parse_document("INVOICE", raw)
    assert inv.to_payload()["header"]["invoiceDueDate"] == "2025-07-01T00:00:00+02:00"


def test_additional_order_identifiers_pascal_case():
    raw = content("order_response")
    raw["header"]["AdditionalOrderIdentifiers"] = {"supplierOrderIdentifier": "S00042"}
    doc = parse_document("ORDER_RESPONSE", raw)
    assert doc.header.additional_order_identifiers.supplier_order_identifier == "S00042"
    payload = doc.to_payload()
    assert payload["header"]["AdditionalOrderIdentifiers"] == {"supplierOrderIdentifier": "S00042"}
    assert validate_document("ORDER_RESPONSE", payload) == []


def test_nested_structures_parse():
    sn = parse_document("SHIPPING_NOTICE", content("shipping_notice"))
    assert isinstance(sn, ShippingNotice)
    items = sn.all_items()
    assert [i.line_number for i in items] == [1, 2, 3]
    assert items[0].batches[1].expiration_date == date(2026, 3, 8)
    assert items[2].open_quantity_action == "DISCARDED"
    inv = parse_document("INVOICE", content("invoice"))
    assert inv.header.supplier.financial_institution.account_number == "DE89290501010012345678"
    assert inv.summary.tax.items[1].taxable_amount == Decimal("715.2")
    assert inv.summary.modification_groups[0].modifications[0].tax.amount == Decimal("4.75")
    assert inv.header.payment_terms[0].pay_in_number_of_days == 14
    cn = parse_document("CREDIT_NOTE", content("credit_note"))
    assert isinstance(cn, CreditNote) and cn.items[0].reason == "Bruch bei Anlieferung"


def test_strict_serialisation_rejects_invalid_documents():
    order = Order.model_validate(content("order"))
    order.header.buyer.identifiers = []
    with pytest.raises(DocumentInvalid) as info:
        order.to_payload()
    assert any("content.header.buyer.identifiers" in p for p in info.value.problems)
    assert order.to_payload(validate=False)["header"]["buyer"]["identifiers"] == []


def test_validate_document_strict_vs_lenient_dates():
    raw = content("credit_note")
    raw["header"]["creditNoteDate"] = "2025-03-21"
    problems = validate_document("CREDIT_NOTE", raw)
    assert problems and all(p.startswith("content.header.creditNoteDate") for p in problems)
    assert validate_document("CREDIT_NOTE", raw, strict=False) == []
    assert validate_document("NOT_A_TYPE", raw) == ['type: Transaction type "NOT_A_TYPE" is not valid']


def test_nullable_and_default_null_are_handled():
    raw = content("invoice")
    raw["items"][0]["tax"]["description"] = None  # Tax.description is nullable
    assert validate_document("INVOICE", raw) == []
    raw["items"][0]["unitPrice"] = None  # non-nullable (only default: null in the spec)
    assert any("unitPrice" in p for p in validate_document("INVOICE", raw))
    item = fixture("order")
    assert item["replacesProcurosTransactionId"] is None
    assert validate_response("GET", "/v2/transactions", 200, {
        "items": [item], "hasMore": False, "perPage": 100, "count": 1, "nextCursor": None, "nextPageUrl": None}) == []


def test_received_and_transaction_models():
    t = ReceivedTransaction.model_validate(fixture("order") | {"someNewKey": 1})
    assert t.is_latest_version and t.document().header.order_identifier == "PO-2025-004711"
    tx = Transaction.model_validate(fixture("order") | {"status": "PENDING", "flow": "TEST",
                                                        "createdAt": "2024-01-01T00:00:00+00:00"})
    assert tx.flow == "TEST" and tx.created_at.tzinfo is not None


def test_validate_request_and_response_contracts():
    assert validate_request("PUT", "/v2/transactions/{procurosTransactionId}", {"success": True}) == []
    assert validate_request("PUT", "/v2/transactions/{procurosTransactionId}", {"success": "yes"})
    assert validate_request("POST", "/v2/transactions/bulk/mark-processed", {"items": []})
    assert validate_request("GET", "/v2/ping") == []
    assert validate_response("GET", "/v2/ping", 204, None) == []
    assert validate_response("POST", "/v2/transactions", 400, {"message": "Payload already received"})
    assert validate_response("POST", "/v2/errors", 201, {"message": "OK.", "errorUrl": "u"}) == []
    with pytest.raises(KeyError):
        validate_request("DELETE", "/v2/ping")
