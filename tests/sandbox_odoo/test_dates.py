"""Accounting dates and numbering of draft bills (transcript 14), on an injected clock.

Each case runs on the day transcript 14 was recorded (2026-12-01) and on days where a calendar
rule bites: the last day of a month, of a year, and a leap day.
"""
from __future__ import annotations

import datetime as dt

import odoorpc
import pytest

from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.odoo.clock import Clock

from .rpc import call, rpc_error

DAYS = ["2026-12-01", "2026-11-30", "2026-12-31", "2028-02-29"]
READ = ["name", "state", "date", "invoice_date", "invoice_date_due"]


def _odoo(day: str):
    sb = OdooSandbox(clock=Clock(frozen=f"{day} 10:00:00"))
    sb.start()
    o = odoorpc.ODOO("127.0.0.1", port=int(sb.url.rsplit(":", 1)[1]))
    o.login("procuros", "admin", "admin")
    return sb, o


@pytest.fixture(params=DAYS)
def day_odoo(request):
    sb, o = _odoo(request.param)
    yield dt.date.fromisoformat(request.param), o
    sb.stop()


def _month_end(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _bill(o, sup, product, **vals):
    mid = call(o, "account.move", "create", {"move_type": "in_invoice", "partner_id": sup, **vals,
                                             "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 1,
                                                                          "price_unit": 9.0}]]})
    return mid, call(o, "account.move", "read", [mid], fields=READ)[0]


def _supplier_and_product(o):
    sup = call(o, "res.partner", "create", {"name": "Rec Supplier", "is_company": True})
    product = call(o, "product.product", "create", {"name": "Rec Article", "detailed_type": "consu"})
    return sup, product


def test_draft_bills_follow_their_invoice_date(day_odoo):
    today, o = day_odoo
    sup, product = _supplier_and_product(o)
    first, r1 = _bill(o, sup, product)
    second, r2 = _bill(o, sup, product)
    # the first draft of a period is numbered at once, later ones wait as "/"
    assert (r1["name"], r1["date"], r1["invoice_date"]) == (f"BILL/{today:%Y/%m}/0001", today.isoformat(), False)
    assert (r2["name"], r2["date"]) == ("/", today.isoformat())
    # an invoice date in an earlier month books the bill on that month's last day, numbered there
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    inv1 = last_month.replace(day=15)
    call(o, "account.move", "write", [first], {"invoice_date": inv1.isoformat()})
    r1 = call(o, "account.move", "read", [first], fields=READ)[0]
    assert (r1["name"], r1["date"]) == (f"BILL/{inv1:%Y/%m}/0001", _month_end(inv1).isoformat())
    # without payment terms the due date stays the day the bill was created
    assert r1["invoice_date_due"] == today.isoformat()
    before = (last_month.replace(day=1) - dt.timedelta(days=1)).replace(day=20)
    call(o, "account.move", "write", [second], {"invoice_date": before.isoformat()})
    call(o, "account.move", "action_post", [second])
    r2 = call(o, "account.move", "read", [second], fields=READ)[0]
    assert (r2["name"], r2["state"], r2["date"]) == (f"BILL/{before:%Y/%m}/0001", "posted",
                                                     _month_end(before).isoformat())
    # a bill dated later this month keeps its own date and takes the number the first one freed
    later = min(today + dt.timedelta(days=9), _month_end(today))
    third, r3 = _bill(o, sup, product, invoice_date=later.isoformat())
    assert (r3["name"], r3["date"]) == (f"BILL/{today:%Y/%m}/0001", later.isoformat())
    call(o, "account.move", "action_post", [first])
    r1 = call(o, "account.move", "read", [first], fields=READ)[0]
    assert (r1["name"], r1["state"]) == (f"BILL/{inv1:%Y/%m}/0001", "posted")


def test_customer_invoice_date_is_its_invoice_date_and_posting_dates_it_today(day_odoo):
    today, o = day_odoo
    cust, product = _supplier_and_product(o)
    earlier = (today.replace(day=1) - dt.timedelta(days=40)).isoformat()
    inv, _ = _bill(o, cust, product, move_type="out_invoice", invoice_date=earlier)
    assert call(o, "account.move", "read", [inv], fields=["date"])[0]["date"] == earlier
    undated, _ = _bill(o, cust, product, move_type="out_invoice")
    call(o, "account.move", "action_post", [undated])
    r = call(o, "account.move", "read", [undated], fields=["invoice_date", "date", "name"])[0]
    assert (r["invoice_date"], r["date"]) == (today.isoformat(), today.isoformat())
    assert r["name"].startswith(f"INV/{today.year}/")


def test_the_clock_is_the_sandbox_s_own():
    """Two sandboxes with different clocks in one process date their records each by its own."""
    sb1, o1 = _odoo("2028-02-29")
    sb2, o2 = _odoo("2026-12-31")
    try:
        for o, day in ((o1, "2028-02-29"), (o2, "2026-12-31")):
            sup, product = _supplier_and_product(o)
            _, r = _bill(o, sup, product)
            assert r["date"] == day
        assert rpc_error(o1, "account.move", "action_post", [99999])[0] == "odoo.exceptions.MissingError"
    finally:
        sb1.stop()
        sb2.stop()
