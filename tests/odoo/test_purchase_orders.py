"""The order responses' reader and writer against the Odoo sandbox: batched reads, confirmations in
one call, a refused order isolated, bindings, chatter, and a rerun that changes nothing."""

from procuros_dagster.mapping import order_responses_in as orr
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.purchase_orders import fetch_lookups, run_lookups, write_order_responses
from procuros_dagster.odoo.setup import provision
from procuros_dagster.settings import Settings

from conftest import MasterData, connect

OWN = "4098765000010"


class _Integration:
    prefix = ""


def _po(gw, md, qty=10.0):
    [oid] = gw.create("purchase.order", [{"partner_id": md.supplier, "order_line": [
        [0, 0, {"product_id": md.widget, "product_qty": qty, "product_uom": 1, "price_unit": 7.0}],
        [0, 0, {"display_type": "line_section", "name": "Mehl"}],
        [0, 0, {"product_id": md.flour, "product_qty": 25.0, "product_uom": 12, "price_unit": 1.1}]]}])
    return oid, gw.read("purchase.order", [oid], ["name"])[0]["name"]


def _doc(md, name, kind, items=None, **header):
    h = {"buyer": {"identifiers": [{"identifier": OWN}]}, "supplier": {"identifiers": [{"identifier": md.supplier_gln}]},
         "orderResponseIdentifier": f"AB-{name}", "orderResponseDate": "2026-11-30T10:00:00+01:00",
         "orderIdentifier": name, "type": kind, **header}
    return {"header": h, **({"items": items} if items else {})}


def _resolve(gw, docs):
    txns = [{"procurosTransactionId": f"or-{i}", "content": d, "isLatestVersion": True} for i, d in enumerate(docs)]
    norm = orr.normalise_order_responses(txns, own_gln=OWN)
    settings, integration = Settings(), _Integration()
    gw.reset_counts()
    look = fetch_lookups(gw, norm, settings, integration, run_lookups(gw, settings, integration))
    reads = sum(gw.call_counts.values())
    resolved = orr.resolve_order_responses(norm, look)
    return resolved, orr.build_order_response_writes(resolved), reads


def test_responses_are_read_in_a_constant_number_of_calls_and_applied_once(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    orders = [_po(gw, md) for _ in range(6)]
    docs = [_doc(md, name, "ACCEPT") for _, name in orders[:4]]
    docs.append(_doc(md, orders[4][1], "CHANGE", [
        {"orderLineNumber": 1, "confirmedQuantity": 8, "unitOfMeasure": "EA"},
        # line 2 is the flour (the section carries no number), confirmed in grams
        {"orderLineNumber": 2, "confirmedQuantity": 20000, "unitOfMeasure": "GRM",
         "identifiers": [{"identifier": md.flour_ean}]}],
        requestedDeliveryDate="2026-12-10", confirmedDeliveryDate="2026-12-10"))
    docs.append(_doc(md, orders[5][1], "REJECT", comments="Werk geschlossen"))
    resolved, writes, reads = _resolve(gw, docs)
    assert reads <= 7  # uoms + orders, partners, lines, products, bindings: not one per document
    assert resolved.rejects.empty, resolved.rejects["reason"].tolist()
    gw.reset_counts()
    binder = Binder(gw, "order_response")
    outcomes = write_order_responses(gw, writes, binder=binder)
    assert [o.status for o in outcomes] == ["confirmed"] * 4 + ["changed", "rejected_by_supplier"]
    assert gw.call_counts["purchase.order.button_confirm"] == 1  # every confirmation in one call
    states = {r["id"]: r["state"] for r in gw.read("purchase.order", [o for o, _ in orders], ["state"])}
    assert [states[o] for o, _ in orders] == ["purchase"] * 5 + ["draft"]
    lines = gw.search_read("purchase.order.line", [("order_id", "=", orders[4][0]), ("display_type", "=", False)],
                           ["product_qty", "product_uom"], order="sequence, id")
    assert [(l["product_qty"], l["product_uom"][0]) for l in lines] == [(8.0, 1), (20.0, 12)]
    assert "quantity 25 → 20 kg" in outcomes[4].log_reason
    assert "Werk geschlossen" in outcomes[5].log_reason
    assert len(binder.find([o.transaction_id for o in outcomes], "purchase.order")) == 6

    # the same responses again: all found applied, nothing written, no second note
    messages = gw.search_count("mail.message", [("model", "=", "purchase.order")])
    _, again, _ = _resolve(gw, docs)
    assert {w.status for w in again} == {"already_imported"}
    assert {o.status for o in write_order_responses(gw, again, binder=binder)} == {"already_imported"}
    assert gw.search_count("mail.message", [("model", "=", "purchase.order")]) == messages


def test_an_order_cancelled_after_resolving_fails_alone(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    (_, a_name), (b, b_name) = _po(gw, md), _po(gw, md)
    _, writes, _ = _resolve(gw, [_doc(md, a_name, "ACCEPT"), _doc(md, b_name, "ACCEPT")])
    gw.call("purchase.order", "button_cancel", [[b]])  # the buyer cancels it meanwhile
    outcomes = write_order_responses(gw, writes, binder=Binder(gw, "order_response"))
    assert [o.status for o in outcomes] == ["confirmed", "failed"]
    assert outcomes[1].error_type == "DATA" and "state cancel" in outcomes[1].error
    assert gw.read("purchase.order", [b], ["state"])[0]["state"] == "cancel"


def test_a_run_that_died_before_binding_is_settled_by_the_next_one(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    oid, name = _po(gw, md)
    doc = _doc(md, name, "CHANGE", [{"orderLineNumber": 1, "confirmedQuantity": 8, "unitOfMeasure": "EA"}],
               requestedDeliveryDate="2026-12-10", confirmedDeliveryDate="2026-12-10")
    _, writes, _ = _resolve(gw, [doc])
    binder = Binder(gw, "order_response")
    [first] = write_order_responses(gw, writes, binder=binder)
    assert first.status == "changed"
    # as if never bound: neither the transaction nor the response (both are bound in one call)
    gw.unlink("ir.model.data", gw.search("ir.model.data", [("module", "=", "procuros"),
                                                           ("name", "=like", "order_response_%")]))
    resolved, again, _ = _resolve(gw, [doc])
    assert resolved.rejects.empty  # not refused to the supplier: its changes are in
    assert [w.status for w in again] == ["already_confirmed"]
    [second] = write_order_responses(gw, again, binder=binder)
    assert second.status == "already_confirmed" and binder.find(["or-0"], "purchase.order")
    assert gw.read("purchase.order.line", [l for l in gw.search("purchase.order.line", [("order_id", "=", oid),
                                                                                        ("display_type", "=", False)])],
                   ["product_qty"])[0]["product_qty"] == 8.0
