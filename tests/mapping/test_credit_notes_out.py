"""CREDIT_NOTE mapping on bundles shaped like the real Odoo 17 reads (transcript 05)."""

from __future__ import annotations

import json

import pytest

from procuros_dagster.mapping.credit_notes_out import build_credit_notes, reversal_reason
from procuros_dagster.mapping.outbound import totals_mismatches
from procuros_dagster.procuros.openapi import validate_document

from . import fixtures_out as fx


def _one(bundle):
    batch = build_credit_notes(bundle, fx.ctx())
    assert batch.failures == []
    (doc,) = batch.documents  # the reversed invoice in the bundle is not a credit note
    assert validate_document("CREDIT_NOTE", doc.content) == []
    return batch, doc


def test_credit_note_references_the_reversed_invoice():
    batch, doc = _one(fx.credit_note_bundle())
    assert (doc.record_id, doc.record_name) == (5, "RINV/2026/00001")
    h = doc.content["header"]
    assert h["type"] == "CORRECTION"
    assert (h["creditNoteIdentifier"], h["creditNoteDate"]) == ("RINV/2026/00001", "2026-11-29T00:00:00+01:00")
    assert (h["invoiceIdentifier"], h["invoiceDate"]) == ("INV/2026/00001", "2026-11-28T00:00:00+01:00")
    assert h["orderIdentifier"] == "CUST-PO-4711"
    assert "reason" not in h  # customer without "Send Credit Note Reason"
    assert "AdditionalOrderIdentifiers" not in h  # not allowed on credit notes
    assert [i["quantity"] for i in doc.content["items"]] == [10.0, 25.5]
    assert doc.content["summary"]["dueAmount"] == 214.23
    assert totals_mismatches(batch).empty


def test_reason_only_with_the_switch():
    _, doc = _one(fx.credit_note_bundle(reason_switch=True))
    assert doc.content["header"]["reason"] == "Damaged goods returned (RETANN 9001)"
    _, doc = _one(fx.credit_note_bundle(reason_switch=True, ref="Reversal of: INV/2026/00001"))
    assert "reason" not in doc.content["header"]


@pytest.mark.parametrize("ref, invoice, expected", [
    ("Reversal of: INV/2026/00001, Damaged goods returned (RETANN 9001)", "INV/2026/00001",
     "Damaged goods returned (RETANN 9001)"),
    ("Reversal of: INV/2026/00001, price, too high", "INV/2026/00001", "price, too high"),
    # reversed by a German user (transcript 12): the words before the number are translated
    ("Stornierung von: INV/2026/00006, Ware retourniert", "INV/2026/00006", "Ware retourniert"),
    ("Extourne de : INV/2026/00007, Marchandise endommagée", "INV/2026/00007", "Marchandise endommagée"),
    ("Stornierung von: INV/2026/00006, Ware retourniert", None, "Ware retourniert"),
    ("Reversal of: INV/2026/00002", "INV/2026/00002", None),
    ("Reversal of: INV/2026/00002, ", "INV/2026/00002", None),
    ("Goodwill bonus", None, None),
    ("Goodwill bonus", "INV/2026/00002", None),
    (False, "INV/2026/00002", None),
    ("Reversal of: INV/1, " + "x" * 300, "INV/1", "x" * 255),
])
def test_reversal_reason_extraction(ref, invoice, expected):
    assert reversal_reason(ref, invoice) == expected


def test_credit_note_without_reversed_invoice_is_value_credit():
    bundle = fx.credit_note_bundle()
    bundle["account.move"][1]["reversed_entry_id"] = False
    _, doc = _one(bundle)
    assert doc.content["header"]["type"] == "VALUE_CREDIT"
    assert "invoiceIdentifier" not in doc.content["header"]


def test_credit_note_customer_without_switch_is_skipped():
    bundle = fx.credit_note_bundle()
    bundle["res.partner"][0]["x_procuros_send_invoice"] = False
    (f,) = build_credit_notes(bundle, fx.ctx()).failures
    assert f.reason.startswith("Credit note RINV/2026/00001: customer Procuros Test Customer GmbH does not have")


def test_deterministic_payload():
    a = build_credit_notes(fx.credit_note_bundle(reason_switch=True), fx.ctx()).documents[0].content
    b = build_credit_notes(fx.credit_note_bundle(reason_switch=True), fx.ctx()).documents[0].content
    assert json.dumps(a) == json.dumps(b)


def test_payment_terms_and_the_reversed_invoice():
    bundle = fx.credit_note_bundle()
    bundle["account.move"][1]["invoice_payment_term_id"] = [4, "30 Days"]
    _, doc = _one(bundle)
    h = doc.content["header"]
    assert h["paymentTerms"] == [{"payInNumberOfDays": 30, "percentage": 0.0}]
    assert (h["invoiceIdentifier"], h["invoiceDate"]) == ("INV/2026/00001", "2026-11-28T00:00:00+01:00")
    # without terms (Odoo's reversal leaves them empty): due on its date, payable at once
    _, doc = _one(fx.credit_note_bundle())
    assert doc.content["header"]["paymentTerms"] == [{"payInNumberOfDays": 0, "percentage": 0.0}]


def test_line_reasons_where_the_user_wrote_them_into_the_line():
    bundle = fx.credit_note_bundle(reason_switch=True)
    bundle["account.move.line"][0]["name"] = "Procuros Test Widget (buyer item 100-200) – Bruch bei Anlieferung"
    _, doc = _one(bundle)
    widget, flour = doc.content["items"]
    assert widget["reason"] == "Bruch bei Anlieferung"
    assert "reason" not in flour  # its label is the invoiced one
    _, doc = _one(fx.credit_note_bundle(reason_switch=False) | {"account.move.line": bundle["account.move.line"]})
    assert all("reason" not in i for i in doc.content["items"])
