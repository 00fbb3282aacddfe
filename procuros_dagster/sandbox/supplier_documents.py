"""Documents as our suppliers' systems send them to us through Procuros (for the demo and tests):
an ORDER_RESPONSE, a SHIPPING_NOTICE, an INVOICE and a CREDIT_NOTE, valid per the OpenAPI document."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procuros_dagster.sandbox import demo_data as dd

US = {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": dd.OWN_GLN, "domain": "GS1"}],
      "postalAddress": {"street": "Am Speicher 3", "city": "Bremen", "postalCode": "28195", "countryCode": "DE"}}


def _us() -> dict:
    return copy.deepcopy(US)  # each document its own: a caller may edit it


def _party(gln: str) -> dict:
    return {"identifiers": [{"identifier": gln, "domain": "GS1"}]}


def _cents(x: float) -> float:
    """Half-up to the cent, as an invoicing system rounds (not Python's binary round)."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def order_response(order: str, kind: str, lines: list[dict[str, Any]], *, supplier_gln: str,
                   day: str = "2026-12-01") -> dict:
    """``lines``: gtin, ordered, confirmed, unit, optionally price; numbered as the order's lines."""
    items = [{"lineNumber": n, "orderLineNumber": n, "identifiers": [{"identifier": ln["gtin"], "domain": "GS1"}],
              "orderedQuantity": ln["ordered"], "confirmedQuantity": ln["confirmed"], "unitOfMeasure": ln["unit"],
              **({"unitPrice": ln["price"]} if "price" in ln else {})}
             for n, ln in enumerate(lines, start=1)]
    header = {"buyer": _us(), "supplier": _party(supplier_gln), "orderResponseIdentifier": f"AB-{order}",
              "orderResponseDate": f"{day}T14:00:00+01:00", "orderIdentifier": order, "type": kind}
    return {"header": header, "items": items}


def shipping_notice(number: str, order: str, lines: list[dict[str, Any]], *, supplier_gln: str,
                    sscc: str | None = None, day: str = "2026-12-01") -> dict:
    """``lines``: gtin, ordered, shipped, unit."""
    items = [{"lineNumber": n, "identifiers": [{"identifier": ln["gtin"], "domain": "GS1"}], "isDepositItem": False,
              "orderedQuantity": ln["ordered"], "shippedQuantity": ln["shipped"], "unitOfMeasure": ln["unit"]}
             for n, ln in enumerate(lines, start=1)]
    unit: dict[str, Any] = {"items": items}
    if sscc:
        unit |= {"unitIdentifier": sscc, "unitType": "EURO_PALLET"}
    header = {"buyer": _us(), "supplier": _party(supplier_gln), "shippingNoticeIdentifier": number,
              "shippingNoticeDate": f"{day}T16:40:00+01:00", "orderIdentifier": order}
    return {"header": header, "transportUnits": [unit]}


def _billed(lines: list[dict[str, Any]]) -> tuple[list[dict], dict]:
    items, net, tax = [], 0.0, 0.0
    for n, ln in enumerate(lines, start=1):
        amount = _cents(ln["quantity"] * ln["price"])
        line_tax = _cents(amount * ln.get("tax", 19) / 100)
        net, tax = net + amount, tax + line_tax
        items.append({"lineNumber": n, "orderLineNumber": n, "identifiers": [{"identifier": ln["gtin"], "domain": "GS1"}],
                      "isDepositItem": False, "isInvoicedItem": True, "quantity": ln["quantity"],
                      "unitOfMeasure": ln["unit"], "unitPrice": ln["price"],
                      "tax": {"amount": line_tax, "percentage": ln.get("tax", 19)}})
    net, tax = round(net, 2), round(tax, 2)
    summary = {"subtotalAmount": net, "netAmount": net, "totalCharges": 0, "totalAllowances": 0,
               "grossAmount": round(net + tax, 2), "dueAmount": round(net + tax, 2),
               "tax": {"total": tax, "items": [{"percentage": 19, "taxableAmount": net, "taxAmount": tax,
                                                "category": "sales"}]}}
    return items, summary


def invoice(number: str, order: str, lines: list[dict[str, Any]], *, supplier_gln: str, notice: str,
            day: str = "2026-12-01") -> dict:
    """``lines``: gtin, quantity, unit, price (19 % unless ``tax``); ``notice``: the shipping notice billed."""
    items, summary = _billed(lines)
    header = {"buyer": _us(), "supplier": _party(supplier_gln), "invoiceIdentifier": number,
              "invoiceDate": f"{day}T10:00:00+01:00", "shippingNoticeIdentifier": notice,
              "shippingNoticeDate": f"{day}T08:00:00+01:00", "orderIdentifier": order,
              "orderDate": f"{day}T07:00:00+01:00", "currency": "EUR"}
    return {"header": header, "items": items, "summary": summary}


def credit_note(number: str, invoice_number: str, order: str, lines: list[dict[str, Any]], *, supplier_gln: str,
                reason: str, day: str = "2026-12-01") -> dict:
    items, summary = _billed(lines)
    header = {"type": "CORRECTION", "buyer": _us(), "supplier": _party(supplier_gln), "creditNoteIdentifier": number,
              "creditNoteDate": f"{day}T09:30:00+01:00", "invoiceIdentifier": invoice_number,
              "invoiceDate": f"{day}T09:00:00+01:00", "orderIdentifier": order, "currency": "EUR", "reason": reason}
    return {"header": header, "items": items, "summary": summary}
