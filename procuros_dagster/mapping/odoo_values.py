"""Odoo's value shapes, read once: every layer that reads Odoo records imports these.

``search_read`` gives a many2one as ``[id, "display name"]`` or ``False``; code that built a
record itself may hold the bare id instead.
"""

from __future__ import annotations

from typing import Any


def m2o_id(value: Any) -> int | None:
    """The id of a many2one value (``[id, "name"]`` or a bare id); None for ``False``/empty."""
    if isinstance(value, (list, tuple)) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str | None:
    """The display name of a many2one ``[id, "name"]``; None when Odoo gave none."""
    return str(value[1]) if isinstance(value, (list, tuple)) and len(value) > 1 else None
