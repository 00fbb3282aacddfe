"""The last line of defence before Odoo: are the values we are about to write well formed?

Per-document data problems are rejects long before this point; this check catches systemic
faults (a mapping bug, a lookup that silently returned nothing) and blocks the write.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import pandas as pd
import pandera.pandas as pa

SYSTEMIC = "*"  # a problem no single transaction can be blamed for

_ID = pa.Column(int, pa.Check.gt(0), coerce=False)

ORDER_WRITE_SCHEMA = pa.DataFrameSchema(
    {
        "transaction_id": pa.Column(str, unique=True),
        "status": pa.Column(str, pa.Check.isin(["create", "update", "already_imported"])),
        "partner_id": _ID,
        "partner_shipping_id": _ID,
        "partner_invoice_id": _ID,
        "line_count": pa.Column(int, pa.Check.ge(0)),
    },
    strict=False,
    name="sale order writes",
)

ORDER_LINE_WRITE_SCHEMA = pa.DataFrameSchema(
    {
        "transaction_id": pa.Column(str),
        "product_id": _ID,
        "product_uom": _ID,
        "product_uom_qty": pa.Column(float, pa.Check.gt(0)),
    },
    strict=False,
    name="sale order line writes",
)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _line_vals(vals: dict) -> list[dict]:
    return [cmd[2] for cmd in vals.get("order_line", []) if isinstance(cmd, (list, tuple)) and cmd[0] == 0]


def sale_order_write_problems(writes: Sequence[Any]) -> list[dict]:
    """Problems as rows ``{transaction_id, problem}``; empty when every write is well formed."""
    problems: list[dict] = []
    heads, lines = [], []
    for w in writes:
        if w.status == "already_imported":
            continue
        vals = w.vals
        # an address-only ship-to may be a delivery address the writer creates first
        new_address = bool(getattr(w, "new_shipping", None)) and "partner_shipping_id" not in vals
        for key in ("partner_id", "partner_shipping_id", "partner_invoice_id"):
            if key == "partner_shipping_id" and new_address:
                continue
            if not _is_id(vals.get(key)):
                problems.append({"transaction_id": w.transaction_id, "problem": f"{key} is {vals.get(key)!r}, not an Odoo id"})
        if vals.get("x_procuros_transaction_id") != w.transaction_id:
            problems.append({"transaction_id": w.transaction_id, "problem": "x_procuros_transaction_id does not carry the transaction id"})
        line_vals = _line_vals(vals)
        if w.status == "create" and not line_vals:
            problems.append({"transaction_id": w.transaction_id, "problem": "an order without lines"})
        heads.append(
            {
                "transaction_id": w.transaction_id,
                "status": w.status,
                "partner_id": vals.get("partner_id") if _is_id(vals.get("partner_id")) else 0,
                "partner_shipping_id": vals.get("partner_shipping_id") if _is_id(vals.get("partner_shipping_id"))
                else 1 if new_address else 0,
                "partner_invoice_id": vals.get("partner_invoice_id") if _is_id(vals.get("partner_invoice_id")) else 0,
                "line_count": len(line_vals),
            }
        )
        for lv in line_vals:
            for key in ("product_id", "product_uom"):
                if not _is_id(lv.get(key)):
                    problems.append({"transaction_id": w.transaction_id, "problem": f"line {key} is {lv.get(key)!r}, not an Odoo id"})
            lines.append(
                {
                    "transaction_id": w.transaction_id,
                    "product_id": lv.get("product_id") if _is_id(lv.get("product_id")) else 0,
                    "product_uom": lv.get("product_uom") if _is_id(lv.get("product_uom")) else 0,
                    "product_uom_qty": float(lv.get("product_uom_qty") or 0),
                }
            )
    for tid, n in Counter(w.transaction_id for w in writes).items():
        if n > 1:
            problems.append({"transaction_id": tid, "problem": f"written {n} times in one batch"})
    for schema, rows in ((ORDER_WRITE_SCHEMA, heads), (ORDER_LINE_WRITE_SCHEMA, lines)):
        if not rows:
            continue
        try:
            schema.validate(pd.DataFrame(rows), lazy=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.to_dict(orient="records"):
                index = case.get("index")
                row = rows[int(index)] if isinstance(index, (int, float)) and not pd.isna(index) and int(index) < len(rows) else None
                problems.append(
                    {
                        "transaction_id": row["transaction_id"] if row else SYSTEMIC,
                        "problem": f"{schema.name}: {case.get('column')} {case.get('check')} failed for {case.get('failure_case')!r}",
                    }
                )
    # de-duplicate while keeping order
    seen, unique = set(), []
    for p in problems:
        key = (p["transaction_id"], p["problem"])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def split_malformed(writes: Sequence[Any], problems: list[dict]) -> tuple[list, dict[str, str], bool]:
    """``(writes to keep, {transaction_id: reason} to reject, systemic?)``.

    One malformed order must not hold up the others, so it is taken out and rejected on its own.
    When the fault looks systemic — it cannot be pinned on one order, or it hits most of the
    batch — nothing is written: that is a bug to fix, not data to reject order by order.
    """
    reasons: dict[str, list[str]] = {}
    for p in problems:
        reasons.setdefault(p["transaction_id"], []).append(p["problem"])
    blamed = {tid for tid in reasons if tid != SYSTEMIC}
    systemic = SYSTEMIC in reasons or (bool(writes) and 2 * len(blamed) > len(writes))
    keep = [w for w in writes if w.transaction_id not in blamed]
    return keep, {tid: "; ".join(reasons[tid]) for tid in sorted(blamed)}, systemic
