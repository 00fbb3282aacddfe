"""Supplier INVOICE / CREDIT_NOTE contents as a supplier's system sends them (valid per the OpenAPI document)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from procuros_dagster.sandbox import demo_data as dd

US = {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": dd.OWN_GLN, "domain": "GS1"}],
      "postalAddress": {"street": "Am Speicher 3", "city": "Bremen", "postalCode": "28195", "countryCode": "DE"}}


def supplier(gln: str = dd.SUPPLIER_GLN, name: str = "Brauerei Weserbergland KG") -> dict:
    return {"name": name, "identifiers": [{"identifier": gln, "domain": "GS1"}],
            "postalAddress": {"street": "Brauhausweg 2", "city": "Holzminden", "postalCode": "37603", "countryCode": "DE"}}


def _r2(x: float) -> float:
    """Half-up to the cent, as an invoicing system rounds (not Python's binary round)."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _items(lines: list[dict]) -> tuple[list[dict], float, float]:
    items, net, tax = [], 0.0, 0.0
    for n, ln in enumerate(lines, start=1):
        amount = _r2(ln["quantity"] * ln["price"])
        pct = ln.get("tax", 19)
        line_tax = _r2(amount * pct / 100)
        net, tax = net + amount, tax + line_tax
        item = {"lineNumber": n, "identifiers": [{"identifier": ln["gtin"], "domain": "GS1"}],
                "isDepositItem": ln.get("deposit", False), "isInvoicedItem": True, "quantity": ln["quantity"],
                "unitOfMeasure": ln.get("unit", "EA"), "unitPrice": ln["price"],
                "tax": {"amount": line_tax, "percentage": pct}}
        if "order_line" in ln:
            item["orderLineNumber"] = ln["order_line"]
        if "reason" in ln:
            item["reason"] = ln["reason"]
        items.append(item)
    return items, round(net, 2), round(tax, 2)


def _summary(net: float, tax: float, pct: float = 19) -> dict:
    return {"subtotalAmount": net, "netAmount": net, "totalCharges": 0, "totalAllowances": 0,
            "grossAmount": round(net + tax, 2), "dueAmount": round(net + tax, 2),
            "tax": {"total": tax, "items": [{"percentage": pct, "taxableAmount": net, "taxAmount": tax, "category": "sales"}]}}


def invoice(number: str, order: str, lines: list[dict], *, date: str = "2026-11-20", due: str | None = None,
            supplier_gln: str = dd.SUPPLIER_GLN, payment_days: int | None = None, summary: dict | None = None) -> dict:
    items, net, tax = _items(lines)
    header = {"buyer": US, "supplier": supplier(supplier_gln), "invoiceIdentifier": number,
              "invoiceDate": f"{date}T10:00:00+01:00", "shippingNoticeIdentifier": f"LS-{number}",
              "shippingNoticeDate": f"{date}T08:00:00+01:00", "orderIdentifier": order,
              "orderDate": f"{date}T07:00:00+01:00", "currency": "EUR"}
    if due:
        header["invoiceDueDate"] = f"{due}T00:00:00+01:00"
    if payment_days is not None:
        header["paymentTerms"] = [{"payInNumberOfDays": payment_days, "percentage": 0}]
    return {"header": header, "items": items, "summary": summary or _summary(net, tax)}


def credit_note(number: str, lines: list[dict], *, invoice: str | None = None, order: str | None = None,
                date: str = "2026-11-25", reason: str | None = None, supplier_gln: str = dd.SUPPLIER_GLN) -> dict:
    items, net, tax = _items(lines)
    header = {"type": "CORRECTION", "buyer": US, "supplier": supplier(supplier_gln), "creditNoteIdentifier": number,
              "creditNoteDate": f"{date}T09:30:00+01:00", "currency": "EUR"}
    if invoice:
        header["invoiceIdentifier"] = invoice
        header["invoiceDate"] = f"{date}T09:00:00+01:00"
    if order:
        header["orderIdentifier"] = order
    if reason:
        header["reason"] = reason
    return {"header": header, "items": items, "summary": _summary(net, tax)}
