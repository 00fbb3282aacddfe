"""Bindings, chatter messages, and the batch-size independence of a whole document import."""

import uuid

import pytest
from conftest import MasterData

from procuros_dagster.odoo import Binder, OdooBindingConflictError, OdooValueError


def binding_name(prefix, key):
    return Binder(None, prefix).name(key)


def test_binding_name_contract():
    assert binding_name("order", "28e2eb58-b6a9-4d17-a130-9997327a6846") == "order_28e2eb58_b6a9_4d17_a130_9997327a6846"
    assert binding_name("invoice", 42) == "invoice_42"
    # another integration's bindings carry its key: two integrations never share invoice_42
    assert Binder(None, "invoice", "acme_de").name(42) == "acme_de__invoice_42"


def test_binders_of_two_integrations_keep_apart(gw, md):
    [so] = gw.create("sale.order", [md.order_vals()])
    ours, theirs = Binder(gw, "order"), Binder(gw, "order", "acme_de")
    ours.bind([("t-1", "sale.order", so)])
    assert ours.find(["t-1"]) == {"t-1": ("sale.order", so)}
    assert theirs.find(["t-1"]) == {}
    assert ours.bound_ids("sale.order", [so]) == set()  # keyed by transaction, not by record id
    gw.reset_counts()
    claims = theirs.claim("sale.order", ["t-1", "t-2"], timeout=__import__("datetime").timedelta(minutes=10))
    assert sorted(claims.claimed) == ["t-1", "t-2"] and gw.rpc_count == 2


def test_bindings_idempotent(gw, md):
    [so] = gw.create("sale.order", [md.order_vals()])
    name = binding_name("order", uuid.uuid4())
    gw.reset_counts()
    assert gw.create_bindings([(name, "sale.order", so)]) == [name]
    assert gw.call_counts == {"ir.model.data.search_read": 1, "ir.model.data.create": 1}
    gw.reset_counts()
    assert gw.create_bindings([(name, "sale.order", so)]) == []  # already there: nothing created
    assert gw.call_counts == {"ir.model.data.search_read": 1}
    assert gw.find_bindings([name, "order_unknown"]) == {name: ("sale.order", so)}
    assert gw.find_bindings("sale.order", [name]) == {name: ("sale.order", so)}
    assert gw.find_bindings("stock.picking", [name]) == {}
    assert gw.bindings_by_res_id("sale.order", [so]) == {so: [name]}
    [row] = gw.search_read("ir.model.data", [("module", "=", "procuros"), ("name", "=", name)], ["noupdate", "model"])
    assert row["noupdate"] is True and row["model"] == "sale.order"
    with pytest.raises(OdooBindingConflictError):
        gw.create_bindings([(name, "sale.order", so + 1000)])
    with pytest.raises(OdooValueError):
        gw.create_bindings([("has.dot", "sale.order", so)])


def test_post_messages_in_one_create(gw, md):
    ids = gw.create("sale.order", [md.order_vals(ref=f"R{i}") for i in range(3)])
    gw.reset_counts()
    msg_ids = gw.post_messages("sale.order", [(i, f"<p>Imported from Procuros {i}</p>") for i in ids])
    assert len(msg_ids) == 3 and gw.call_counts == {"mail.message.create": 1}
    # the orders' own "Sales Order created" notes are not ours: only the comments
    rows = gw.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "in", ids),
                                           ("message_type", "=", "comment")],
                          ["res_id", "body", "message_type"], order="id")
    assert [r["res_id"] for r in rows] == ids
    assert all(r["message_type"] == "comment" and "Imported from Procuros" in r["body"] for r in rows)


def _import_orders(gw, md: MasterData, n: int) -> list[int]:
    """What the inbound order asset does: lookups per kind, one create, bindings, chatter log."""
    docs = [{"uuid": str(uuid.uuid4()), "buyer": md.customer_gln, "ship_to": md.delivery_gln,
             "lines": [(md.widget_ean, 10, "EA"), (md.flour_ean, 2.5, "KGM")]} for _ in range(n)]
    partners = {p["ref"]: p["id"] for p in gw.partners_by_ref({d["buyer"] for d in docs} | {d["ship_to"] for d in docs})}
    products = {p["barcode"]: p for p in gw.products_by_barcode({ean for d in docs for ean, *_ in d["lines"]})}
    gw.uoms()
    names = [binding_name("order", d["uuid"]) for d in docs]
    bound = gw.find_bindings("sale.order", names)
    todo = [d for d, name in zip(docs, names) if name not in bound]
    ids = gw.create("sale.order", [{
        "partner_id": partners[d["buyer"]], "partner_shipping_id": partners[d["ship_to"]],
        "origin": f"Procuros {d['uuid']}",
        "order_line": [(0, 0, {"product_id": products[ean]["id"], "product_uom_qty": q,
                               "product_uom": products[ean]["uom_id"][0]}) for ean, q, _ in d["lines"]],
    } for d in todo])
    gw.create_bindings([(binding_name("order", d["uuid"]), "sale.order", i) for d, i in zip(todo, ids)])
    gw.post_messages("sale.order", [(i, "<p>Imported from Procuros</p>") for i in ids])
    return ids


def test_batch_of_100_costs_the_same_round_trips_as_1(gw, odoo_sandbox, md):
    costs = []
    for n in (1, 100):
        gw.reset_counts()
        before = sum(odoo_sandbox.call_counts.values())
        ids = _import_orders(gw, md, n)
        assert len(ids) == n
        costs.append((gw.rpc_count, dict(gw.call_counts), sum(odoo_sandbox.call_counts.values()) - before))
    assert costs[0] == costs[1]
    assert costs[0][0] == 8
    lines = gw.search_count("sale.order.line", [("order_id", "in", ids)])
    assert lines == 200


def _keys(n: int) -> list[str]:
    return [binding_name("order", uuid.uuid4()) for _ in range(n)]


def test_claims_are_taken_once_and_expire(gw):
    from datetime import datetime, timedelta, timezone

    from procuros_dagster.odoo.bindings import MAX_CLAIMS

    keys = _keys(3)
    gw.reset_counts()
    first = gw.claim("sale.order", keys, timeout=timedelta(minutes=10))
    assert first.claimed == keys and first.in_flight == first.exhausted == []
    assert gw.call_counts == {"ir.model.data.search_read": 1, "ir.model.data.create": 1}
    # another run, while the first may still be writing: hands off
    again = gw.claim("sale.order", keys + _keys(1), timeout=timedelta(minutes=10))
    assert again.in_flight == keys and len(again.claimed) == 1
    # much later, nobody wrote them: taken over, each time with the next number, until it gives up
    later = datetime.now(timezone.utc) + timedelta(minutes=11)
    for attempt in range(1, MAX_CLAIMS):
        taken = gw.claim("sale.order", keys[:1], timeout=timedelta(minutes=10), now=later)
        assert taken.claimed == keys[:1], attempt
        later += timedelta(minutes=11)
    assert gw.claim("sale.order", keys[:1], timeout=timedelta(minutes=10), now=later).exhausted == keys[:1]
    names = {r["name"] for r in gw.search_read("ir.model.data", [("module", "=", "procuros"),
                                                                ("name", "=like", f"claim_{keys[0]}_%")], ["name"])}
    assert names == {f"claim_{keys[0]}_{n}" for n in range(MAX_CLAIMS)}


def test_a_claim_another_run_made_in_between_is_left_to_it(gw, monkeypatch):
    from datetime import timedelta

    keys = _keys(2)
    real_create = gw.create

    def racing_create(model, vals_list, context=None):
        if model == "ir.model.data" and vals_list and str(vals_list[0].get("name", "")).startswith("claim_"):
            real_create(model, [vals_list[1]])  # a concurrent run commits its claim of the second key first
        return real_create(model, vals_list, context=context)

    monkeypatch.setattr(gw, "create", racing_create)
    result = gw.claim("sale.order", keys, timeout=timedelta(minutes=10))
    assert result.claimed == [] and result.in_flight == keys
