from __future__ import annotations

from datetime import datetime

import pytest

from procuros_dagster.procuros import (ReceivedTransaction, Transaction, validate_document, validate_request,
                                       validate_response)
from procuros_dagster.procuros.openapi import spec

from .conftest import content, fixture

TYPES = {"order": "ORDER", "order_response": "ORDER_RESPONSE", "shipping_notice": "SHIPPING_NOTICE",
         "invoice": "INVOICE", "credit_note": "CREDIT_NOTE"}


@pytest.mark.parametrize("name", TYPES)
def test_fixtures_validate_and_travel_as_received(name):
    raw = content(name)
    assert validate_document(TYPES[name], raw) == []
    assert validate_document(TYPES[name], raw, strict=False) == []
    # the client hands the content on exactly as Procuros sent it
    tx = ReceivedTransaction.model_validate({"procurosTransactionId": "9a1d7d4e-0000-4000-8000-000000000001"}
                                            | fixture(name))
    assert tx.type == TYPES[name] and tx.content == raw and tx.to_dict()["content"] == raw


def test_vendored_spec_is_trimmed_but_complete():
    doc = spec()
    assert doc["openapi"] == "3.0.3" and len(doc["paths"]) == 7
    assert "description" not in doc["components"]["schemas"]["OrderHeader"]
    assert "example" not in doc["components"]["schemas"]["DateTime"]
    # property *names* called description survive the trimming
    assert "description" in doc["components"]["schemas"]["Tax"]["properties"]


def test_date_only_and_unknown_keys_are_lenient_only_where_procuros_sends():
    raw = content("order")
    raw["header"]["orderDate"] = "2025-03-10"
    raw["header"]["brandNewProcurosField"] = {"x": 1}
    raw["items"][0]["futureAttribute"] = True
    # unknown keys: Procuros adds properties without a version bump, so they never fail a document
    assert validate_document("ORDER", raw, strict=False) == []
    # a bare date is what Procuros sends, never what we may send
    problems = validate_document("ORDER", raw)
    assert problems and all(p.startswith("content.header.orderDate: '2025-03-10'") for p in problems)
    raw["header"]["orderDate"] = "2025-03-10T00:00:00+01:00"
    assert validate_document("ORDER", raw) == []


@pytest.mark.parametrize("created, berlin, offset", [
    ("2025-03-10", "2025-03-10T00:00:00+01:00", 3600),             # date only → midnight Berlin (CET)
    ("2025-07-01", "2025-07-01T00:00:00+02:00", 7200),             # ... summer time (CEST)
    ("2025-07-01T08:15:00", "2025-07-01T08:15:00+02:00", 7200),     # no offset → Berlin
    ("2025-07-01T06:15:00Z", "2025-07-01T06:15:00+00:00", 0),
    ("2025-07-01T06:15:00.250+00:00", "2025-07-01T06:15:00.250000+00:00", 0),
])
def test_transaction_datetimes_are_berlin_when_procuros_gives_no_zone(created, berlin, offset):
    tx = Transaction.model_validate(fixture("order") | {"status": "SUCCESS", "flow": "LIVE", "createdAt": created})
    assert tx.created_at.utcoffset().total_seconds() == offset
    assert tx.created_at == datetime.fromisoformat(berlin)
    assert tx.to_dict()["createdAt"] == berlin


def test_additional_order_identifiers_pascal_case():
    # the one PascalCase key of the API: the schema knows it by that name only
    raw = content("order_response")
    raw["header"]["AdditionalOrderIdentifiers"] = {"supplierOrderIdentifier": "S00042"}
    assert validate_document("ORDER_RESPONSE", raw) == []
    raw["header"]["AdditionalOrderIdentifiers"] = {"supplierOrderIdentifier": 42}
    assert validate_document("ORDER_RESPONSE", raw) == [
        "content.header.AdditionalOrderIdentifiers.supplierOrderIdentifier: 42 is not of type 'string'"]
    del raw["header"]["AdditionalOrderIdentifiers"]
    raw["header"]["additionalOrderIdentifiers"] = {"supplierOrderIdentifier": 42}  # camelCase: unknown, ignored
    assert validate_document("ORDER_RESPONSE", raw) == []
    header = spec()["components"]["schemas"]["OrderResponseHeader"]["properties"]
    assert "AdditionalOrderIdentifiers" in header and "additionalOrderIdentifiers" not in header


def test_nested_structures_are_checked_to_the_leaf():
    sn = content("shipping_notice")
    items = sn["transportUnits"][0]["items"]
    assert [i["lineNumber"] for i in items] == [1, 2, 3]
    items[0]["batches"][1]["expirationDate"] = "08.03.2026"
    items[2]["openQuantityAction"] = "LOST"
    problems = validate_document("SHIPPING_NOTICE", sn)
    assert "content.transportUnits[0].items[0].batches[1].expirationDate: '08.03.2026' is not a 'date'" in problems
    assert ("content.transportUnits[0].items[2].openQuantityAction: 'LOST' is not one of "
            "['DISCARDED', 'DELIVERED_LATER']") in problems
    inv = content("invoice")
    inv["header"]["supplier"]["financialInstitution"]["accountNumber"] = 123
    inv["summary"]["tax"]["items"][1]["taxableAmount"] = "715,2"
    inv["summary"]["modificationGroups"][0]["modifications"][0]["tax"]["amount"] = "4,75"
    inv["header"]["paymentTerms"][0]["payInNumberOfDays"] = "14"
    assert validate_document("INVOICE", inv) == [
        "content.header.paymentTerms[0].payInNumberOfDays: '14' is not of type 'integer'",
        "content.header.supplier.financialInstitution.accountNumber: 123 is not of type 'string'",
        "content.summary.modificationGroups[0].modifications[0].tax.amount: '4,75' is not of type 'number'",
        "content.summary.tax.items[1].taxableAmount: '715,2' is not of type 'number'",
    ]
    cn = content("credit_note")
    assert cn["items"][0]["reason"] == "Bruch bei Anlieferung"
    cn["items"][0]["reason"] = 5
    assert validate_document("CREDIT_NOTE", cn) == ["content.items[0].reason: 5 is not of type 'string'"]


def test_invalid_documents_are_reported_where_they_are_wrong():
    order = content("order")
    order["header"]["buyer"]["identifiers"] = []
    assert validate_document("ORDER", order) == ["content.header.buyer.identifiers: [] should be non-empty"]
    assert validate_document("ORDER", order, strict=False) == ["content.header.buyer.identifiers: [] should be non-empty"]


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
    assert t.is_latest_version and t.content["header"]["orderIdentifier"] == "PO-2025-004711"
    assert "someNewKey" not in t.to_dict()
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
