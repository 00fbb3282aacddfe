"""What a call costs a real Odoo 17, so that the sandbox takes as long as Odoo would.

Measured on a real Odoo 17 (2 CPUs shared with the connector, loopback): about 10 ms per call,
plus 5 ms per order line created (sale and purchase order creates of 10 lines in chunks of 50:
4.5-5.4 ms a line), plus 1 ms per other record created; a read about 1 ms plus 0.05 ms per row.
The sandbox takes the modelled cost while it holds its lock — Odoo busy with the call: its own work
counts toward it, the rest it sleeps — and adds it to ``busy_seconds``, so a benchmark can tell how
much of a job's wall time Odoo was kept busy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: models whose records are documents with lines: a created line costs more than other records
LINE_FIELDS = {"sale.order": "order_line", "purchase.order": "order_line", "account.move": "invoice_line_ids"}
READS = {"read", "search_read", "search", "read_group", "name_search", "search_count", "fields_get"}


@dataclass(frozen=True)
class CostModel:
    per_call: float = 0.010
    per_line: float = 0.005  # a created order or invoice line
    per_record: float = 0.001  # any other created record
    per_read: float = 0.001
    per_row: float = 0.00005

    def cost(self, model: str, method: str, args: list, result: Any) -> float:
        """Seconds a real Odoo would spend on this call (``args`` as sent, ``result`` as answered)."""
        seconds = self.per_call
        if method == "create":
            vals_list = args[0] if args else []
            vals_list = [vals_list] if isinstance(vals_list, dict) else (vals_list or [])
            lines = sum(len(_created_lines(model, vals)) for vals in vals_list if isinstance(vals, dict))
            seconds += lines * self.per_line + len(vals_list) * self.per_record
        elif method in READS:
            rows = len(result) if isinstance(result, list) else 1
            seconds += self.per_read + rows * self.per_row
        return seconds


def _created_lines(model: str, vals: dict) -> list:
    commands = vals.get(LINE_FIELDS.get(model, ""), None) or []
    return [c for c in commands if isinstance(c, (list, tuple)) and c and c[0] == 0]


#: the model measured on a real Odoo 17 (see the module docstring)
REAL_ODOO_17 = CostModel()
