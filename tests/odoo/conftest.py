"""Fixtures for the gateway tests: the Odoo sandbox over real HTTP, and master-data factories."""

import itertools
import uuid

import pytest

from procuros_dagster.odoo import OdooGateway

DB, LOGIN, PASSWORD = "procuros", "admin", "admin"
_seq = itertools.count(1)


def gln() -> str:
    """A unique 13-digit GLN-like reference per call (checksum not needed for matching)."""
    return f"40{uuid.uuid4().int % 10**9:09d}{next(_seq) % 100:02d}"


def start_sandbox(**kw):
    from procuros_dagster.sandbox.odoo import OdooSandbox

    sb = OdooSandbox(db=kw.pop("db", DB), login=kw.pop("login", LOGIN), password=kw.pop("password", PASSWORD), **kw)
    sb.start()
    return sb


@pytest.fixture(scope="session")
def odoo_sandbox():
    sb = start_sandbox()
    yield sb
    sb.stop()


@pytest.fixture
def fresh_sandbox():
    """A sandbox of its own: first-time behaviours (SMS wizard) and setup runs start from scratch."""
    sb = start_sandbox()
    yield sb
    sb.stop()


def connect(sb) -> OdooGateway:
    gw = OdooGateway.connect(sb.url, DB, LOGIN, PASSWORD, timeout=10)
    gw.backoff = 0.001
    return gw


@pytest.fixture
def gw(odoo_sandbox) -> OdooGateway:
    return connect(odoo_sandbox)


class MasterData:
    """Customer (+ delivery child), supplier and two storable products with unique identifiers."""

    def __init__(self, gw: OdooGateway, with_phone: bool = False):
        self.customer_gln, self.delivery_gln, self.supplier_gln = gln(), gln(), gln()
        cust = {"name": f"Customer {self.customer_gln}", "is_company": True, "ref": self.customer_gln,
                "street": "Kundenstrasse 1", "zip": "10115", "city": "Berlin", "email": "edi@customer.example"}
        if with_phone:
            cust["phone"] = "+49 30 1234567"
        [self.customer] = gw.create("res.partner", [cust])
        dc = {"name": "DC Spandau", "type": "delivery", "parent_id": self.customer, "ref": self.delivery_gln,
              "city": "Berlin"}
        if with_phone:  # the picking goes to the delivery address: that is the partner stock_sms looks at
            dc["phone"] = "+49 30 7654321"
        self.delivery, self.supplier = gw.create("res.partner", [
            dc,
            {"name": f"Supplier {self.supplier_gln}", "is_company": True, "ref": self.supplier_gln},
        ])
        self.widget_ean, self.flour_ean = gln(), gln()
        self.widget_code, self.flour_code = f"PT-W-{self.widget_ean}", f"PT-F-{self.flour_ean}"
        self.widget, self.flour = gw.create("product.product", [
            {"name": "Widget", "default_code": self.widget_code, "barcode": self.widget_ean,
             "detailed_type": "product", "uom_id": 1, "uom_po_id": 1, "list_price": 12.5, "standard_price": 7.0},
            {"name": "Flour", "default_code": self.flour_code, "barcode": self.flour_ean,
             "detailed_type": "product", "uom_id": 12, "uom_po_id": 12, "list_price": 2.4, "standard_price": 1.1,
             "invoice_policy": "delivery"},
        ])

    def stock_up(self, gw: OdooGateway, qty: float = 1000):
        loc = gw.resolve("stock.location", ["WH/Stock"])["WH/Stock"]
        quants = gw.create("stock.quant", [
            {"product_id": p, "location_id": loc, "inventory_quantity": qty} for p in (self.widget, self.flour)
        ], context={"inventory_mode": True})
        gw.call("stock.quant", "action_apply_inventory", [quants], context={"inventory_mode": True})

    def order_vals(self, ref="CUST-PO-1", lines=((10, 12.5), (25.5, 2.4)), **extra):
        (wq, wp), (fq, fp) = lines
        return {"partner_id": self.customer, "partner_invoice_id": self.customer,
                "partner_shipping_id": self.delivery, "client_order_ref": ref,
                "order_line": [
                    (0, 0, {"product_id": self.widget, "product_uom_qty": wq, "product_uom": 1, "price_unit": wp,
                            "name": "Widget"}),
                    (0, 0, {"product_id": self.flour, "product_uom_qty": fq, "product_uom": 12, "price_unit": fp,
                            "name": "Flour"}),
                ], **extra}


@pytest.fixture
def md(gw) -> MasterData:
    return MasterData(gw)
