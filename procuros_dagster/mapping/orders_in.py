"""Inbound orders: Procuros ORDER transactions → Odoo 17 sale.order values (pure, no I/O).

Three stages, each output validated by a pandera schema from :mod:`.schemas_in`:

1. :func:`normalise_orders` — raw ReceivedTransaction dicts → ``Normalised(headers, lines, rejects)``
2. :func:`resolve_orders` — + batched Odoo lookups → ``Resolved(headers, lines, rejects)`` with a
   status per transaction: ``create``, ``update`` (newer version of a draft) or ``already_imported``
3. :func:`build_sale_order_vals` — ``Resolved`` → ``OrderWrite`` list with create/write values

:func:`summarise` gives one row per transaction for Dagster metadata.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from . import reasons
from .documents import header_party_gln
from .orders_in_normalise import ImportLimits, Normalised, normalise_orders, parse_procuros_datetime
from .orders_in_resolve import OrderLookups, Resolved, SalesDefaults, resolve_orders
from .orders_in_terms import charge_line_name
from .schemas_in import SUMMARY, frame

__all__ = [
    "Normalised", "OrderLookups", "OrderWrite", "Resolved", "SalesDefaults", "build_sale_order_vals",
    "ImportLimits", "normalise_orders", "parse_procuros_datetime", "resolve_orders", "summarise", "odoo_datetime",
]


@dataclass(frozen=True)
class OrderWrite:
    """One sale.order to create (target_order_id None) or to rewrite (status "update")."""
    transaction_id: str
    status: str
    target_order_id: int | None
    vals: dict
    notes: tuple[str, ...] = ()  # for the chatter: how the buyer's terms were read
    # an address-only ship-to none of the buyer's addresses has: res.partner values of the
    # delivery address the writer finds or creates (then partner_shipping_id)
    new_shipping: dict | None = None


def odoo_datetime(ts: object) -> str | bool:
    """UTC Timestamp → Odoo's naive-UTC "YYYY-MM-DD HH:MM:SS"; absent → False (clears on write)."""
    if ts is None or pd.isna(ts):
        return False
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")


def _html(note: object) -> str | bool:
    # sale.order.note is an html field: keep paragraphs, escape the buyer's text
    if note is None or pd.isna(note):
        return False
    paras = [p.strip() for p in str(note).split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br/>") + "</p>" for p in paras)


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# the buyer's own values on the quotation and its lines (fields of setup.py), set when sent
_HEADER_FIELDS = {"x_procuros_delivery_earliest": "delivery_earliest", "x_procuros_delivery_latest": "delivery_latest",
                  "x_procuros_order_type": "order_type", "x_procuros_promotion_code": "promotion_code",
                  "x_procuros_contract_reference": "contract_reference",
                  "x_procuros_final_recipient": "final_recipient",
                  "x_procuros_buyer_payment_terms": "buyer_payment_terms"}
_LINE_FIELDS = {"x_procuros_buyer_article_number": "buyer_article_number", "x_procuros_buyer_price": "buyer_price",
                "x_procuros_delivery_date": "delivery_date", "x_procuros_delivery_earliest": "delivery_earliest",
                "x_procuros_delivery_latest": "delivery_latest"}


def _buyer_values(row: dict, fields: dict[str, str], clear: bool) -> dict:
    out = {}
    for odoo, col in fields.items():
        value = row.get(col)
        value = odoo_datetime(value) if isinstance(value, pd.Timestamp) or (value is not None and not isinstance(value, str)
                                                                             and pd.isna(value)) else _text(value)
        if value or clear:  # on update, False clears what the buyer no longer sends
            out[odoo] = value or False
    return out


def _charge_vals(c: dict, sequence: int) -> dict:
    return {"product_id": int(c["product_id"]), "product_uom": int(c["product_uom"]), "product_uom_qty": 1.0,
            "price_unit": float(c["amount"]), "name": charge_line_name(str(c["description"]), _int(c["line_number"])),
            "sequence": sequence,
            "x_procuros_is_deposit": False}


def _new_shipping(h: dict) -> dict | None:
    if _text(h.get("new_ship_to_name")) is None:
        return None
    vals = {"parent_id": int(h["partner_id"]), "type": "delivery", "name": str(h["new_ship_to_name"])}
    for odoo, col in (("street", "new_ship_to_street"), ("zip", "new_ship_to_zip"), ("city", "new_ship_to_city")):
        if _text(h.get(col)):
            vals[odoo] = str(h[col])
    if _int(h.get("new_ship_to_country_id")) is not None:
        vals["country_id"] = _int(h["new_ship_to_country_id"])
    return vals


def _line_vals(ln: dict, sequence: int) -> dict:
    vals = {
        "product_id": int(ln["product_id"]),
        "product_uom": int(ln["product_uom"]),
        "product_uom_qty": float(ln["product_uom_qty"]),
        "sequence": sequence,
        "x_procuros_line_number": int(ln["line_number"]),
        "x_procuros_is_deposit": bool(ln["is_deposit_item"]),
    }
    # absent price / description: let Odoo compute them from pricelist / product
    if not pd.isna(ln["price_unit"]):
        vals["price_unit"] = float(ln["price_unit"])
    if not pd.isna(ln["name"]):
        vals["name"] = str(ln["name"])
    if not pd.isna(ln["discount"]):
        vals["discount"] = float(ln["discount"])
    return vals | _buyer_values(ln, _LINE_FIELDS, clear=False)


def build_sale_order_vals(resolved: Resolved) -> list[OrderWrite]:
    """Odoo create/write values with plain int ids only, ordered by transaction id.

    ``already_imported`` transactions get empty values: nothing to write, but they still need
    binding and acknowledging (a crash may have struck between the write and the acknowledgement).
    For an update the lines
    are replaced as a whole ((5, 0, 0) then new lines): the buyer's new version is the truth, and
    a draft has no deliveries or invoices hanging on its lines yet.
    """
    lines = resolved.lines.sort_values(["transaction_id", "line_number"])
    by_tid: dict = {}
    for ln in lines.to_dict("records"):  # one conversion, not one per order (2.4 ms an order)
        by_tid.setdefault(ln["transaction_id"], []).append(ln)
    charges: dict[str, list[dict]] = {}
    for c in resolved.charges.to_dict("records"):
        charges.setdefault(c["transaction_id"], []).append(c)
    out = []
    for h in resolved.headers.sort_values("transaction_id").to_dict("records"):
        if h["status"] == "already_imported":
            out.append(OrderWrite(str(h["transaction_id"]), "already_imported", _int(h["target_order_id"]), {}))
            continue
        update = h["status"] == "update"
        order_line = [(0, 0, _line_vals(ln, 10 * (i + 1))) for i, ln in enumerate(by_tid.get(h["transaction_id"], []))]
        # the buyer's charges after its lines, each a line of the charge product
        order_line += [(0, 0, _charge_vals(c, 10 * (len(order_line) + i + 1)))
                       for i, c in enumerate(charges.get(h["transaction_id"], []))]
        new_shipping = _new_shipping(h)
        vals = {
            "partner_id": int(h["partner_id"]),
            "partner_invoice_id": int(h["partner_invoice_id"]),
            **({} if new_shipping else {"partner_shipping_id": int(h["partner_shipping_id"])}),
            "client_order_ref": str(h["client_order_ref"]),
            "date_order": odoo_datetime(h["order_date"]),
            "warehouse_id": int(h["warehouse_id"]),
            "x_procuros_transaction_id": str(h["transaction_id"]),
            "x_procuros_order_date": odoo_datetime(h["order_date"]),
            "x_procuros_buyer_gln": str(h["buyer_gln"]),
        }
        if _int(h["company_id"]) is not None:
            vals["company_id"] = _int(h["company_id"])
        for key in ("payment_term_id", "carrier_id"):
            if _int(h[key]) is not None:  # only when known: else Odoo's own default applies
                vals[key] = _int(h[key])
        commitment, note = odoo_datetime(h["commitment_date"]), _html(h["note"])
        if commitment or update:  # on update, False clears a date the buyer dropped
            vals["commitment_date"] = commitment
        if note or update:
            vals["note"] = note
        vals |= _buyer_values(h, _HEADER_FIELDS, clear=update)
        vals["order_line"] = ([(5, 0, 0)] if update else []) + order_line
        notes = tuple(_text(h["notes"]).split("\n")) if _text(h["notes"]) else ()
        out.append(OrderWrite(str(h["transaction_id"]), str(h["status"]),
                              _int(h["target_order_id"]) if update else None, vals, notes, new_shipping))
    return out


def summarise(resolved: Resolved) -> pd.DataFrame:
    """One row per transaction (imported or rejected) for Dagster metadata."""
    counts = resolved.lines.groupby("transaction_id").size().to_dict()
    rows = []
    for h in resolved.headers.to_dict("records"):
        buyer = h["buyer_name"] if not pd.isna(h["buyer_name"]) else None
        rows.append({
            "transaction_id": h["transaction_id"],
            "order_identifier": h["client_order_ref"],
            "buyer": f"{buyer} ({h['buyer_gln']})" if buyer else h["buyer_gln"],
            "lines": counts.get(h["transaction_id"], h["line_count"]),
            "status": h["status"],
            "reason": (f"already imported as {h['target_order_name']}" if h["status"] == "already_imported"
                       else f"updates {h['target_order_name']}" if h["status"] == "update" else None),
        })
    for r in resolved.rejects.to_dict("records"):
        rows.append({
            "transaction_id": r["transaction_id"],
            "order_identifier": None if pd.isna(r["order_identifier"]) else r["order_identifier"],
            "buyer": None if pd.isna(r["buyer_gln"]) else r["buyer_gln"],
            "lines": None,
            "status": "rejected",
            "reason": r["reason"],
        })
    rows.sort(key=lambda r: r["transaction_id"])
    return frame(SUMMARY, rows)


# --- rules of the inbound sequence that are the order's own (see flows/inbound.py) -----------------

def supplier_gln(content: object) -> str | None:
    """The GS1 identifier of the order's supplier: us, for orders addressed to us."""
    return header_party_gln(content, "supplier")


def reject_test_flow(transactions: list[dict]) -> pd.DataFrame:
    """Rejects (DATA) for TEST-flow orders this connection does not accept."""
    return pd.DataFrame(
        {
            "transaction_id": [t["procurosTransactionId"] for t in transactions],
            "order_identifier": [((t.get("content") or {}).get("header") or {}).get("orderIdentifier")
                                 for t in transactions],
            "error_type": "DATA",
            "reason": reasons.TEST_FLOW_REJECTED,
        }
    )


def with_test_rejects(norm: Normalised, transactions: list[dict]) -> Normalised:
    return Normalised(headers=norm.headers, lines=norm.lines,
                      rejects=pd.concat([norm.rejects, reject_test_flow(transactions)], ignore_index=True),
                      charges=norm.charges)


def reject_malformed(resolved: Resolved, malformed: dict[str, str]) -> Resolved:
    """Move orders whose write values are malformed into the rejects, as our own (INTERNAL) fault."""
    headers = resolved.headers
    first = {col: dict(zip(headers["transaction_id"], headers[col])) for col in ("client_order_ref", "buyer_gln")}
    extra = pd.DataFrame(
        {
            "transaction_id": list(malformed),
            "order_identifier": [first["client_order_ref"].get(tid) for tid in malformed],
            "buyer_gln": [first["buyer_gln"].get(tid) for tid in malformed],
            "error_type": "INTERNAL",
            "reason": [reasons.malformed_values(reason) for reason in malformed.values()],
        }
    )
    return Resolved(
        headers=headers[~headers["transaction_id"].isin(list(malformed))],
        lines=resolved.lines[~resolved.lines["transaction_id"].isin(list(malformed))],
        rejects=pd.concat([resolved.rejects, extra], ignore_index=True),
        charges=resolved.charges[~resolved.charges["transaction_id"].isin(list(malformed))],
    )
