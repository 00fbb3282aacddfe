"""Export reads against a recording fake gateway: domains, binding filter, constant round trips."""

from __future__ import annotations

from datetime import date

from procuros_dagster.mapping.shipping_notices_out import build_shipping_notices
from procuros_dagster.mapping.invoices_out import build_invoices
from procuros_dagster.odoo import outbound_reads as exports

from . import fixtures_out as fx


class FakeGateway:
    """Serves a fixture bundle; search_read filters only by ``id in`` (enough for these reads)."""

    def __init__(self, bundle, bindings=()):
        self.data = {**bundle, "ir.model.data": [{"id": 900 + i, "name": n, "res_id": r}
                                                 for i, (n, r) in enumerate(bindings)]}
        self.calls: list[tuple] = []

    def search_read(self, model, domain, fields, order=None, limit=None, context=None):
        self.calls.append((model, "search_read", list(domain)))
        rows = self.data.get(model, [])
        for leaf in domain:
            if isinstance(leaf, tuple) and leaf[0] == "id" and leaf[1] == "in":
                rows = [r for r in rows if r["id"] in leaf[2]]
        if model == "ir.model.data":
            names = next(leaf[2] for leaf in domain if leaf[0] == "name")
            rows = [r for r in rows if r["name"] in names]
        return [dict(r) for r in rows]

    def read(self, model, ids, fields):
        self.calls.append((model, "read", sorted(ids)))
        return [dict(r) for r in self.data.get(model, []) if r["id"] in set(ids)]


def _sn_bundle():
    a, b = fx.full_delivery_bundle(), fx.backorder_bundle()
    for key in ("stock.picking", "stock.move", "stock.move.line"):
        a[key] = a[key] + b[key]
    return a


def test_shipping_notice_read_domain_bindings_and_round_trips():
    gw = FakeGateway(_sn_bundle())
    asked = []

    def bound(model, ids):  # the movement's binder: WH/OUT/00002 (id 4) was sent before
        asked.append((model, sorted(ids)))
        return {i for i in ids if i == 4}

    bundle = exports.fetch_shipping_notice_bundle(gw, day=date(2026, 11, 28), bound=bound)
    assert asked == [("stock.picking", [3, 4])]  # one look-up for the whole batch
    model, _, domain = gw.calls[0]
    assert model == "stock.picking"
    assert ("partner_id.commercial_partner_id.x_procuros_send_shipping_notice", "=", True) in domain
    assert ("date_done", ">=", "2026-11-27 23:00:00") in domain and ("date_done", "<", "2026-11-28 23:00:00") in domain
    assert [p["id"] for p in bundle["stock.picking"]] == [3]  # WH/OUT/00002 is already bound
    # one call per model (+1 for commercial partners not among the read partners)
    assert len(gw.calls) <= 11
    assert len({(m, k) for m, k, _ in gw.calls}) == len(gw.calls) or \
        [c[0] for c in gw.calls].count("res.partner") == 2
    batch = build_shipping_notices(bundle, fx.ctx())
    assert [d.record_name for d in batch.documents] == ["WH/OUT/00001"]


def test_round_trips_do_not_grow_with_the_batch():
    small = FakeGateway(fx.full_delivery_bundle())
    exports.fetch_shipping_notice_bundle(small, record_ids=[3])
    big = FakeGateway(_sn_bundle())
    exports.fetch_shipping_notice_bundle(big, record_ids=[3, 4])
    assert len(small.calls) == len(big.calls)


def test_invoice_read_domain_and_bundle():
    gw = FakeGateway(fx.invoice_bundle())
    bundle = exports.fetch_invoice_bundle(gw, day=date(2026, 11, 28))
    _, _, domain = gw.calls[0]
    assert ("move_type", "=", "out_invoice") in domain and ("invoice_date", "=", "2026-11-28") in domain
    assert ("commercial_partner_id.x_procuros_send_invoice", "=", True) in domain
    assert len(gw.calls) <= 12
    batch = build_invoices(bundle, fx.ctx())
    assert batch.failures == [] and [d.record_name for d in batch.documents] == ["INV/2026/00001"]


def test_credit_note_read_adds_the_reversed_invoice():
    gw = FakeGateway(fx.credit_note_bundle())
    bundle = exports.fetch_credit_note_bundle(gw, record_ids=[5])
    assert sorted(m["id"] for m in bundle["account.move"]) == [4, 5]


def test_utc_day_range_follows_berlin_offsets():
    assert exports.utc_day_range(date(2026, 11, 28)) == ("2026-11-27 23:00:00", "2026-11-28 23:00:00")
    assert exports.utc_day_range(date(2026, 7, 1)) == ("2026-06-30 22:00:00", "2026-07-01 22:00:00")
