"""ORDER_RESPONSE to the buyer: ACCEPT, CHANGE and REJECT from a confirmed or cancelled quotation,
compared with the ORDER as the buyer sent it."""

from __future__ import annotations

import copy

import pytest

from procuros_dagster.mapping.order_responses_out import build_order_responses, changed_reason, changes_since_sent
from procuros_dagster.procuros.openapi import described_errors, validate_document

from .fixtures_out import CUSTOMER, CUSTOMER_GLN, DC, DEPOSIT, DEPOSIT_GTIN, OWN_GLN, UNITS, WIDGET, WIDGET_GTIN, ctx, partners, products


def _valid(content: dict) -> dict:
    problems = validate_document("ORDER_RESPONSE", content) + [
        f"{p}: {m}" for p, ms in described_errors("ORDER_RESPONSE", content).items() for m in ms]
    assert problems == []
    return content


def _ordered() -> dict:
    return {
        "header": {"buyer": {"identifiers": [{"identifier": CUSTOMER_GLN, "domain": "GS1"}]},
                   "supplier": {"identifiers": [{"identifier": OWN_GLN, "domain": "GS1"}]},
                   "orderIdentifier": "PO-4711", "orderDate": "2026-11-27T08:15:00+01:00",
                   "requestedDeliveryDate": "2026-12-03"},
        "items": [
            {"lineNumber": 1, "identifiers": [{"identifier": WIDGET_GTIN, "domain": "GS1"},
                                              {"identifier": "KR-100", "domain": "BUYER"}],
             "quantity": 10, "unitOfMeasure": "EA", "unitPrice": 2.5},
            {"lineNumber": 2, "identifiers": [{"identifier": DEPOSIT_GTIN, "domain": "GS1"}], "isDepositItem": True,
             "quantity": 10, "unitOfMeasure": "EA", "unitPrice": 0.25},
        ],
    }


def _bundle(*, state="sale", qty=10.0, price=2.5, commitment="2026-12-02 23:00:00", switch=True,
            ordered: dict | None = None, lines=None) -> dict:
    order = {"id": 7, "name": "S00007", "state": state, "partner_id": CUSTOMER, "partner_shipping_id": DC,
             "client_order_ref": "PO-4711", "date_order": "2026-11-28 09:30:00", "write_date": "2026-11-28 10:00:00",
             "commitment_date": commitment, "expected_date": "2026-11-29 09:30:00", "currency_id": [1, "EUR"],
             "x_procuros_order_date": "2026-11-27 07:15:00", "x_procuros_buyer_gln": CUSTOMER_GLN,
             "x_procuros_transaction_id": "tx-7", "company_id": [1, "My Company"]}
    if lines is None:
        lines = [
            {"id": 71, "order_id": [7, "S00007"], "sequence": 10, "display_type": False, "product_id": WIDGET,
             "name": "Widget", "product_uom_qty": qty, "product_uom": UNITS, "price_unit": price,
             "x_procuros_line_number": 1, "x_procuros_is_deposit": False, "x_procuros_buyer_article_number": False},
            {"id": 72, "order_id": [7, "S00007"], "sequence": 11, "display_type": False, "product_id": DEPOSIT,
             "name": "Pfand", "product_uom_qty": 10.0, "product_uom": UNITS, "price_unit": 0.25,
             "x_procuros_line_number": 2, "x_procuros_is_deposit": True, "x_procuros_buyer_article_number": False},
        ]
    people = [dict(p, x_procuros_send_order_response=switch) for p in partners()]
    return {"sale.order": [order], "sale.order.line": lines, "res.partner": people, "product.product": products(),
            "procuros.order": [{"id": 7, "content": ordered or _ordered()}]}


def _one(bundle) -> dict:
    batch = build_order_responses(bundle, ctx())
    assert batch.failures == []
    [doc] = batch.documents
    assert (doc.model, doc.record_id, doc.transaction_type) == ("sale.order", 7, "ORDER_RESPONSE")
    return _valid(doc.content)


def test_confirmed_as_ordered_is_an_accept_without_items():
    content = _one(_bundle())
    header = content["header"]
    assert header["type"] == "ACCEPT" and "items" not in content
    assert header["orderIdentifier"] == "PO-4711" and header["orderResponseIdentifier"] == "S00007"
    assert header["orderResponseDate"] == "2026-11-28T10:30:00+01:00"  # the confirmation (date_order)
    assert header["buyer"]["identifiers"][0]["identifier"] == CUSTOMER_GLN
    assert header["supplier"]["identifiers"][0]["identifier"] == OWN_GLN
    assert header["confirmedDeliveryDate"] == header["requestedDeliveryDate"] == "2026-12-03T00:00:00+01:00"


def test_an_edited_quantity_and_price_is_a_change_listing_every_line():
    content = _one(_bundle(qty=8.0, price=2.4))
    header, items = content["header"], content["items"]
    assert header["type"] == "CHANGE"
    assert header["requestedDeliveryDate"] == header["confirmedDeliveryDate"] == "2026-12-03T00:00:00+01:00"
    assert [(i["orderLineNumber"], i["orderedQuantity"], i["confirmedQuantity"], i["unitPrice"]) for i in items] == [
        (1, 10, 8, 2.4), (2, 10, 10, 0.25)]
    assert items[1]["isDepositItem"] is True
    # the buyer's article number is echoed as a BUYER identifier, with our GTIN and article number
    assert items[0]["identifiers"] == [{"identifier": WIDGET_GTIN, "domain": "GS1"},
                                       {"identifier": "PT-WIDGET", "domain": "SUPPLIER"},
                                       {"identifier": "KR-100", "domain": "BUYER"}]
    assert all(i["confirmedDeliveryDate"] == "2026-12-03T00:00:00+01:00" for i in items)


def test_the_buyers_article_number_kept_on_the_line_wins():
    bundle = _bundle(qty=9.0)
    bundle["sale.order.line"][1]["x_procuros_buyer_article_number"] = "KR-PFAND"
    items = _one(bundle)["items"]
    assert {"identifier": "KR-PFAND", "domain": "BUYER"} in items[1]["identifiers"]


def test_a_moved_delivery_date_is_a_change():
    content = _one(_bundle(commitment="2026-12-04 23:00:00"))
    assert content["header"]["type"] == "CHANGE"
    assert content["header"]["confirmedDeliveryDate"] == "2026-12-05T00:00:00+01:00"
    assert content["header"]["requestedDeliveryDate"] == "2026-12-03T00:00:00+01:00"


def test_a_deleted_line_is_confirmed_zero_and_an_added_one_was_ordered_zero():
    bundle = _bundle()
    widget = bundle["sale.order.line"][0]
    extra = dict(widget, id=73, sequence=12, product_uom_qty=2.0, x_procuros_line_number=False)
    bundle["sale.order.line"] = [widget, extra]
    items = _one(bundle)["items"]
    assert [(i["lineNumber"], i.get("orderLineNumber"), i["orderedQuantity"], i["confirmedQuantity"]) for i in items] == [
        (1, 1, 10, 10), (2, None, 0, 2), (3, 2, 10, 0)]
    assert items[2]["identifiers"] == [{"identifier": DEPOSIT_GTIN, "domain": "GS1"}]  # as the buyer sent them


def test_a_price_per_pricing_unit_is_compared_and_sent_per_pricing_unit():
    ordered = _ordered()
    ordered["items"][0].update(unitPrice=250.0, pricingUnitQuantity=100)
    assert _one(_bundle(price=2.5, ordered=ordered))["header"]["type"] == "ACCEPT"
    item = _one(_bundle(price=2.6, ordered=ordered))["items"][0]
    assert (item["unitPrice"], item["pricingUnitQuantity"]) == (260.0, 100)


def test_a_cancelled_order_is_a_reject_with_a_reason_and_without_items_or_dates():
    content = _one(_bundle(state="cancel"))
    header = content["header"]
    assert header["type"] == "REJECT" and "items" not in content
    assert "confirmedDeliveryDate" not in header and "requestedDeliveryDate" not in header
    assert "PO-4711 was cancelled" in header["comments"]
    assert header["orderResponseDate"] == "2026-11-28T11:00:00+01:00"


@pytest.mark.parametrize("change, reason", [
    (lambda b: b["res.partner"][0].update(x_procuros_send_order_response=False), "does not have 'Send Order Response'"),
    (lambda b: b.update({"procuros.order": []}), "is not in Procuros > Logs"),
    (lambda b: b["sale.order"][0].update(state="draft"), "neither confirmed nor cancelled"),
    (lambda b: b["sale.order.line"][0].update(product_uom=[12, "kg"]), "ordered in EA and is confirmed in KGM"),
])
def test_what_cannot_be_answered_is_refused_with_a_reason(change, reason):
    bundle = _bundle()
    change(bundle)
    batch = build_order_responses(bundle, ctx())
    assert batch.documents == []
    [failure] = batch.failures
    assert failure.reason.startswith("Sales order S00007: ") and reason in failure.reason


def test_the_payload_is_the_same_on_every_build():
    bundle = _bundle(qty=8.0)
    first = build_order_responses(copy.deepcopy(bundle), ctx()).documents[0].content
    assert build_order_responses(bundle, ctx()).documents[0].content == first


@pytest.mark.parametrize("content, path", [
    ({"header": {"type": "CHANGE"}}, "content.items"),
    ({"header": {"type": "CHANGE"}, "items": [{}]}, "content.header.confirmedDeliveryDate"),
    ({"header": {"type": "REJECT"}, "items": [{}]}, "content.items"),
    ({"header": {"confirmedDeliveryDate": "2026-12-03T00:00:00+01:00"}}, "content.header.confirmedDeliveryDate"),
])
def test_the_schemas_described_rules_on_order_responses(content, path):
    assert path in described_errors("ORDER_RESPONSE", content)


def test_what_changed_after_the_response_went_out_is_said_line_by_line():
    accept, change = _one(_bundle()), _one(_bundle(qty=8.0, price=2.4))
    reject = _one(_bundle(state="cancel"))
    assert changes_since_sent(accept, accept) == []
    assert changes_since_sent(accept, change) == ["type ACCEPT → CHANGE", "line 1 confirmed quantity 10 → 8"]
    assert changes_since_sent(change, _one(_bundle(qty=7.0, price=2.4))) == ["line 1 confirmed quantity 8 → 7"]
    assert changes_since_sent(accept, reject) == ["type ACCEPT → REJECT"]
    reason = changed_reason("S00007", "2026-11-28 10:00 UTC", ["type ACCEPT → REJECT"])
    assert reason.startswith("Sales order S00007 was changed after its order response was sent to Procuros on "
                             "2026-11-28 10:00 UTC: type ACCEPT → REJECT.")


def test_items_the_buyer_sent_without_line_numbers_are_numbered_as_the_import_numbers_them():
    ordered = _ordered()
    for item in ordered["items"]:
        del item["lineNumber"]
    assert _one(_bundle(ordered=ordered))["header"]["type"] == "ACCEPT"
    assert [i["orderLineNumber"] for i in _one(_bundle(qty=9.0, ordered=ordered))["items"]] == [1, 2]


# --- the buyer's terms as the import made them (orders_in_terms): pricing unit, allowances, charges ----

def _with_terms(*, price=0.12, discount=14.5, qty=10.0, freight=12.5, digits=2) -> dict:
    """The widget priced 12.34 per 100 with 5 % off the line and 10 % off the order (14.5 % in Odoo,
    0.12 per piece at 2 digits), and a freight charge of 12.50 the import made a charge line."""
    ordered = _ordered()
    ordered["items"][0].update(unitPrice=12.34, pricingUnitQuantity=100, pricingUnitOfMeasure="HUNDRED", modificationGroups=[
        {"level": 1, "basis": 1.234, "modifications": [
            {"type": "ALLOWANCE", "calculationType": "RELATIVE", "reasonCode": "DISCOUNT", "percentage": 5}]}])
    ordered["summary"] = {"modificationGroups": [{"level": 1, "basis": 3.734, "modifications": [
        {"type": "ALLOWANCE", "calculationType": "RELATIVE", "percentage": 10},
        {"type": "CHARGE", "calculationType": "ABSOLUTE", "reasonCode": "SHIPPING", "description": "Fracht",
         "amount": 12.5}]}]}
    bundle = _bundle(qty=qty, price=price, ordered=ordered)
    widget, deposit = bundle["sale.order.line"]
    widget["discount"], deposit["discount"] = discount, 10.0
    charge = dict(deposit, id=74, sequence=30, product_id=[40, "Standard delivery"], name="Fracht", product_uom_qty=1.0,
                  price_unit=freight, discount=0.0, x_procuros_line_number=False, x_procuros_is_deposit=False)
    bundle["sale.order.line"].append(charge)
    bundle["product.product"].append({"id": 40, "name": "Standard delivery", "display_name": "Standard delivery",
                                      "default_code": False, "barcode": False})
    bundle["decimal.precision"] = [{"name": "Product Price", "digits": digits}]
    return bundle


def test_an_order_with_a_price_per_100_discounts_and_a_charge_confirmed_as_imported_is_an_accept():
    content = _one(_with_terms())
    assert content["header"]["type"] == "ACCEPT" and "items" not in content
    # more price digits in Odoo: the import kept 0.1234, and that is as ordered too
    assert _one(_with_terms(price=0.1234, digits=4))["header"]["type"] == "ACCEPT"
    assert _one(_with_terms(price=0.12, digits=4))["header"]["type"] == "CHANGE"


def test_an_edited_quantity_is_a_change_with_the_buyers_prices_per_pricing_unit_before_its_allowances():
    bundle = _with_terms(qty=8.0)
    bundle["sale.order.line"][0]["x_procuros_buyer_article_number"] = "KR-100-L"
    items = _one(bundle)["items"]
    assert len(items) == 2  # the charge line is no order line
    widget, deposit = items
    assert (widget["orderedQuantity"], widget["confirmedQuantity"], widget["unitPrice"]) == (10, 8, 12.34)
    assert (widget["pricingUnitQuantity"], widget["pricingUnitOfMeasure"]) == (100, "HUNDRED")
    assert {"identifier": "KR-100-L", "domain": "BUYER"} in widget["identifiers"]
    assert (deposit["confirmedQuantity"], deposit["unitPrice"]) == (10, 0.25)  # 10 % off the order, as ordered


def test_a_discount_or_price_changed_in_odoo_is_sent_as_the_price_the_buyers_allowances_apply_to():
    # 20 % instead of the buyer's 14.5 %: 0.12 × 0.8 = 0.096 net, which the buyer's 14.5 % reach from 0.112281
    widget = _one(_with_terms(discount=20.0))["items"][0]
    assert (widget["unitPrice"], widget["pricingUnitQuantity"]) == (round(0.12 * 0.8 / 0.855 * 100, 6), 100)
    widget = _one(_with_terms(price=0.13))["items"][0]
    assert widget["unitPrice"] == 13.0


@pytest.mark.parametrize("change, reason", [
    (lambda b: b["sale.order.line"][2].update(price_unit=10.0), "charge 'Fracht' of 12.50 is 10.00 on the order"),
    (lambda b: b["sale.order.line"].pop(2), "charge 'Fracht' of 12.50 is no longer on the order"),
])
def test_a_charge_changed_in_odoo_is_refused_with_a_reason(change, reason):
    bundle = _with_terms()
    change(bundle)
    [failure] = build_order_responses(bundle, ctx()).failures
    assert reason in failure.reason


def test_a_line_charge_and_a_pricing_unit_without_its_quantity_as_the_import_reads_them():
    ordered = _ordered()
    ordered["items"][0].update(unitPrice=30.0, pricingUnitOfMeasure="DZN", modificationGroups=[
        {"level": 1, "basis": 25.0, "modifications": [
            {"type": "CHARGE", "calculationType": "ABSOLUTE", "reasonCode": "PACKAGING", "amount": 1.5}]}])
    bundle = _bundle(price=2.5, ordered=ordered)
    bundle["sale.order.line"].append(dict(bundle["sale.order.line"][1], id=75, name="Packaging (line 1)",
                                          price_unit=1.5, product_uom_qty=1.0, x_procuros_line_number=False))
    dozens = ctx(uom_codes={1: "EA", 12: "KGM", 13: "DZN"}, uom_factors={1: 1.0, 12: 1.0, 13: 1 / 12})
    [doc] = build_order_responses(bundle, dozens).documents
    assert doc.content["header"]["type"] == "ACCEPT"
    bundle["sale.order.line"][0]["price_unit"] = 2.4
    [doc] = build_order_responses(bundle, dozens).documents
    widget = _valid(doc.content)["items"][0]
    assert (widget["unitPrice"], widget["pricingUnitOfMeasure"], len(doc.content["items"])) == (28.8, "DZN", 2)


def test_a_delivery_window_is_echoed_and_a_day_in_it_is_as_ordered():
    ordered = _ordered()
    del ordered["header"]["requestedDeliveryDate"]
    ordered["header"].update(requestedEarliestDeliveryDate="2026-12-03", requestedLatestDeliveryDate="2026-12-05")
    ordered["items"][0]["requestedDeliveryDate"] = "2026-12-04"
    # the import commits to the window's first day; any day of the window is as ordered
    for day in ("2026-12-02 23:00:00", "2026-12-04 23:00:00"):
        header = _one(_bundle(commitment=day, ordered=ordered))["header"]
        assert header["type"] == "ACCEPT"
        assert (header["requestedEarliestDeliveryDate"], header["requestedLatestDeliveryDate"]) == (
            "2026-12-03T00:00:00+01:00", "2026-12-05T00:00:00+01:00")
    header = _one(_bundle(commitment="2026-12-05 23:00:00", ordered=ordered))["header"]
    assert (header["type"], header["requestedDeliveryDate"]) == ("CHANGE", "2026-12-03T00:00:00+01:00")
