"""Hand-written Odoo bundles for the outbound mapping tests.

Record shapes, ids, names and values follow the real Odoo 17 transcripts (04 delivery,
05 invoice/credit note, 08 incremental reads): S00001 fully delivered in WH/OUT/00001,
S00002 partly delivered in WH/OUT/00002 with backorder WH/OUT/00004, S00003 partly delivered
in WH/OUT/00003 without backorder, INV/2026/00001 (19 % + 7 %) and its reversal RINV/2026/00001.
Every function returns fresh dicts, so tests may mutate them.
"""

from __future__ import annotations

import copy

from procuros_dagster.mapping.outbound import ExportContext

OWN_GLN = "4098765000010"
CUSTOMER_GLN = "4012345000009"
DC_GLN = "4012345000016"
WIDGET_GTIN = "4012345100013"
FLOUR_GTIN = "4012345100020"
DEPOSIT_GTIN = "4012345100037"
SSCC_1 = "340123450000000017"
SSCC_2 = "340123450000000024"

CUSTOMER = [9, "Procuros Test Customer GmbH"]
DC = [11, "Procuros Test Customer GmbH, Customer DC Berlin-Spandau"]
WIDGET = [3, "[PT-WIDGET] Procuros Test Widget"]
FLOUR = [4, "[PT-FLOUR] Procuros Test Flour (bulk)"]
DEPOSIT = [5, "[PT-DEPOSIT] Pfand Kiste"]
UNITS = [1, "Units"]
KG = [12, "kg"]
STOCK = [8, "WH/Stock"]
CUSTOMERS_LOC = [5, "Partners/Customers"]


def ctx(**overrides) -> ExportContext:
    values = dict(
        own_gln=OWN_GLN,
        company={"name": "My Company", "street": "Am Speicher 3", "street2": False, "zip": "28195",
                 "city": "Bremen", "country_code": "DE", "vat": "DE298765432"},
        integration_name="odoo-test",
        uom_codes={1: "EA", 12: "KGM"},
    )
    values.update(overrides)
    return ExportContext(**values)


def partners() -> list[dict]:
    return [
        {"id": 9, "name": "Procuros Test Customer GmbH", "display_name": "Procuros Test Customer GmbH",
         "ref": CUSTOMER_GLN, "type": "contact", "parent_id": False, "is_company": True,
         "commercial_partner_id": CUSTOMER, "street": "Kundenstrasse 1", "street2": False, "zip": "10115",
         "city": "Berlin", "country_id": [57, "Germany"], "country_code": "DE", "vat": "DE812345678",
         "x_procuros_send_shipping_notice": True, "x_procuros_send_invoice": True,
         "x_procuros_send_credit_note_reason": False},
        {"id": 11, "name": "Customer DC Berlin-Spandau", "display_name": DC[1], "ref": DC_GLN, "type": "delivery",
         "parent_id": CUSTOMER, "is_company": False, "commercial_partner_id": CUSTOMER, "street": "Lagerallee 99",
         "street2": False, "zip": "13581", "city": "Berlin", "country_id": [57, "Germany"], "country_code": "DE",
         "vat": False, "x_procuros_send_shipping_notice": False, "x_procuros_send_invoice": False,
         "x_procuros_send_credit_note_reason": False},
    ]


def products() -> list[dict]:
    return [
        {"id": 3, "name": "Procuros Test Widget", "display_name": WIDGET[1], "default_code": "PT-WIDGET",
         "barcode": WIDGET_GTIN, "uom_id": UNITS, "tracking": "none"},
        {"id": 4, "name": "Procuros Test Flour (bulk)", "display_name": FLOUR[1], "default_code": "PT-FLOUR",
         "barcode": FLOUR_GTIN, "uom_id": KG, "tracking": "lot"},
        {"id": 5, "name": "Pfand Kiste", "display_name": DEPOSIT[1], "default_code": "PT-DEPOSIT",
         "barcode": DEPOSIT_GTIN, "uom_id": UNITS, "tracking": "none"},
    ]


def _order(oid, name, ref, shipping, uuid, order_line, order_date="2026-11-28 15:54:42"):
    return {"id": oid, "name": name, "state": "sale", "partner_id": CUSTOMER, "partner_invoice_id": CUSTOMER,
            "partner_shipping_id": shipping, "client_order_ref": ref, "origin": f"Procuros {uuid}",
            "date_order": "2026-11-28 17:54:45", "x_procuros_order_date": order_date,
            "x_procuros_transaction_id": uuid, "x_procuros_buyer_gln": CUSTOMER_GLN,
            "carrier_id": [1, "Standard delivery"], "currency_id": [126, "EUR"], "order_line": order_line}


def orders() -> list[dict]:
    return [
        _order(2, "S00001", "CUST-PO-4711", DC, "28e2eb58-b6a9-4d17-a130-9997327a6846", [2, 3]),
        _order(3, "S00002", "CUST-PO-4712", DC, "b69a1c26-7ade-4026-b315-4aae64b1150f", [4, 5]),
        _order(4, "S00003", "CUST-PO-4713", CUSTOMER, "38e208d6-1156-4c9c-99de-2cd66e0e1e4c", [6]),
    ]


def _sale_line(lid, order, product, name, qty_, uom, price, line_number, *, deposit=False, delivered=0.0):
    return {"id": lid, "order_id": order, "sequence": 10, "display_type": False, "product_id": product,
            "name": name, "product_uom_qty": qty_, "product_uom": uom, "price_unit": price, "discount": 0.0,
            "qty_delivered": delivered, "x_procuros_line_number": line_number, "x_procuros_is_deposit": deposit}


def sale_lines() -> list[dict]:
    return [
        _sale_line(2, [2, "S00001"], WIDGET, "Procuros Test Widget (buyer item 100-200)", 10.0, UNITS, 12.5, 1),
        _sale_line(3, [2, "S00001"], FLOUR, "Procuros Test Flour (bulk)", 25.5, KG, 2.4, 2),
        _sale_line(4, [3, "S00002"], WIDGET, "Procuros Test Widget", 20.0, UNITS, 12.0, 1),
        _sale_line(5, [3, "S00002"], FLOUR, "Procuros Test Flour (bulk)", 10.0, KG, 2.4, 2),
        _sale_line(6, [4, "S00003"], WIDGET, "Procuros Test Widget", 5.0, UNITS, 12.5, 1),
    ]


def _picking(pid, name, order, partner, *, state="done", date_done="2026-11-28 17:54:47", carrier=False,
             tracking=False, moves=(), move_lines=(), backorder_id=False, backorder_ids=()):
    return {"id": pid, "name": name, "state": state, "origin": order[1], "partner_id": partner,
            "picking_type_code": "outgoing", "date_done": date_done if state == "done" else False,
            "carrier_id": carrier, "carrier_tracking_ref": tracking, "move_ids": list(moves),
            "move_line_ids": list(move_lines), "sale_id": order, "backorder_id": backorder_id,
            "backorder_ids": list(backorder_ids), "company_id": [1, "My Company"]}


def _move(mid, product, demand, done, uom, sale_line, picking, *, state="done", date="2026-11-28 17:54:47",
          move_lines=()):
    return {"id": mid, "product_id": product, "product_uom_qty": demand, "quantity": done, "product_uom": uom,
            "state": state, "picked": state == "done", "sale_line_id": sale_line, "picking_id": picking,
            "picking_code": "outgoing", "location_id": STOCK, "location_dest_id": CUSTOMERS_LOC, "date": date,
            "move_line_ids": list(move_lines), "origin": picking[1]}


def _move_line(lid, move, picking, product, quantity, uom, *, lot=False, package=False, state="done"):
    return {"id": lid, "move_id": move, "picking_id": picking, "product_id": product, "quantity": quantity,
            "product_uom_id": uom, "picked": True, "lot_id": lot, "lot_name": False, "package_id": False,
            "result_package_id": package, "state": state, "date": "2026-11-28 17:54:47", "reference": picking[1]}


OUT1, OUT2, OUT3, OUT4 = [3, "WH/OUT/00001"], [4, "WH/OUT/00002"], [5, "WH/OUT/00003"], [6, "WH/OUT/00004"]
SL = {2: [2, "S00001 - Procuros Test Widget (buyer item 100-200) (4012345000009)"],
      3: [3, "S00001 - Procuros Test Flour (bulk) (4012345000009)"],
      4: [4, "S00002 - Procuros Test Widget (4012345000009)"],
      5: [5, "S00002 - Procuros Test Flour (bulk) (4012345000009)"],
      6: [6, "S00003 - Procuros Test Widget (4012345000009)"]}


def _base(pickings, moves, move_lines) -> dict[str, list[dict]]:
    return {"stock.picking": pickings, "stock.move": moves, "stock.move.line": move_lines,
            "sale.order": orders(), "sale.order.line": sale_lines(), "res.partner": partners(),
            "product.product": products(), "stock.lot": [], "stock.quant.package": []}


def full_delivery_bundle() -> dict[str, list[dict]]:
    """WH/OUT/00001: S00001 shipped completely, carrier + tracking number (transcript 04 #18-21)."""
    return _base(
        [_picking(3, "WH/OUT/00001", [2, "S00001"], DC, carrier=[1, "Standard delivery"],
                  tracking="00340434161234567890", moves=[3, 4], move_lines=[5, 6])],
        [_move(3, WIDGET, 10.0, 10.0, UNITS, SL[2], OUT1, move_lines=[5]),
         _move(4, FLOUR, 25.5, 25.5, KG, SL[3], OUT1, move_lines=[6])],
        [_move_line(5, [3, "S00001/PT-WIDGET: Stock>Customers"], OUT1, WIDGET, 10.0, UNITS),
         _move_line(6, [4, "S00001/PT-FLOUR: Stock>Customers"], OUT1, FLOUR, 25.5, KG)],
    )


def _s00002_moves(backorder_state="assigned"):
    return [_move(5, WIDGET, 20.0, 20.0, UNITS, SL[4], OUT2, move_lines=[7]),
            _move(6, FLOUR, 7.5, 7.5, KG, SL[5], OUT2, move_lines=[8]),
            _move(10, FLOUR, 2.5, 2.5, KG, SL[5], OUT4, state=backorder_state,
                  date="2026-11-30 09:12:00" if backorder_state == "done" else "2026-11-28 17:54:46",
                  move_lines=[9])]


def backorder_bundle() -> dict[str, list[dict]]:
    """WH/OUT/00002: flour 7.5 of 10 kg shipped, the rest in backorder WH/OUT/00004 (transcript 04 #32-35)."""
    return _base(
        [_picking(4, "WH/OUT/00002", [3, "S00002"], DC, moves=[5, 6], move_lines=[7, 8], backorder_ids=[6])],
        _s00002_moves(),
        [_move_line(7, [5, "S00002/PT-WIDGET: Stock>Customers"], OUT2, WIDGET, 20.0, UNITS),
         _move_line(8, [6, "S00002/PT-FLOUR: Stock>Customers"], OUT2, FLOUR, 7.5, KG)],
    )


def second_delivery_bundle() -> dict[str, list[dict]]:
    """The backorder WH/OUT/00004 validated two days later: the remaining 2.5 kg."""
    bundle = _base(
        [_picking(6, "WH/OUT/00004", [3, "S00002"], DC, date_done="2026-11-30 09:12:00", moves=[10],
                  move_lines=[9], backorder_id=OUT2)],
        _s00002_moves(backorder_state="done"),
        [_move_line(9, [10, "S00002/PT-FLOUR: Stock>Customers"], OUT4, FLOUR, 2.5, KG)],
    )
    return bundle


def no_backorder_bundle() -> dict[str, list[dict]]:
    """WH/OUT/00003: 3 of 5 widgets, remainder cancelled (transcript 04 #47-49); ships to the customer itself."""
    return _base(
        [_picking(5, "WH/OUT/00003", [4, "S00003"], CUSTOMER, carrier=[1, "Standard delivery"], moves=[7],
                  move_lines=[10])],
        [_move(7, WIDGET, 5.0, 3.0, UNITS, SL[6], OUT3, move_lines=[10])],
        [_move_line(10, [7, "S00003/PT-WIDGET: Stock>Customers"], OUT3, WIDGET, 3.0, UNITS)],
    )


def lots_packages_bundle() -> dict[str, list[dict]]:
    """S00005 in WH/OUT/00005: widgets on two SSCC cartons, flour from two lots unpackaged, a deposit line."""
    out5 = [7, "WH/OUT/00005"]
    so5 = [5, "S00005"]
    lines = [
        _sale_line(7, so5, WIDGET, "Procuros Test Widget", 10.0, UNITS, 12.5, 1),
        _sale_line(8, so5, DEPOSIT, "Pfand Kiste", 10.0, UNITS, 3.0, 2, deposit=True),
        _sale_line(9, so5, FLOUR, "Procuros Test Flour (bulk)", 25.5, KG, 2.4, 3),
    ]
    for ln, seq in zip(lines, (10, 11, 12)):
        ln["sequence"] = seq
    pkg1 = [21, SSCC_1]
    pkg2 = [22, SSCC_2]
    lot_a, lot_b = [31, "L2611A"], [32, "L2611B"]
    bundle = _base(
        [_picking(7, "WH/OUT/00005", so5, DC, moves=[11, 12, 13], move_lines=[11, 12, 13, 14, 15])],
        [_move(11, WIDGET, 10.0, 10.0, UNITS, [7, "S00005 - Widget"], out5, move_lines=[11, 12]),
         _move(12, DEPOSIT, 10.0, 10.0, UNITS, [8, "S00005 - Pfand"], out5, move_lines=[13]),
         _move(13, FLOUR, 25.5, 25.5, KG, [9, "S00005 - Flour"], out5, move_lines=[14, 15])],
        [_move_line(11, [11, "m"], out5, WIDGET, 6.0, UNITS, package=pkg1),
         _move_line(12, [11, "m"], out5, WIDGET, 4.0, UNITS, package=pkg2),
         _move_line(13, [12, "m"], out5, DEPOSIT, 10.0, UNITS),
         _move_line(14, [13, "m"], out5, FLOUR, 20.0, KG, lot=lot_a),
         _move_line(15, [13, "m"], out5, FLOUR, 5.5, KG, lot=lot_b)],
    )
    bundle["sale.order"].append(_order(5, "S00005", "CUST-PO-4715", DC, "5f0c8a1e-1111-4d17-a130-9997327a6846",
                                       [7, 8, 9]))
    bundle["sale.order.line"] += lines
    bundle["stock.quant.package"] = [
        {"id": 21, "name": SSCC_1, "package_type_id": [1, "Carton"]},
        {"id": 22, "name": SSCC_2, "package_type_id": False},
    ]
    bundle["stock.lot"] = [
        {"id": 31, "name": "L2611A", "product_id": FLOUR, "expiration_date": "2027-05-31 22:00:00"},
        {"id": 32, "name": "L2611B", "product_id": FLOUR, "expiration_date": False},
    ]
    return bundle


# --- invoices / credit notes ----------------------------------------------------------------

def taxes() -> list[dict]:
    return [
        {"id": 14, "name": "19%", "amount": 19.0, "amount_type": "percent", "type_tax_use": "sale",
         "price_include": False, "description": False},
        {"id": 15, "name": "7%", "amount": 7.0, "amount_type": "percent", "type_tax_use": "sale",
         "price_include": False, "description": False},
    ]


def payment_terms() -> tuple[list[dict], list[dict]]:
    terms = [
        {"id": 4, "name": "30 Days", "line_ids": [4], "early_discount": False, "discount_percentage": 0.0,
         "discount_days": 0},
        {"id": 9, "name": "2/7 Net 30", "line_ids": [10], "early_discount": True, "discount_percentage": 2.0,
         "discount_days": 7},
    ]
    lines = [
        {"id": 4, "payment_id": [4, "30 Days"], "value": "percent", "value_amount": 100.0, "nb_days": 30,
         "delay_type": "days_after"},
        {"id": 10, "payment_id": [9, "2/7 Net 30"], "value": "percent", "value_amount": 100.0, "nb_days": 30,
         "delay_type": "days_after"},
    ]
    return terms, lines


def _account_move(mid, name, move_type, *, ref, lines, untaxed, tax, total, term=False, reversed_entry=False,
                  due="2026-12-28", invoice_date="2026-11-28"):
    return {"id": mid, "name": name, "move_type": move_type, "state": "posted", "payment_state": "not_paid",
            "invoice_date": invoice_date, "invoice_date_due": due, "date": invoice_date, "ref": ref,
            "invoice_origin": "S00001", "payment_reference": name, "partner_id": CUSTOMER,
            "partner_shipping_id": DC, "commercial_partner_id": CUSTOMER, "currency_id": [126, "EUR"],
            "amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total, "invoice_line_ids": lines,
            "invoice_payment_term_id": term, "reversed_entry_id": reversed_entry}


def _aml(lid, move, seq, product, name, quantity, uom, price, subtotal, total, tax_ids, sale_lines_):
    return {"id": lid, "move_id": move, "sequence": seq, "display_type": "product", "product_id": product,
            "name": name, "quantity": quantity, "product_uom_id": uom, "price_unit": price, "discount": 0.0,
            "price_subtotal": subtotal, "price_total": total, "tax_ids": tax_ids, "sale_line_ids": sale_lines_}


def _tax_line(lid, move, name, tax_id):
    return {"id": lid, "move_id": move, "sequence": 10000, "display_type": "tax", "product_id": False,
            "name": name, "quantity": 0.0, "product_uom_id": False, "price_unit": 0.0, "discount": 0.0,
            "price_subtotal": 0.0, "price_total": 0.0, "tax_ids": [], "sale_line_ids": [], "tax_line_id": [tax_id, name]}


INV1 = [4, "INV/2026/00001 (CUST-PO-4711)"]
RINV1 = [5, "RINV/2026/00001 (Reversal of: INV/2026/00001, Damaged goods [...])"]


def invoice_bundle() -> dict[str, list[dict]]:
    """INV/2026/00001 for S00001 (transcript 05 #8-9): widget 19 %, flour 7 %, 186.20 + 28.03 = 214.23."""
    terms, term_lines = payment_terms()
    return {
        "account.move": [_account_move(4, "INV/2026/00001", "out_invoice", ref="CUST-PO-4711", lines=[10, 11],
                                       untaxed=186.2, tax=28.03, total=214.23, term=[4, "30 Days"])],
        "account.move.line": [
            _aml(10, INV1, 0, WIDGET, "Procuros Test Widget (buyer item 100-200)", 10.0, UNITS, 12.5, 125.0,
                 148.75, [14], [2]),
            _aml(11, INV1, 1, FLOUR, "Procuros Test Flour (bulk)", 25.5, KG, 2.4, 61.2, 65.48, [15], [3]),
            _tax_line(12, INV1, "19%", 14), _tax_line(13, INV1, "7%", 15),
        ],
        "account.tax": taxes(),
        "sale.order.line": sale_lines(),
        "sale.order": orders(),
        "stock.picking": full_delivery_bundle()["stock.picking"],
        "stock.move": full_delivery_bundle()["stock.move"],
        "res.partner": partners(),
        "product.product": products(),
        "account.payment.term": terms,
        "account.payment.term.line": term_lines,
    }


INV2 = [7, "INV/2026/00002 (CUST-PO-4712)"]


def two_deliveries_bundle(*, flour_split: bool = False) -> dict[str, list[dict]]:
    """S00002 shipped in two deliveries: WH/OUT/00002 (28.11.) and its backorder WH/OUT/00004 (30.11.).

    Default: the widgets all left in WH/OUT/00002 and the flour (none picked there, so Odoo moved the
    whole move into the backorder) all in WH/OUT/00004.  ``flour_split``: 7.5 kg flour in the first,
    2.5 kg in the backorder (transcript 04).  A shipping-notice bundle of both pickings.
    """
    if flour_split:
        moves = _s00002_moves(backorder_state="done")
        first_moves, first_lines, back_lines = [5, 6], [7, 8], [9]
        move_lines = [_move_line(7, [5, "S00002/PT-WIDGET: Stock>Customers"], OUT2, WIDGET, 20.0, UNITS),
                      _move_line(8, [6, "S00002/PT-FLOUR: Stock>Customers"], OUT2, FLOUR, 7.5, KG),
                      _move_line(9, [10, "S00002/PT-FLOUR: Stock>Customers"], OUT4, FLOUR, 2.5, KG)]
    else:
        moves = [_move(5, WIDGET, 20.0, 20.0, UNITS, SL[4], OUT2, move_lines=[7]),
                 _move(10, FLOUR, 10.0, 10.0, KG, SL[5], OUT4, date="2026-11-30 09:12:00", move_lines=[9])]
        first_moves, first_lines, back_lines = [5], [7], [9]
        move_lines = [_move_line(7, [5, "S00002/PT-WIDGET: Stock>Customers"], OUT2, WIDGET, 20.0, UNITS),
                      _move_line(9, [10, "S00002/PT-FLOUR: Stock>Customers"], OUT4, FLOUR, 10.0, KG)]
    return _base(
        [_picking(4, "WH/OUT/00002", [3, "S00002"], DC, moves=first_moves, move_lines=first_lines,
                  backorder_ids=[6]),
         _picking(6, "WH/OUT/00004", [3, "S00002"], DC, date_done="2026-11-30 09:12:00", moves=[10],
                  move_lines=back_lines, backorder_id=OUT2)],
        moves, move_lines)


def two_deliveries_invoice_bundle(*, flour_split: bool = False, invoice_date: str = "2026-11-30"):
    """INV/2026/00002: S00002 invoiced once after both deliveries (widget 240.00 @19 %, flour 24.00 @7 %);
    the stock records are those of two_deliveries_bundle."""
    terms, term_lines = payment_terms()
    deliveries = two_deliveries_bundle(flour_split=flour_split)
    invoice = _account_move(7, "INV/2026/00002", "out_invoice", ref="CUST-PO-4712", lines=[20, 21], untaxed=264.0,
                            tax=47.28, total=311.28, term=[4, "30 Days"], invoice_date=invoice_date,
                            due="2026-12-30")
    invoice["invoice_origin"] = "S00002"
    return {
        "account.move": [invoice],
        "account.move.line": [
            _aml(20, INV2, 0, WIDGET, "Procuros Test Widget", 20.0, UNITS, 12.0, 240.0, 285.6, [14], [4]),
            _aml(21, INV2, 1, FLOUR, "Procuros Test Flour (bulk)", 10.0, KG, 2.4, 24.0, 25.68, [15], [5]),
            _tax_line(22, INV2, "19%", 14), _tax_line(23, INV2, "7%", 15),
        ],
        "account.tax": taxes(),
        "sale.order.line": sale_lines(),
        "sale.order": orders(),
        "stock.picking": deliveries["stock.picking"],
        "stock.move": deliveries["stock.move"],
        "res.partner": partners(),
        "product.product": products(),
        "account.payment.term": terms,
        "account.payment.term.line": term_lines,
    }


def credit_note_bundle(*, reason_switch: bool = False,
                       ref: str = "Reversal of: INV/2026/00001, Damaged goods returned (RETANN 9001)"):
    """RINV/2026/00001 reversing INV/2026/00001 (transcript 05 #20), plus the reversed invoice."""
    bundle = invoice_bundle()
    invoice = bundle["account.move"][0]
    bundle["account.move"] = [
        invoice,
        _account_move(5, "RINV/2026/00001", "out_refund", ref=ref, lines=[15, 16], untaxed=186.2, tax=28.03,
                      total=214.23, reversed_entry=INV1, due="2026-11-28", invoice_date="2026-11-29"),
    ]
    bundle["account.move.line"] = [
        _aml(15, RINV1, 0, WIDGET, "Procuros Test Widget (buyer item 100-200)", 10.0, UNITS, 12.5, 125.0, 148.75,
             [14], [2]),
        _aml(16, RINV1, 1, FLOUR, "Procuros Test Flour (bulk)", 25.5, KG, 2.4, 61.2, 65.48, [15], [3]),
    ]
    for p in bundle["res.partner"]:
        if p["id"] == 9:
            p["x_procuros_send_credit_note_reason"] = reason_switch
    return bundle


def clone(bundle):
    return copy.deepcopy(bundle)


CARTON = [30, "Carton of 12"]
# uom.uom factors (units per reference unit): Units 1.0, a "bigger" carton of 12 → 1/12, kg 1.0
UOM_FACTORS = {1: 1.0, 30: 1 / 12, 12: 1.0}


def carton_bundle(shipped_units: float = 36.0, backorder: bool = False) -> dict[str, list[dict]]:
    """S00006 ordered 3 cartons of 12 widgets; Odoo's move is in the product's unit: 36 Units
    (transcript 09: the move of 3 Dozens is product_uom Units, product_uom_qty 36.0)."""
    out = [8, "WH/OUT/00006"]
    so = [6, "S00006"]
    lines = [_sale_line(9, so, WIDGET, "Procuros Test Widget (carton)", 3.0, CARTON, 150.0, 1)]
    moves = [_move(11, WIDGET, shipped_units, shipped_units, UNITS, [9, "S00006 - Widget"], out, move_lines=[11])]
    if backorder:
        moves.append(_move(12, WIDGET, 36.0 - shipped_units, 36.0 - shipped_units, UNITS, [9, "S00006 - Widget"],
                           [9, "WH/OUT/00007"], state="assigned"))
    bundle = _base(
        [_picking(8, "WH/OUT/00006", so, DC, moves=[11], move_lines=[11], backorder_ids=[9] if backorder else [])],
        moves,
        [_move_line(11, [11, "S00006/PT-WIDGET: Stock>Customers"], out, WIDGET, shipped_units, UNITS)],
    )
    bundle["sale.order"].append(_order(6, "S00006", "CUST-PO-4716", DC, "5a0c1b1e-0f57-4c43-9a55-2b7e3a3c6e01", [9]))
    bundle["sale.order.line"] = lines
    return bundle
