"""Inbound order mapping: normalise → resolve → sale.order vals, with exact reject wording."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from procuros_dagster.mapping import schemas_in
from procuros_dagster.mapping.identifiers import gs1_check_digit, gtin_key, is_valid_gln, is_valid_gtin
from procuros_dagster.mapping.orders_in import (
    ImportLimits, OrderWrite, build_sale_order_vals, normalise_orders, parse_procuros_datetime, resolve_orders,
    summarise,
)

from .fixtures_in import (
    SUPPLIER_GLN, ALL_GS1, BILL_GLN, BUYER_GLN, GTIN_DEPOSIT, GTIN_ESPRESSO, GTIN_FLOUR, GTIN_SCHORLE, GTIN_TWIN,
    OTHER_BUYER_GLN, OTHER_SHIP_GLN, PARTNERS, SHIP_GLN, TID, existing_order, item, lookups, order_tx, party,
    DEFAULTS, PAYMENT_TERMS,
)

PO = "PO-2025-004711"


def run(txs, lk=None):
    return resolve_orders(normalise_orders(txs), lk or lookups())


def only_reason(res) -> str:
    assert len(res.rejects) == 1, res.rejects
    return res.rejects["reason"].iloc[0]


def test_fixture_identifiers_have_valid_check_digits():
    assert all(is_valid_gtin(c) for c in ALL_GS1)
    assert is_valid_gln(BUYER_GLN) and not is_valid_gln("4012345000017") and not is_valid_gln("401234500001")
    assert gs1_check_digit("401234500001") == 6
    assert gtin_key("04098765000102") == gtin_key(" 4098765000102 ") == "04098765000102"
    assert gtin_key("ABC-1") == "ABC-1" and gtin_key(None) is None and gtin_key(False) is None


# --- happy path ---------------------------------------------------------------------------------


def test_happy_path_end_to_end():
    norm = normalise_orders([order_tx()])
    h = norm.headers.iloc[0]
    assert (h.order_identifier, h.buyer_gln, h.supplier_gln, h.ship_to_gln, h.bill_to_gln) == (
        PO, BUYER_GLN, "4098765000010", SHIP_GLN, BILL_GLN)
    assert h.order_date == pd.Timestamp("2025-03-10 07:15", tz="UTC")
    assert h.payment_days == 30 and h.line_count == 3 and h.currency == "EUR" and bool(h.is_latest_version)
    assert norm.lines["is_deposit_item"].tolist() == [False, True, False]
    assert norm.lines["buyer_item_id"].isna().tolist() == [False, True, False]

    res = resolve_orders(norm, lookups())
    assert res.rejects.empty
    r = res.headers.iloc[0]
    assert r.status == "create" and pd.isna(r.target_order_id)
    assert (r.partner_id, r.partner_shipping_id, r.partner_invoice_id) == (10, 11, 12)
    # Kaufhaus has no own carrier → integration default; its order's terms are Odoo's "2/14 Net 30"
    assert (r.payment_term_id, r.carrier_id, r.warehouse_id, r.company_id) == (10, 2, 1, 1)
    assert r.commitment_date == pd.Timestamp("2025-03-16 23:00", tz="UTC")
    assert r.note == "Anlieferung Mo-Fr 06:00-10:00, Rampe 3."
    lines = res.lines
    assert lines["product_id"].tolist() == [101, 102, 103]
    assert lines["product_uom"].tolist() == [21, 21, 22]
    assert lines["product_uom_qty"].tolist() == [40.0, 40.0, 10.0]
    assert lines["is_deposit_item"].tolist() == [False, True, False]

    writes = build_sale_order_vals(res)
    assert writes == [OrderWrite(TID, "create", None, writes[0].vals)]
    vals = writes[0].vals
    assert vals == {
        "partner_id": 10, "partner_invoice_id": 12, "partner_shipping_id": 11,
        "client_order_ref": PO, "date_order": "2025-03-10 07:15:00", "warehouse_id": 1,
        "x_procuros_transaction_id": TID, "x_procuros_order_date": "2025-03-10 07:15:00",
        "x_procuros_buyer_gln": BUYER_GLN, "company_id": 1, "payment_term_id": 10, "carrier_id": 2,
        "commitment_date": "2025-03-16 23:00:00", "note": "<p>Anlieferung Mo-Fr 06:00-10:00, Rampe 3.</p>",
        "x_procuros_buyer_payment_terms": "2 % within 14 days, net 30 days",
        "order_line": [
            (0, 0, {"product_id": 101, "product_uom": 21, "product_uom_qty": 40.0, "sequence": 10,
                    "x_procuros_line_number": 1, "x_procuros_is_deposit": False, "price_unit": 7.2,
                    "name": "Apfelschorle 12 x 0,5 l PET", "x_procuros_buyer_article_number": "KR-55102"}),
            (0, 0, {"product_id": 102, "product_uom": 21, "product_uom_qty": 40.0, "sequence": 20,
                    "x_procuros_line_number": 2, "x_procuros_is_deposit": True, "price_unit": 3.0,
                    "name": "Pfand 12 x 0,25 EUR (Einweg)"}),
            (0, 0, {"product_id": 103, "product_uom": 22, "product_uom_qty": 10.0, "sequence": 30,
                    "x_procuros_line_number": 3, "x_procuros_is_deposit": False, "price_unit": 89.4,
                    "name": "Bio-Espresso ganze Bohne 6 x 1 kg", "x_procuros_buyer_article_number": "KR-70931"}),
        ],
    }


def _assert_plain(value):
    """Only JSON-plain values: ints (never [id, name] pairs or numpy types), str, float, bool."""
    if isinstance(value, dict):
        for v in value.values():
            _assert_plain(v)
    elif isinstance(value, (list, tuple)):
        assert not (len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str))
        for v in value:
            _assert_plain(v)
    else:
        assert type(value) in (int, float, str, bool), (value, type(value))


def test_vals_contain_only_plain_int_ids():
    lk = lookups(existing=[existing_order(500, "S00012", "draft", "old-tid")])
    txs = [order_tx(version=2), order_tx("t-new", order="PO-9", shipTo=party(OTHER_SHIP_GLN), billTo=None,
                                buyer=party(OTHER_BUYER_GLN, "Bergmann Markt GmbH"))]
    writes = build_sale_order_vals(run(txs, lk))
    assert [w.status for w in writes] == ["update", "create"]
    for w in writes:
        _assert_plain(w.vals)
        for key in ("partner_id", "partner_invoice_id", "partner_shipping_id", "warehouse_id", "carrier_id"):
            assert type(w.vals[key]) is int


def test_partner_payment_term_and_carrier_win_over_defaults_and_missing_shipto_billto_mean_buyer():
    tx = order_tx(buyer=party(OTHER_BUYER_GLN, "Bergmann Markt GmbH"), shipTo=None, billTo=None,
                  requestedDeliveryDate=None, comments=None, paymentTerms=None)
    res = run([tx])
    r = res.headers.iloc[0]
    assert (r.partner_id, r.partner_shipping_id, r.partner_invoice_id) == (20, 20, 20)
    assert (r.payment_term_id, r.carrier_id) == (7, 3)
    vals = build_sale_order_vals(res)[0].vals
    assert "commitment_date" not in vals and "note" not in vals  # nothing to say on create


def test_defaults_without_payment_term_are_left_to_odoo():
    lk = lookups()
    lk = type(lk)(**{**lk.__dict__, "defaults": type(lk.defaults)(1, None, None, None, 1)})
    vals = build_sale_order_vals(run([order_tx(paymentTerms=None)], lk))[0].vals
    assert "payment_term_id" not in vals and "carrier_id" not in vals


def test_shipto_given_by_address_only_is_the_buyer_s_delivery_address_at_that_address():
    ship = {"name": "Filiale Bonn", "postalAddress": {"street": "Markt 1", "city": "Bonn", "postalCode": "53111",
                                                      "countryCode": "DE"}}
    tx = order_tx(shipTo=ship, deliveryInformation="Bitte avisieren.")
    norm = normalise_orders([tx])
    h = norm.headers.iloc[0]
    assert pd.isna(h.ship_to_gln) and h.ship_to_city == "Bonn" and h.ship_to_postal_code == "53111"
    r = resolve_orders(norm, lookups()).headers.iloc[0]
    assert r.partner_shipping_id == 14  # Kaufhaus's delivery address at Markt 1, Bonn
    assert r.note == "Anlieferung Mo-Fr 06:00-10:00, Rampe 3.\n\nBitte avisieren."  # no "Ship to:" note
    # the buyer's own address is the buyer; spelling (Straße/Str.) and case do not matter
    own = {"postalAddress": {"street": "Hohe Str. 52", "city": "KÖLN", "postalCode": "50667"}}
    assert run([order_tx(shipTo=own)]).headers.iloc[0].partner_shipping_id == 10


def test_shipto_at_a_new_address_becomes_a_new_delivery_address_of_the_buyer():
    ship = {"name": "Filiale Aachen", "postalAddress": {"street": "Dom 3", "city": "Aachen", "postalCode": "52062",
                                                        "countryCode": "DE"}}
    [w] = build_sale_order_vals(run([order_tx(shipTo=ship)]))
    assert "partner_shipping_id" not in w.vals
    assert w.new_shipping == {"parent_id": 10, "type": "delivery", "name": "Filiale Aachen", "street": "Dom 3",
                              "zip": "52062", "city": "Aachen", "country_id": 57}
    # not at an address of another country either
    elsewhere = {"postalAddress": {"street": "Markt 1", "city": "Bonn", "postalCode": "53111", "countryCode": "AT"}}
    assert build_sale_order_vals(run([order_tx(shipTo=elsewhere)]))[0].new_shipping["country_id"] == 13


def test_final_recipient_order_type_promotion_contract_and_delivery_window_are_kept():
    final = {"name": "Markt Bonn-Süd", "identifiers": [{"identifier": OTHER_SHIP_GLN}],
             "postalAddress": {"street": "Südring 2", "postalCode": "53119", "city": "Bonn", "countryCode": "DE"}}
    tx = order_tx(finalRecipient=final, type="CROSS_DOCKING", promotionCode="OSTERN25", contractReference="RV-2025-7",
                  requestedDeliveryDate=None, requestedEarliestDeliveryDate="2025-03-17",
                  requestedLatestDeliveryDate="2025-03-19T12:00:00+01:00")
    tx["content"]["items"][0]["requestedDeliveryDate"] = "2025-03-18"
    tx["content"]["items"][0]["requestedLatestDeliveryDate"] = "2025-03-18T10:00:00+01:00"
    [w] = build_sale_order_vals(run([tx]))
    v = w.vals
    assert v["commitment_date"] == "2025-03-16 23:00:00"  # the window's first day is Odoo's Delivery Date
    assert (v["x_procuros_delivery_earliest"], v["x_procuros_delivery_latest"]) == (
        "2025-03-16 23:00:00", "2025-03-19 11:00:00")
    assert v["x_procuros_final_recipient"] == f"Markt Bonn-Süd (GLN {OTHER_SHIP_GLN}), Südring 2, 53119 Bonn, DE"
    assert (v["x_procuros_order_type"], v["x_procuros_promotion_code"], v["x_procuros_contract_reference"]) == (
        "CROSS_DOCKING", "OSTERN25", "RV-2025-7")
    line = v["order_line"][0][2]
    assert (line["x_procuros_delivery_date"], line["x_procuros_delivery_latest"]) == (
        "2025-03-17 23:00:00", "2025-03-18 09:00:00")
    assert "x_procuros_delivery_date" not in v["order_line"][1][2]
    bad = order_tx(requestedEarliestDeliveryDate="2025-03-19", requestedLatestDeliveryDate="2025-03-17")
    assert "requestedLatestDeliveryDate is before requestedEarliestDeliveryDate" in only_reason(run([bad]))


def test_buyer_article_numbers_are_stored_on_the_lines():
    lines = [l[2] for l in build_sale_order_vals(run([order_tx()]))[0].vals["order_line"]]
    assert [l.get("x_procuros_buyer_article_number") for l in lines] == ["KR-55102", None, "KR-70931"]


@pytest.mark.parametrize("terms, term_id, noted", [
    ([{"payInNumberOfDays": 30, "percentage": 0}], 4, False),  # "30 Days" by its instalment
    ([{"payInNumberOfDays": 7, "percentage": 2}, {"payInNumberOfDays": 30, "percentage": 0}], 9, False),
    ([{"payInNumberOfDays": 14, "percentage": 2}, {"payInNumberOfDays": 30, "percentage": 0}], 10, False),  # by name
    ([{"payInNumberOfDays": 60, "percentage": 0}], 4, True),  # none matches: the default, said in the chatter
    ([{"payInNumberOfDays": 10, "percentage": 3}, {"payInNumberOfDays": 45, "percentage": 0}], 4, True),
])
def test_the_order_s_payment_terms_are_matched_to_odoo_s(terms, term_id, noted):
    [w] = build_sale_order_vals(run([order_tx(paymentTerms=terms)]))
    assert w.vals["payment_term_id"] == term_id
    assert any("no Odoo payment term matches" in n for n in w.notes) is noted
    if noted:
        assert "the default payment terms (30 Days) apply" in w.notes[0]


def test_unmatched_payment_terms_fall_back_to_the_customer_s_and_say_so():
    tx = order_tx(buyer=party(OTHER_BUYER_GLN, "Bergmann Markt GmbH"), shipTo=None, billTo=None,
                  paymentTerms=[{"payInNumberOfDays": 60, "percentage": 0}])
    terms = PAYMENT_TERMS + [{"id": 7, "name": "Bergmann 90", "early_discount": False, "lines": []}]
    [w] = build_sale_order_vals(run([tx], lookups(payment_terms=terms)))
    assert w.vals["payment_term_id"] == 7
    assert w.notes == ("The buyer asks for payment terms net 60 days; no Odoo payment term matches them, so the "
                       "customer's payment terms (Bergmann 90) apply. Agree the terms with the buyer if they differ.",)


# --- prices per pricing unit, discounts and charges ------------------------------------------------


def _one_line(**kw):
    return order_tx(items=[item(1, GTIN_SCHORLE, quantity=1000, unitOfMeasure="EA", **kw)])


def test_a_price_per_100_pieces_is_not_imported_as_a_price_per_piece():
    [w] = build_sale_order_vals(run([_one_line(unitPrice=12.5, pricingUnitQuantity=100)]))
    line = w.vals["order_line"][0][2]
    assert line["price_unit"] == 0.13  # 0.125 per piece, rounded as Odoo rounds prices (2 decimals)
    assert line["x_procuros_buyer_price"] == "12.5 per 100 EA"
    assert w.notes == ("Line 1: the buyer's price 12.5 per 100 EA is 0.125 per EA; Odoo keeps prices to 2 decimals "
                       "(Product Price), so 0.13 per EA: 130.00 instead of the buyer's 125.00",)
    # with 4 price digits the price per piece is exact, and the line says what the buyer sent
    lk = lookups(defaults=type(DEFAULTS)(**{**DEFAULTS.__dict__, "price_digits": 4}))
    [w] = build_sale_order_vals(run([_one_line(unitPrice=12.5, pricingUnitQuantity=100, pricingUnitOfMeasure="CT")], lk))
    assert w.vals["order_line"][0][2]["price_unit"] == 0.125
    assert w.notes == ("Line 1: the buyer's price 12.5 per 100 EA (CT) is 0.125 per EA",)


def test_a_price_per_another_unit_is_converted_through_odoo_s_units():
    # the line in cases of 12, the price per piece (EA): 0.6 per piece is 7.20 per case
    tx = order_tx(items=[item(1, GTIN_SCHORLE, quantity=10, unitOfMeasure="CS", unitPrice=0.6, pricingUnitOfMeasure="EA")])
    [w] = build_sale_order_vals(run([tx]))
    assert w.vals["order_line"][0][2]["price_unit"] == 7.2
    assert w.vals["order_line"][0][2]["x_procuros_buyer_price"] == "0.6 per EA"
    # a pricing unit that says nothing about the line's: the buyer must say how many
    bad = order_tx(items=[item(1, GTIN_SCHORLE, quantity=10, unitOfMeasure="CS", unitPrice=30, pricingUnitOfMeasure="KGM")])
    assert only_reason(run([bad])) == ("Order PO-2025-004711 line 1: the price 30 is per KGM, but the line does not "
                                       "say how many CS are in one KGM; send pricingUnitQuantity")
    zero = _one_line(unitPrice=12.5, pricingUnitQuantity=0)
    assert "line 1: pricingUnitQuantity must be more than 0" in only_reason(run([zero]))


def _group(level, basis, *mods):
    return {"level": level, "basis": basis, "modifications": list(mods)}


def _mod(kind, calc, value, reason="DISCOUNT", description=None):
    m = {"type": kind, "calculationType": calc, "reasonCode": reason,
         ("percentage" if calc == "RELATIVE" else "amount"): value}
    if description:
        m["description"] = description
    return m


def test_line_allowances_become_the_line_s_discount_and_line_charges_charge_lines():
    groups = [_group(2, 90.0, _mod("ALLOWANCE", "RELATIVE", 5)),
              _group(1, 100.0, _mod("ALLOWANCE", "RELATIVE", 10), _mod("CHARGE", "ABSOLUTE", 4.5, "PACKAGING"))]
    tx = order_tx(items=[item(1, GTIN_SCHORLE, quantity=10, unitOfMeasure="CS", unitPrice=10, modificationGroups=groups),
                         item(2, GTIN_ESPRESSO, quantity=2, unitOfMeasure="CT", unitPrice=50,
                              modificationGroups=[_group(1, 100.0, _mod("ALLOWANCE", "ABSOLUTE", 12.5))])])
    [w] = build_sale_order_vals(run([tx]))
    lines = [l[2] for l in w.vals["order_line"]]
    assert [l.get("discount") for l in lines[:2]] == [14.5, 12.5]  # 10 % then 5 % of the rest; 12.50 of 100.00
    assert lines[2] == {"product_id": 190, "product_uom": 1, "product_uom_qty": 1.0, "price_unit": 4.5,
                        "name": "Packaging (line 1)", "sequence": 30, "x_procuros_is_deposit": False}
    assert w.notes == ("Line 2: the buyer's allowance of 12.50 (Discount) is 12.5 % of 100.00",)


def test_order_allowances_apply_to_every_line_and_order_charges_are_charge_lines():
    summary = {"subtotalAmount": 400.0, "modificationGroups": [_group(
        1, 400.0, _mod("ALLOWANCE", "ABSOLUTE", 20, description="Jubiläumsrabatt"),
        _mod("CHARGE", "ABSOLUTE", 25, "SHIPPING", "Fracht"))]}
    tx = order_tx(items=[item(1, GTIN_SCHORLE, quantity=10, unitOfMeasure="CS", unitPrice=30,
                              modificationGroups=[_group(1, 300.0, _mod("ALLOWANCE", "RELATIVE", 10))]),
                         item(2, GTIN_ESPRESSO, quantity=1, unitOfMeasure="CT", unitPrice=100)])
    tx["content"]["summary"] = summary
    [w] = build_sale_order_vals(run([tx]))
    lines = [l[2] for l in w.vals["order_line"]]
    assert [l.get("discount") for l in lines[:2]] == [14.5, 5.0]  # 10 % and the order's 5 %; the order's 5 %
    assert (lines[2]["name"], lines[2]["price_unit"]) == ("Fracht", 25.0)
    assert w.notes == ("The order's summary: the buyer's allowance of 20.00 (Jubiläumsrabatt) is 5 % of 400.00",)


@pytest.mark.parametrize("groups, reason", [
    ([_group(1, 100.0, _mod("ALLOWANCE", "ABSOLUTE", 120))], "line 1: allowances of 120.00 exceed the amount of 100.00"),
    ([_group(1, 100.0, {"type": "REBATE", "calculationType": "RELATIVE", "percentage": 3})],
     "line 1: a modification must be an ALLOWANCE or CHARGE, ABSOLUTE or RELATIVE (got 'REBATE', 'RELATIVE')"),
    ([_group(1, 100.0, {"type": "ALLOWANCE", "calculationType": "RELATIVE"})],
     "line 1: a relative allowance needs a percentage of 0 or more"),
    ([{"level": 1, "modifications": [_mod("ALLOWANCE", "RELATIVE", 3)]}],
     "line 1: a modification group needs its basis (the amount it applies to)"),
])
def test_modifications_that_cannot_be_applied_are_rejected_with_the_reason(groups, reason):
    tx = order_tx(items=[item(1, GTIN_SCHORLE, quantity=10, unitOfMeasure="CS", unitPrice=10, modificationGroups=groups)])
    assert reason in only_reason(run([tx]))


def test_charges_without_a_charge_product_are_our_own_failure_named_with_the_setting():
    lk = lookups(defaults=type(DEFAULTS)(**{**DEFAULTS.__dict__, "charge_product_id": None}))
    tx = order_tx(items=[item(1, GTIN_SCHORLE, quantity=1, modificationGroups=[
        _group(1, 7.2, _mod("CHARGE", "ABSOLUTE", 3, "HANDLING"))])])
    res = run([tx], lk)
    assert res.rejects["error_type"].tolist() == ["INTERNAL"]
    assert "set sales_defaults.charge_product" in only_reason(res)


def test_party_gln_is_taken_from_the_gs1_identifier():
    buyer = {"name": "Kaufhaus Rheinland AG", "identifiers": [
        {"identifier": "DE123456789", "domain": "VAT_DE"}, {"identifier": BUYER_GLN}]}  # domain defaults to GS1
    assert normalise_orders([order_tx(buyer=buyer)]).headers["buyer_gln"].tolist() == [BUYER_GLN]


# --- dates and defaults -------------------------------------------------------------------------


@pytest.mark.parametrize("value, utc", [
    ("2025-03-10", "2025-03-09 23:00"),                 # date only → midnight Berlin (CET)
    ("2025-07-01", "2025-06-30 22:00"),                 # ... summer time (CEST)
    ("2025-03-10T08:15:00+01:00", "2025-03-10 07:15"),
    ("2025-03-10T08:15:00Z", "2025-03-10 08:15"),
    ("2025-03-10T08:15:00", "2025-03-10 07:15"),        # no offset → Berlin
    ("2025-03-10T08:15:00.250+00:00", "2025-03-10 08:15:00.250"),
])
def test_dates_are_parsed_to_utc(value, utc):
    assert parse_procuros_datetime(value) == pd.Timestamp(utc, tz="UTC")
    norm = normalise_orders([order_tx(orderDate=value)])
    assert norm.headers["order_date"].iloc[0] == pd.Timestamp(utc, tz="UTC")
    assert str(norm.headers["order_date"].dtype) == "datetime64[ns, UTC]"


def test_line_defaults_number_unit_quantity():
    items = [item(None, GTIN_SCHORLE), item(None, GTIN_ESPRESSO, quantity=2.5, unitOfMeasure="CT"),
             item(1, GTIN_DEPOSIT, isDepositItem=True)]
    norm = normalise_orders([order_tx(items=items)])
    lines = norm.lines
    # line 1 is given on the third item: the first item gets the next free number, and so on
    assert lines["line_number"].tolist() == [2, 3, 1]
    assert lines["unit_code"].tolist() == ["EA", "CT", "EA"]
    assert lines["quantity"].tolist() == [1.0, 2.5, 1.0]
    assert lines["is_deposit_item"].tolist() == [False, False, True]
    assert lines["unit_price"].isna().all() and lines["description"].isna().all()
    res = resolve_orders(norm, lookups())
    assert res.rejects.empty
    order_line = build_sale_order_vals(res)[0].vals["order_line"]
    assert [c[2]["x_procuros_line_number"] for c in order_line] == [1, 2, 3]  # sorted by line number
    assert all("price_unit" not in c[2] and "name" not in c[2] for c in order_line)  # Odoo computes them


def test_line_requested_date_used_when_header_has_none():
    items = [item(1, requestedDeliveryDate="2025-03-20"), item(2, GTIN_ESPRESSO, requestedDeliveryDate="2025-03-18")]
    r = run([order_tx(items=items, requestedDeliveryDate=None)]).headers.iloc[0]
    assert r.commitment_date == pd.Timestamp("2025-03-17 23:00", tz="UTC")


# --- stage 1 rejects ----------------------------------------------------------------------------


@pytest.mark.parametrize("tx, error_type, reason", [
    ({**order_tx(), "type": "INVOICE"}, "INTERNAL",
     "Transaction type INVOICE is not an ORDER and cannot be imported as a sales order"),
    ({**order_tx(), "isLatestVersion": False, "replacedByProcurosTransactionId": "t-new"}, "DATA",
     f"Order {PO} is not the latest version (replaced by transaction t-new); only the newest version is imported"),
    (order_tx(buyer={"name": "Kaufhaus Rheinland AG", "identifiers": [{"identifier": "DE1", "domain": "VAT_DE"}]}),
     "DATA", f"Order {PO}: the buyer (Kaufhaus Rheinland AG) has no GLN (identifier with domain GS1)"),
    (order_tx(orderIdentifier=None), "DATA",
     f"Order from buyer GLN {BUYER_GLN} (Kaufhaus Rheinland AG) has no order number (orderIdentifier)"),
    (order_tx(items=[]), "DATA", f"Order {PO} has no items"),
    (order_tx(items=[item(1), item(2), item(3, None, identifiers=[{"identifier": "X", "domain": "GS1"}][:0])]),
     "DATA", f"Order {PO} line 3: no GTIN (GS1) or buyer article number given"),
    (order_tx(items=[item(1, quantity=0)]), "DATA", f"Order {PO} line 1: quantity 0 must be greater than zero"),
    (order_tx(items=[item(1, quantity=-2.5)]), "DATA", f"Order {PO} line 1: quantity -2.5 must be greater than zero"),
    (order_tx(items=[item(1, quantity="viele")]), "DATA", f"Order {PO}: items[0].quantity must be a number, not text ('viele'); nothing of this order was imported"),
    (order_tx(items=[item(1, unitOfMeasure="BOX")]), "DATA",
     f"Order {PO} line 1: unit 'BOX' is not a Procuros unit of measure"),
    (order_tx(orderDate="10.03.2025"), "DATA",
     f"Order {PO}: orderDate '10.03.2025' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"),
    (order_tx(orderDate=None), "DATA", f"Order {PO}: no order date (orderDate) given"),
    (order_tx(items=[item(1), item(1, GTIN_ESPRESSO)]), "DATA", f"Order {PO}: line number 1 is used more than once"),
])
def test_normalise_rejects_with_actionable_reason(tx, error_type, reason):
    norm = normalise_orders([tx])
    assert norm.headers.empty and norm.lines.empty
    [rej] = norm.rejects.to_dict("records")
    assert (rej["transaction_id"], rej["error_type"], rej["reason"]) == (TID, error_type, reason)
    assert rej["order_identifier"] == tx["content"]["header"].get("orderIdentifier") or pd.isna(rej["order_identifier"])


@pytest.mark.parametrize("tx, reason", [
    (order_tx(items=[item(1, quantity=1e12)]),
     f"Order {PO} line 1: quantity 1e+12 is more than the 1e+06 we accept on one line; "
     "please check the quantity and send the order again"),
    (order_tx(items=[item(1, unitPrice=-3.5)]), f"Order {PO} line 1: unit price -3.5 is outside 0-1e+06; please check the price"),
    (order_tx(order="P" * 2000), f"Order {'P' * 40}…: the order number is 2000 characters long; at most 255 are accepted"),
    (order_tx(items=[item(1, identifiers=[{"identifier": "4" * 300, "domain": "GS1"}])]),
     f"Order {PO} line 1: the GTIN is 300 characters long; at most 255 are accepted"),
    (order_tx(supplier={"name": "Someone else", "identifiers": [{"identifier": "4000000000017", "domain": "GS1"}]}),
     f"Order {PO} is addressed to supplier GLN 4000000000017, but this connection is GLN {SUPPLIER_GLN}; "
     "send it to the right supplier"),
])
def test_implausible_or_misrouted_orders_are_rejected(tx, reason):
    norm = normalise_orders([tx], own_gln=SUPPLIER_GLN)
    assert norm.headers.empty
    [rej] = norm.rejects.to_dict("records")
    assert (rej["error_type"], rej["reason"]) == ("DATA", reason)


def test_limits_are_settings_and_the_document_s_own_supplier_passes():
    assert not normalise_orders([order_tx()], own_gln=SUPPLIER_GLN).headers.empty
    big = order_tx(items=[item(n, quantity=5000) for n in range(1, 4)])
    assert normalise_orders([big], limits=ImportLimits(max_quantity=10_000)).rejects.empty
    norm = normalise_orders([big], limits=ImportLimits(max_quantity=1000, max_lines=2))
    assert norm.rejects["reason"].iloc[0] == f"Order {PO}: 3 lines; at most 2 are accepted in one order, please split it"


def test_several_problems_of_one_document_are_listed_together():
    items = [item(1, quantity=0), item(2, None), item(3, unitOfMeasure="XX", requestedDeliveryDate="morgen")]
    norm = normalise_orders([order_tx(items=items, orderDate="gestern")])
    assert norm.rejects["reason"].iloc[0] == "; ".join([
        f"Order {PO}: orderDate 'gestern' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)",
        f"Order {PO} line 1: quantity 0 must be greater than zero",
        f"Order {PO} line 2: no GTIN (GS1) or buyer article number given",
        f"Order {PO} line 3: unit 'XX' is not a Procuros unit of measure",
        f"Order {PO} line 3: requestedDeliveryDate 'morgen' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)",
    ])


def test_batch_with_good_and_bad_documents_goes_on():
    txs = [order_tx("t-1", order="PO-1"), order_tx("t-2", order="PO-2", items=[item(1, quantity=-1)]),
           order_tx("t-3", order="PO-3", items=[item(1, "4300348765432")]), "garbage",
           order_tx("t-4", order="PO-4", buyer=party(OTHER_BUYER_GLN), shipTo=None, billTo=None)]
    res = run(txs)
    assert res.headers["transaction_id"].tolist() == ["t-1", "t-4"]
    assert sorted(res.rejects["transaction_id"]) == ["t-2", "t-3", "unknown"]
    assert res.rejects.set_index("transaction_id").loc["unknown", "error_type"] == "INTERNAL"
    summary = summarise(res)
    assert summary.columns.tolist() == ["transaction_id", "order_identifier", "buyer", "lines", "status", "reason"]
    s = summary.set_index("transaction_id")
    assert s.loc["t-1", "status"] == "create" and s.loc["t-1", "lines"] == 3
    assert s.loc["t-1", "buyer"] == f"Kaufhaus Rheinland AG ({BUYER_GLN})"
    assert s.loc["t-3", "status"] == "rejected"
    assert s.loc["t-3", "reason"] == "Order PO-3 line 1: GTIN 4300348765432 matches no product and is not a valid GTIN (wrong length or check digit)"
    assert [w.transaction_id for w in build_sale_order_vals(res)] == ["t-1", "t-4"]


# --- stage 2: partners --------------------------------------------------------------------------


def test_unknown_buyer():
    tx = order_tx(buyer=party("4012345000047", "Kaufhaus Rheinland AG"))
    assert only_reason(run([tx])) == (
        f"Order {PO}: Buyer GLN 4012345000047 (Kaufhaus Rheinland AG) matches no contact in Odoo; "
        "enter it in the contact's Reference field")


def test_ambiguous_buyer_gln():
    partners = PARTNERS + [{**PARTNERS[0], "id": 30, "commercial_partner_id": 30, "name": "Rheinland Dublette"}]
    assert only_reason(run([order_tx()], lookups(partners=partners))).startswith(
        f"Order {PO}: Buyer GLN {BUYER_GLN} matches 2 contacts (Kaufhaus Rheinland AG, Rheinland Dublette); "
        "a GLN must be unique")


def test_archived_partner_and_child_contact_do_not_count_as_buyer():
    partners = [{**p, "active": p["id"] != 10} for p in PARTNERS]
    assert "matches no contact in Odoo" in only_reason(run([order_tx()], lookups(partners=partners)))
    # the buyer GLN on a delivery child only: no company carries it
    tx = order_tx(buyer=party(SHIP_GLN))
    assert f"Buyer GLN {SHIP_GLN} matches no contact" in only_reason(run([tx]))


def test_buyer_bound_to_another_integration():
    partners = [{**p, "x_procuros_connector": "Procuros Lager 2" if p["id"] == 10 else None} for p in PARTNERS]
    assert only_reason(run([order_tx()], lookups(partners=partners))) == (
        f"Order {PO}: Customer Kaufhaus Rheinland AG (GLN {BUYER_GLN}) trades through Procuros connector "
        "'Procuros Lager 2', not 'Procuros'; correct 'Procuros Connector' on the contact")


def test_shipto_and_billto_must_belong_to_the_buyer():
    tx = order_tx(shipTo=party("4012345000047", "Filiale Aachen"), billTo=party(OTHER_SHIP_GLN))
    assert only_reason(run([tx])) == "; ".join([
        f"Order {PO}: Delivery address GLN 4012345000047 (Filiale Aachen) matches no address of customer "
        "Kaufhaus Rheinland AG; add it as a delivery address of Kaufhaus Rheinland AG with the GLN in its Reference field",
        f"Order {PO}: Invoice address GLN {OTHER_SHIP_GLN} belongs to Bergmann Markt GmbH, "
        "not to customer Kaufhaus Rheinland AG",
    ])


def test_shipto_gln_equal_to_buyer_gln_is_the_buyer():
    assert run([order_tx(shipTo=party(BUYER_GLN))]).headers["partner_shipping_id"].tolist() == [10]


# --- stage 2: products and units ----------------------------------------------------------------


def test_unknown_and_ambiguous_gtin():
    items = [item(1, "4300348765432"), item(2, GTIN_TWIN)]
    assert only_reason(run([order_tx(items=items)])) == (
        f"Order {PO} line 1: GTIN 4300348765432 matches no product and is not a valid GTIN "
        "(wrong length or check digit); "
        f"Order {PO} line 2: GTIN {GTIN_TWIN} matches 2 products: [NW-LIMO-A] Zitronenlimo A, [NW-LIMO-B] Zitronenlimo B")


def test_article_number_fallback_when_no_gtin():
    items = [
        item(1, None, identifiers=[{"identifier": "NW-ESP-6", "domain": "SUPPLIER"}]),
        item(2, None, identifiers=[{"identifier": "NW-MEHL", "domain": "BUYER"}], unitOfMeasure="KGM"),
        item(3, None, identifiers=[{"identifier": "KR-1", "domain": "BUYER"},
                                   {"identifier": "NW-APS-12-05", "domain": "SUPPLIER"}]),
    ]
    res = run([order_tx(items=items)])
    assert res.rejects.empty
    assert res.lines["product_id"].tolist() == [103, 104, 101]
    bad = [item(1, None, identifiers=[{"identifier": "KR-1", "domain": "BUYER"},
                                      {"identifier": "NW-9", "domain": "SUPPLIER"}])]
    assert only_reason(run([order_tx(items=bad)])) == (
        f"Order {PO} line 1: article number NW-9 (supplier) / KR-1 (buyer) matches no product "
        "(compared with the Internal Reference)")


def test_gtin_given_but_unknown_does_not_fall_back_to_article_number():
    items = [item(1, None, identifiers=[{"identifier": "4300348765432", "domain": "GS1"},
                                        {"identifier": "NW-APS-12-05", "domain": "SUPPLIER"}])]
    assert only_reason(run([order_tx(items=items)])) == f"Order {PO} line 1: GTIN 4300348765432 matches no product and is not a valid GTIN (wrong length or check digit)"


def test_product_not_sellable():
    from .fixtures_in import PRODUCTS
    products = [{**p, "sale_ok": p["id"] != 103} for p in PRODUCTS]
    assert only_reason(run([order_tx()], lookups(products=products))) == (
        f"Order {PO} line 3: product [NW-ESP-6] Bio-Espresso 6 x 1 kg cannot be sold (enable 'Can be Sold' on the product)")


def test_unit_without_odoo_uom_is_reported_once_per_code():
    items = [item(1, unitOfMeasure="PF"), item(2, GTIN_ESPRESSO, unitOfMeasure="PF"), item(3, GTIN_DEPOSIT, unitOfMeasure="GRM")]
    assert only_reason(run([order_tx(items=items)])) == (
        f"Order {PO}: Unit PF (lines 1, 2) has no Odoo unit of measure: set 'Procuros Unit Type' on the unit; "
        f"Order {PO}: Unit GRM (line 3) has no Odoo unit of measure: set 'Procuros Unit Type' on the unit")


def test_unit_category_mismatch():
    items = [item(1, GTIN_SCHORLE, unitOfMeasure="KGM"), item(2, GTIN_FLOUR, unitOfMeasure="EA")]
    assert only_reason(run([order_tx(items=items)])) == (
        f"Order {PO} line 1: Unit KGM cannot be used for product [NW-APS-12-05] Apfelschorle 12 x 0,5 l "
        "which is sold in Units; "
        f"Order {PO} line 2: Unit EA cannot be used for product [NW-MEHL] Weizenmehl lose which is sold in kg")


def test_uom_override_wins():
    items = [item(1, GTIN_FLOUR, unitOfMeasure="GRM", quantity=500), item(2, GTIN_SCHORLE, unitOfMeasure="CS")]
    res = run([order_tx(items=items)], lookups(overrides={"GRM": 13, "CS": 1}))
    assert res.rejects.empty
    assert res.lines["product_uom"].tolist() == [13, 1]


# --- idempotency and versions -------------------------------------------------------------------


def test_already_imported_is_not_a_reject():
    lk = lookups(existing=[existing_order(500, "S00012", "sale", TID)])
    res = run([order_tx()], lk)
    assert res.rejects.empty and res.lines.empty
    r = res.headers.iloc[0]
    assert (r.status, r.target_order_id, r.target_order_name, r.partner_id) == ("already_imported", 500, "S00012", 10)
    # nothing to write, but still to bind and acknowledge
    assert build_sale_order_vals(res) == [OrderWrite(TID, "already_imported", 500, {})]
    assert summarise(res)["reason"].tolist() == ["already imported as S00012"]


def test_new_version_of_a_draft_updates_it():
    lk = lookups(existing=[existing_order(500, "S00012", "draft", "t-v1")])
    tx = {**order_tx("t-v2", version=2, items=[item(1, quantity=50, unitOfMeasure="CS")]),
          "replacesProcurosTransactionId": "t-v1"}
    res = run([tx], lk)
    r = res.headers.iloc[0]
    assert (r.status, r.target_order_id) == ("update", 500)
    [w] = build_sale_order_vals(res)
    assert (w.status, w.target_order_id) == ("update", 500)
    assert w.vals["order_line"][0] == (5, 0, 0)
    assert w.vals["order_line"][1][2]["product_uom_qty"] == 50.0 and len(w.vals["order_line"]) == 2
    assert w.vals["x_procuros_transaction_id"] == "t-v2"


def test_new_version_matched_by_order_number_when_chain_is_unknown():
    # v1 came in before the connector stored transaction ids: same buyer + order number, version 2
    lk = lookups(existing=[existing_order(500, "S00012", "sent", None)])
    r = run([order_tx("t-v2", version=2)], lk).headers.iloc[0]
    assert (r.status, r.target_order_id) == ("update", 500)
    update = build_sale_order_vals(run([order_tx("t-v2", version=2, requestedDeliveryDate=None, comments=None)], lk))[0]
    assert update.vals["commitment_date"] is False and update.vals["note"] is False  # cleared on update


def test_new_version_of_a_confirmed_order_is_rejected():
    lk = lookups(existing=[existing_order(500, "S00012", "sale", "t-v1")])
    tx = {**order_tx("t-v2", version=2), "replacesProcurosTransactionId": "t-v1"}
    assert only_reason(run([tx], lk)) == (
        f"Order {PO} was changed by the buyer (version 2) but is already confirmed in Odoo as S00012; "
        "agree the change with the buyer and edit the order by hand")


def test_duplicate_order_number_from_the_same_buyer():
    lk = lookups(existing=[existing_order(500, "S00012", "draft", "t-first"),
                           existing_order(501, "S00013", "draft", "t-x", partner=20)])
    assert only_reason(run([order_tx("t-second")], lk)) == (
        f"Order number {PO} was already received from this buyer (S00012); send changes as a new version")
    # the same order number from another buyer is a different order
    tx = order_tx("t-third", buyer=party(OTHER_BUYER_GLN), shipTo=None, billTo=None, orderIdentifier="PO-9")
    lk2 = lookups(existing=[existing_order(501, "S00013", "draft", "t-x", ref=PO, partner=10)])
    assert run([tx], lk2).headers["status"].tolist() == ["create"]


def test_duplicate_order_number_within_one_batch():
    res = run([order_tx("t-a"), order_tx("t-b")])
    assert res.headers["transaction_id"].tolist() == ["t-a"]
    assert only_reason(res) == (f"Order number {PO} was received twice from this buyer in one batch "
                                "(also in transaction t-a); send changes as a new version")


def test_all_resolve_problems_of_a_document_are_listed_together():
    items = [item(1, "4300348765432"), item(2, unitOfMeasure="PF")]
    tx = order_tx(items=items, shipTo=party("4012345000047"))
    reason = only_reason(run([tx]))
    assert reason.count("; ") >= 3
    for part in ("Delivery address GLN 4012345000047", "GTIN 4300348765432 matches no product", "Unit PF (line 2)"):
        assert part in reason


# --- schemas ------------------------------------------------------------------------------------


def test_schema_rejects_negative_quantity_and_missing_column():
    lines = normalise_orders([order_tx()]).lines
    with pytest.raises(pandera.errors.SchemaError):
        schemas_in.NORMALISED_LINES.validate(lines.assign(quantity=-1.0))
    with pytest.raises(pandera.errors.SchemaError):
        schemas_in.NORMALISED_LINES.validate(lines.drop(columns=["unit_code"]))
    with pytest.raises(pandera.errors.SchemaError):
        schemas_in.NORMALISED_LINES.validate(lines.assign(gtin=None, buyer_item_id=None, supplier_item_id=None))
    headers = resolve_orders(normalise_orders([order_tx()]), lookups()).headers
    with pytest.raises(pandera.errors.SchemaError):
        schemas_in.RESOLVED_HEADERS.validate(headers.assign(status="update"))  # update without target
    with pytest.raises(pandera.errors.SchemaError):
        schemas_in.REJECTS.validate(pd.DataFrame([{"transaction_id": "t", "order_identifier": None,
                                                   "buyer_gln": None, "error_type": "OOPS", "reason": "x"}]))


def test_lookup_with_missing_column_is_an_error_and_raw_odoo_values_are_tolerated():
    with pytest.raises(pandera.errors.SchemaError):
        resolve_orders(normalise_orders([order_tx()]), lookups(uoms=[{"id": 1, "name": "Units"}]))
    # as search_read returns them: False for empty, [id, name] for many2one
    raw = [{**p, "parent_id": [p["parent_id"], "x"] if p["parent_id"] else False,
            "commercial_partner_id": [p["commercial_partner_id"], "x"],
            "ref": p["ref"] or False, "x_procuros_connector": p["x_procuros_connector"] or False,
            "property_payment_term_id": False, "property_delivery_carrier_id": False} for p in PARTNERS]
    res = run([order_tx()], lookups(partners=raw))
    assert res.headers["partner_shipping_id"].tolist() == [11]


def test_empty_batch():
    res = run([])
    assert res.headers.empty and res.lines.empty and res.rejects.empty
    assert list(res.headers.columns) == list(schemas_in.RESOLVED_HEADERS.columns)
    assert build_sale_order_vals(res) == [] and summarise(res).empty


def test_an_order_in_another_currency_is_rejected_not_imported_at_face_value():
    import dataclasses

    eur = dataclasses.replace(lookups(), defaults=dataclasses.replace(lookups().defaults, currency="EUR"))
    assert run([order_tx(currency="EUR")], eur).rejects.empty
    assert only_reason(run([order_tx(currency="USD")], eur)) == (
        f"Order {PO} is in USD, but this supplier invoices in EUR; "
        "send the order in EUR or agree the currency with the supplier")
    assert run([order_tx(currency=None)], eur).rejects.empty  # no currency given: the supplier's applies


def test_the_new_fields_must_have_their_json_types_too():
    tx = order_tx(items=[item(1, GTIN_SCHORLE, unitPrice=12.5, pricingUnitQuantity="100")], promotionCode=7)
    reason = only_reason(run([tx]))
    assert "items[0].pricingUnitQuantity must be a number, not text ('100')" in reason
    assert "header.promotionCode must be text, not a whole number (7)" in reason
    summary = order_tx()
    summary["content"]["summary"] = {"modificationGroups": {"level": 1}}
    assert "summary.modificationGroups must be a list, not an object" in only_reason(run([summary]))


def test_a_new_version_clears_what_the_buyer_no_longer_sends():
    lk = lookups(existing=[existing_order(500, "S00012", "draft", "old-tid")])
    [w] = build_sale_order_vals(run([order_tx(version=2)], lk))
    assert w.status == "update"
    assert w.vals["x_procuros_promotion_code"] is False and w.vals["x_procuros_delivery_latest"] is False
    assert w.vals["x_procuros_buyer_payment_terms"] == "2 % within 14 days, net 30 days"
