"""The document movements the connector knows, declared once.

Each movement is one kind of document crossing between Procuros and Odoo in one direction. Its
name keys the settings (which movements an integration has on), the Dagster job and asset names,
the schedule and the Logs. The flows and the Dagster wiring are generated from this table.
"""

from __future__ import annotations

#: movement name -> (direction, Procuros transaction type); the full registry builds on these names
MOVEMENT_NAMES: dict[str, tuple[str, str]] = {
    "sales_orders": ("in", "ORDER"),
    "shipping_notices": ("out", "SHIPPING_NOTICE"),
    "invoices": ("out", "INVOICE"),
    "credit_notes": ("out", "CREDIT_NOTE"),
    # purchase-to-pay
    "purchase_orders": ("out", "ORDER"),
    "order_responses": ("in", "ORDER_RESPONSE"),
    "receipts": ("in", "SHIPPING_NOTICE"),
    "vendor_bills": ("in", "INVOICE"),
    "vendor_credit_notes": ("in", "CREDIT_NOTE"),
}
