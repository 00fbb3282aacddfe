"""Order responses → purchase order updates: normalise, resolve against look-ups, build writes (pure)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from procuros_dagster.mapping import order_responses_in as orr
from procuros_dagster.procuros.openapi import validate_document

OWN = "4098765000010"
SUPPLIER = "4092222000028"
OTHER = "4091111000019"
APFEL, ESPRESSO = "4098765000102", "4098765000126"
EA, CS, KG = 1, 2, 3


def content(order: str = "P00001", kind: str | None = "ACCEPT", items: list | None = None, *,
            supplier: str = SUPPLIER, buyer: str = OWN, comments: str | None = None, **header) -> dict:
    h: dict[str, Any] = {
        "buyer": {"identifiers": [{"identifier": buyer, "domain": "GS1"}]},
        "supplier": {"identifiers": [{"identifier": supplier, "domain": "GS1"}]},
        "orderResponseIdentifier": f"AB-{order}", "orderResponseDate": "2026-11-30T14:02:00+01:00",
        "orderIdentifier": order, **header,
    }
    if kind:
        h["type"] = kind
    if kind == "CHANGE":
        h.setdefault("requestedDeliveryDate", "2026-12-10T00:00:00+01:00")
        h.setdefault("confirmedDeliveryDate", "2026-12-10T00:00:00+01:00")
    if comments:
        h["comments"] = comments
    doc = {"header": h, **({"items": items} if items else {})}
    return doc


def item(line: int, gtin: str | None, confirmed: float, unit: str = "EA", price: float | None = None, **kw) -> dict:
    it: dict[str, Any] = {"orderLineNumber": line, "lineNumber": line, "confirmedQuantity": confirmed,
                          "unitOfMeasure": unit, **kw}
    if gtin:
        it["identifiers"] = [{"identifier": gtin, "domain": "GS1"}]
    if price is not None:
        it["unitPrice"] = price
    return it


def txn(doc: dict, tid: str = "t1", **kw) -> dict:
    return {"procurosTransactionId": tid, "type": "ORDER_RESPONSE", "content": doc, "isLatestVersion": True, **kw}


def lookups(orders: list[dict] | None = None, lines: list[dict] | None = None, bound=None) -> orr.Lookups:
    orders = orders if orders is not None else [po()]
    lines = lines if lines is not None else [
        pol(11, 1, 1, "Apfelschorle", APFEL, 120, EA, 0.55), pol(12, 1, 2, "Espresso", ESPRESSO, 10, EA, 12.0)]
    uoms = [{"id": EA, "name": "Units", "category_id": 1, "factor": 1.0, "x_procuros_unit_code": "EA"},
            {"id": CS, "name": "Case of 12", "category_id": 1, "factor": 1 / 12, "x_procuros_unit_code": "CS"},
            {"id": KG, "name": "kg", "category_id": 2, "factor": 1.0, "x_procuros_unit_code": "KGM"}]
    return orr.Lookups(orders=orr.frame(orr.PURCHASE_ORDERS, orders), lines=orr.frame(orr.PURCHASE_LINES, lines),
                       uoms=orr.frame(orr.UOMS, uoms), bound=bound or {})


def po(id_: int = 1, name: str = "P00001", state: str = "draft", gln: str = SUPPLIER, receipt=None) -> dict:
    return {"id": id_, "name": name, "state": state, "receipt_status": receipt, "partner_id": 7,
            "supplier_gln": gln, "company_id": 1}


def pol(id_, order_id, n, product, barcode, qty, uom, price, date="2026-12-08 08:00:00") -> dict:
    return {"id": id_, "order_id": order_id, "line_number": n, "product": product, "barcode": barcode,
            "product_qty": qty, "product_uom": uom, "price_unit": price, "date_planned": pd.Timestamp(date, tz="UTC")}


def run(*docs, look: orr.Lookups | None = None):
    norm = orr.normalise_order_responses([txn(d, f"t{i}") if isinstance(d, dict) and "header" in d else d
                                          for i, d in enumerate(docs, start=1)], own_gln=OWN)
    resolved = orr.resolve_order_responses(norm, look or lookups())
    return norm, resolved, orr.build_order_response_writes(resolved)


def reasons_of(resolved) -> dict[str, str]:
    return dict(zip(resolved.rejects["transaction_id"], resolved.rejects["reason"]))


def test_the_test_documents_are_valid_order_responses():
    for doc in (content(), content(kind="REJECT", comments="Nicht lieferbar"),
                content(kind="CHANGE", items=[item(1, APFEL, 9, "CS", 6.6), item(2, ESPRESSO, 8)])):
        assert validate_document("ORDER_RESPONSE", doc) == []


def test_accept_confirms_a_draft_and_an_already_confirmed_order_is_left_as_it_is():
    _, resolved, writes = run(content())
    assert [(w.status, w.target_order_id, w.line_vals) for w in writes] == [("confirm", 1, [])]
    _, _, writes = run(content(), look=lookups([po(state="purchase")]))
    assert writes[0].status == "already_confirmed" and writes[0].note == "P00001 was already confirmed"


def test_change_applies_quantities_prices_and_dates_in_the_lines_unit_and_says_what_changed():
    doc = content(kind="CHANGE", items=[
        item(1, APFEL, 9, "CS", 6.6),  # 9 cases of 12 = 108 units; 6.60 a case = 0.55 a unit (unchanged)
        item(2, ESPRESSO, 8, price=12.5, confirmedDeliveryDate="2026-12-12"),
    ])
    _, resolved, [w] = run(doc)
    assert w.status == "change"
    assert w.line_vals == [
        (11, {"product_qty": 108.0, "date_planned": "2026-12-09 23:00:00"}),  # the header's confirmed date
        (12, {"product_qty": 8.0, "price_unit": 12.5, "date_planned": "2026-12-11 23:00:00"}),
    ]
    assert w.changes == [
        "line 1 (Apfelschorle): quantity 120 → 108 Units, delivery 2026-12-08 → 2026-12-10",
        "line 2 (Espresso): quantity 10 → 8 Units, price 12 → 12.5, delivery 2026-12-08 → 2026-12-12",
    ]


def test_a_line_ordered_in_cases_takes_a_confirmation_in_units_converted():
    look = lookups(lines=[pol(11, 1, 1, "Apfelschorle", APFEL, 10, CS, 6.6)])
    _, _, [w] = run(content(kind="CHANGE", items=[item(1, APFEL, 96, "EA", 0.5)],
                            confirmedDeliveryDate="2026-12-08T09:00:00+01:00"), look=look)
    assert w.line_vals == [(11, {"product_qty": 8.0, "price_unit": 6.0})]


def test_unchanged_values_write_nothing():
    _, _, [w] = run(content(kind="CHANGE", items=[item(1, APFEL, 120, price=0.55), item(2, ESPRESSO, 10)],
                            confirmedDeliveryDate="2026-12-08T10:00:00+01:00"))
    assert w.status == "change" and w.line_vals == [] and w.changes == []


def test_reject_keeps_the_suppliers_reason_and_a_missing_type_is_a_reject():
    _, _, [w] = run(content(kind="REJECT", comments="Bio-Espresso bis Januar nicht lieferbar"))
    assert (w.status, w.comments, w.line_vals) == ("reject", "Bio-Espresso bis Januar nicht lieferbar", [])
    _, _, [w] = run(content(kind=None))
    assert (w.status, w.note) == ("reject", None)
    # an order confirmed when it was sent (no Require Order Response) cannot stay unconfirmed: say so
    _, _, [w] = run(content(kind="REJECT"), look=lookups([po(state="purchase")]))
    assert w.status == "reject" and "P00001 is already confirmed in Odoo: cancel it" in w.note


@pytest.mark.parametrize("doc, look, words", [
    (content("P99999"), None, "Order response for order P99999: we have no purchase order P99999"),
    (content(supplier=OTHER), None, f"purchase order P00001 was not sent to supplier GLN {OTHER}"),
    (content(), lookups([po(state="purchase", receipt="partial")]), "is already (partly) received"),
    (content(), lookups([po(state="done")]), "is already (partly) received"),
    (content(), lookups([po(state="cancel")]), "purchase order P00001 is cancelled"),
    (content(kind="CHANGE", items=[item(3, ESPRESSO, 1)]), None, "line 3: purchase order P00001 has no line 3"),
    (content(kind="CHANGE", items=[item(2, "4300348765432", 1)]), None,
     "line 2: GTIN 4300348765432 is not the product ordered on line 2 (Espresso, GTIN 4098765000126)"),
    (content(kind="CHANGE", items=[item(1, APFEL, 1, "KGM")]), None, "unit KGM cannot be converted into Units"),
    (content(kind="CHANGE", items=[item(1, APFEL, 1, "PF")]), None, "unit PF has no Odoo unit of measure"),
    (content(kind="CHANGE", items=[item(1, APFEL, 1)]), lookups([po(state="purchase")]), "is already confirmed"),
])
def test_responses_that_cannot_be_applied_are_rejected_with_reasons_the_supplier_can_act_on(doc, look, words):
    _, resolved, writes = run(doc, look=look)
    assert writes == []
    [reason] = resolved.rejects["reason"]
    assert words in reason
    assert list(resolved.rejects["error_type"]) == ["DATA"]


@pytest.mark.parametrize("doc, words", [
    (content(buyer=OTHER), f"is addressed to buyer GLN {OTHER}, but this connection is GLN {OWN}"),
    (content(kind="MAYBE"), "header.type 'MAYBE' is not ACCEPT, CHANGE or REJECT"),
    (content(kind="CHANGE"), "a CHANGE must list the order's lines"),
    (content(kind="CHANGE", items=[item(1, APFEL, -1)]), "line 1: confirmedQuantity -1 is negative"),
    (content(kind="CHANGE", items=[item(1, APFEL, 1), item(1, APFEL, 2)]), "line 1: the order line is answered more than once"),
    (content(kind="CHANGE", items=[item(1, APFEL, 1, confirmedDeliveryDate="10.12.2026")]), "is not a date"),
    (content(orderIdentifier=None), "no order number (orderIdentifier) given"),
])
def test_unreadable_responses_are_rejected_when_normalised(doc, words):
    norm = orr.normalise_order_responses([txn(doc)], own_gln=OWN)
    assert norm.headers.empty
    assert words in norm.rejects["reason"][0]


def test_an_older_version_is_not_applied():
    norm = orr.normalise_order_responses([txn(content(), isLatestVersion=False, replacedByProcurosTransactionId="t9")],
                                         own_gln=OWN)
    assert "not the latest version (replaced by transaction t9)" in norm.rejects["reason"][0]


def test_a_response_applied_before_is_not_applied_again():
    _, _, [w] = run(content(kind="REJECT"), look=lookups(bound={"t1": 1}))
    assert (w.status, w.line_vals) == ("already_imported", [])


def test_a_response_resent_under_a_new_transaction_id_is_recognised_by_supplier_order_and_number():
    key = orr.document_key(SUPPLIER, "P00001", "AB-P00001")
    assert key == orr.document_key(f" {SUPPLIER}", "p00001", "ab-p00001 ")  # spacing and case make no other response
    look = lookups(bound={})
    look = orr.Lookups(look.orders, look.lines, look.uoms, documents={key: 1})
    _, _, [w] = run(content(kind="REJECT"), look=look)
    assert (w.status, w.target_order_id, w.document_key) == ("already_imported", 1, key)
    assert "order response AB-P00001 was already applied to purchase order P00001" in w.note
    # another number, another order or another supplier is another response
    for doc in (content(kind="REJECT", orderResponseIdentifier="AB-2"),):
        _, _, [other] = run(doc, look=look)
        assert other.status == "reject" and other.document_key != key
    assert len({key, orr.document_key(OTHER, "P00001", "AB-P00001"), orr.document_key(SUPPLIER, "P00002", "AB-P00001")}) == 3


def test_of_two_responses_to_one_order_in_a_batch_the_later_version_is_applied():
    first = content(kind="REJECT", version=1)
    second = content(kind="ACCEPT", version=2, orderResponseIdentifier="AB-2")
    _, resolved, writes = run(first, second)
    assert {w.transaction_id: w.status for w in writes} == {"t1": "superseded", "t2": "confirm"}
    assert "superseded by the later response AB-2" in writes[0].note


def test_one_bad_response_does_not_hold_up_the_others():
    look = lookups([po(), po(2, "P00002")], [pol(11, 1, 1, "Apfelschorle", APFEL, 120, EA, 0.55),
                                             pol(21, 2, 1, "Espresso", ESPRESSO, 10, EA, 12.0)])
    _, resolved, writes = run(content("P00001"), content("P00002", kind="CHANGE", items=[item(2, ESPRESSO, 1)]),
                              content("P00003"), look=look)
    assert [(w.transaction_id, w.status) for w in writes] == [("t1", "confirm")]
    assert set(reasons_of(resolved)) == {"t2", "t3"}
    assert set(orr.summarise(resolved)["status"]) == {"confirm", "rejected"}


def test_write_problems_find_malformed_values():
    good = orr.OrderResponseWrite("t1", "change", 1, "P00001", "CHANGE", "AB-1", [(11, {"product_qty": 2.0})], [], None)
    bad = orr.OrderResponseWrite("t2", "change", 0, "P00002", "CHANGE", "AB-2", [(11, {"product_qty": float("nan")})],
                                 [], None)
    problems = orr.write_problems([good, bad])
    assert {p["transaction_id"] for p in problems} == {"t2"} and len(problems) == 2


def test_test_flow_responses_are_refused_and_unstorable_text_is_made_safe():
    norm = orr.normalise_order_responses([txn(content(kind="REJECT", comments="Werk\x00 zu"))], own_gln=OWN)
    assert norm.headers["comments"][0] == "Werk\ufffd zu"
    norm = orr.with_test_rejects(norm, [txn(content("P00002"), "t-test")])
    [reason] = norm.rejects.loc[norm.rejects["transaction_id"] == "t-test", "reason"]
    assert "send the order response in the live flow" in reason
