"""Batched look-ups: one round trip whatever the batch size."""

import pytest
from conftest import MasterData, gln

from procuros_dagster.odoo import OdooLookupError, OdooValueError
from procuros_dagster.odoo.setup import provision


def _one_trip(gw, sandbox, key, fn):
    gw.reset_counts()
    before = sandbox.call_counts[key]
    result = fn()
    assert gw.rpc_count == 1 and gw.call_counts[key] == 1
    assert sandbox.call_counts[key] - before == 1
    return result


def test_partners_by_ref_includes_children(gw, odoo_sandbox, md):
    rows = _one_trip(gw, odoo_sandbox, "res.partner.search_read",
                     lambda: gw.partners_by_ref([md.customer_gln, md.delivery_gln, md.supplier_gln, "0000000000000"]))
    by_ref = {r["ref"]: r for r in rows}
    assert set(by_ref) == {md.customer_gln, md.delivery_gln, md.supplier_gln}
    child = by_ref[md.delivery_gln]
    assert child["type"] == "delivery" and child["parent_id"][0] == md.customer
    assert child["commercial_partner_id"][0] == md.customer
    for f in ("property_payment_term_id", "property_delivery_carrier_id", "vat", "country_id", "company_id"):
        assert f in child


def test_lookups_cost_one_trip_for_1_and_for_100(gw, odoo_sandbox):
    refs = [gln() for _ in range(100)]
    gw.create("res.partner", [{"name": f"N{i}", "ref": r} for i, r in enumerate(refs)])
    eans = [gln() for _ in range(100)]
    gw.create("product.product", [{"name": f"Prod {e}", "barcode": e, "default_code": f"C-{e}"} for e in eans])
    for batch in (refs[:1], refs):
        assert len(_one_trip(gw, odoo_sandbox, "res.partner.search_read", lambda: gw.partners_by_ref(batch))) == len(batch)
    for batch in (eans[:1], eans):
        assert len(_one_trip(gw, odoo_sandbox, "product.product.search_read",
                             lambda: gw.products_by_barcode(batch))) == len(batch)
        codes = [f"C-{e}" for e in batch]
        assert len(_one_trip(gw, odoo_sandbox, "product.product.search_read",
                             lambda: gw.products_by_default_code(codes))) == len(batch)
    gw.reset_counts()
    assert gw.partners_by_ref([]) == [] and gw.rpc_count == 0


def test_products_and_uoms(gw, odoo_sandbox, md):
    rows = gw.products_by_barcode([md.widget_ean, md.flour_ean])
    assert {r["id"]: r["uom_id"][0] for r in rows} == {md.widget: 1, md.flour: 12}
    uoms = _one_trip(gw, odoo_sandbox, "uom.uom.search_read", gw.uoms)
    kg = next(u for u in uoms if u["id"] == 12)
    assert kg["category_id"][1] == "Weight" and kg["uom_type"] == "reference" and kg["factor"] == 1.0


def test_resolve_names_and_external_ids(gw, odoo_sandbox):
    gw.reset_counts()
    assert gw.resolve("stock.warehouse", ["stock.warehouse0"]) == {"stock.warehouse0": 1}
    assert gw.call_counts == {"ir.model.data.search_read": 1}
    wh = gw.resolve("stock.warehouse", ["My Company", "stock.warehouse0"])
    assert wh == {"My Company": 1, "stock.warehouse0": 1}
    assert gw.resolve("stock.location", ["WH/Stock"]) == {"WH/Stock": 8}
    assert gw.resolve("delivery.carrier", ["Standard delivery"])["Standard delivery"] == 1
    assert gw.resolve("account.payment.term", ["30 Days"])["30 Days"]
    assert gw.resolve("res.company", ["base.main_company"]) == {"base.main_company": 1}
    gw.reset_counts()
    gw.resolve("account.payment.term", ["Immediate Payment", "15 Days", "21 Days", "30 Days"])
    assert gw.rpc_count == 1


def test_resolve_errors_name_model_and_ref(gw):
    with pytest.raises(OdooLookupError) as exc:
        gw.resolve("stock.warehouse", ["No Such Warehouse", "stock.no_such_xmlid"])
    msg = str(exc.value)
    assert "stock.warehouse" in msg and "No Such Warehouse" in msg and "stock.no_such_xmlid" in msg
    gw.create("account.payment.term", [{"name": "Twin Term"}, {"name": "Twin Term"}])
    with pytest.raises(OdooLookupError, match="ambiguous.*Twin Term"):
        gw.resolve("account.payment.term", ["Twin Term"])
    with pytest.raises(OdooValueError):
        gw.resolve("res.partner", ["x"])


def test_records_by_field(gw, odoo_sandbox, md):
    provision(gw)  # x_procuros_transaction_id exists once the setup ran (idempotent)
    tx = [f"tx-{gln()}" for _ in range(3)]
    so = gw.create("sale.order", [md.order_vals(ref=t, x_procuros_transaction_id=t) for t in tx[:2]])
    found = _one_trip(gw, odoo_sandbox, "sale.order.search_read",
                      lambda: gw.records_by_field("sale.order", "x_procuros_transaction_id", tx, ["name"]))
    assert {k: [r["id"] for r in v] for k, v in found.items()} == {tx[0]: [so[0]], tx[1]: [so[1]]}
    # once provisioned, the partner switches come along with the partner look-up
    [row] = gw.partners_by_ref([md.customer_gln])
    assert row["x_procuros_send_invoice"] is False
