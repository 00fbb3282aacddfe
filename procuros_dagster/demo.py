"""The demo: both sandboxes on loopback, a seeded Odoo, and order-to-cash run end to end.

Nothing leaves this machine and no credentials are needed: the demo invents its own token and
password for the sandboxes and points the connector at them through the usual variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from procuros_dagster.defs.launch import run_on_code_location

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.exchange_log import STATES
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox import supplier_documents as sd
from procuros_dagster.sandbox.stack import SandboxStack, sandbox_stack


NUMBER_KEY = {"ORDER_RESPONSE": "orderResponseIdentifier", "SHIPPING_NOTICE": "shippingNoticeIdentifier", "INVOICE": "invoiceIdentifier", "CREDIT_NOTE": "creditNoteIdentifier"}


def _say(text: str = "") -> None:
    print(text, flush=True)


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, job: str, partition: str) -> dg.DagsterRun:
    # on the code location's job, as the UI launches runs: they show on their job's page and on
    # the Overview timeline
    run = run_on_code_location(defs, job, instance, partition_key=partition,
                               run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    _say(f"  {job} [{partition}]: {'succeeded' if run.is_success else 'FAILED'}")
    return run


def _deliver_and_invoice(gateway: OdooGateway, order_id: int, reason: str) -> None:
    """What a user does in Odoo after the import: confirm, ship, invoice, and refund a little."""
    dd.deliver(gateway, order_id)
    invoices = gateway.invoice_sale_orders([order_id])
    gateway.post_moves(invoices)
    credit_notes = gateway.reverse_moves(invoices[:1], reason=reason)
    gateway.post_moves(credit_notes)


LOG_STATES = dict(STATES)


def _purchase_to_pay(defs, instance, gateway: OdooGateway, procuros, today: str) -> None:
    """Our side as a buyer: an RFQ to each supplier sent as ORDER; the one that answers every order
    confirms it, ships it, bills it and credits part of it — each document imported into Odoo."""
    suppliers = dd.seed_suppliers(gateway)
    procuros.known_parties = procuros.known_parties | dd.SUPPLIER_PARTNERS
    espresso = gateway.search_read("product.product", [("barcode", "=", dd.ESPRESSO)], ["id"])[0]["id"]
    beer = gateway.search_read("product.product", [("barcode", "=", dd.APFELSCHORLE)], ["id"])[0]["id"]
    coffee_po = dd.purchase_order(gateway, suppliers.orr_supplier_id,
                                  [{"product_id": espresso, "product_qty": 60, "price_unit": 9.8}])
    dd.purchase_order(gateway, suppliers.supplier_id, [{"product_id": beer, "product_qty": 240, "price_unit": 0.32}])
    _say("\n4. Purchase-to-pay: two requests for quotation to suppliers set up for Procuros")
    _run(defs, instance, "export_purchase_orders", today)
    for po in gateway.search_read("purchase.order", [], ["name", "partner_id", "state"], order="id"):
        _say(f"  sent ORDER  {po['name']}  to {po['partner_id'][1]}: "
             + ("confirmed when sent" if po["state"] == "purchase" else "waits for the supplier's order response"))
    [name] = [p["name"] for p in gateway.read("purchase.order", [coffee_po], ["name"])]
    gln, coffee = dd.SUPPLIER_ORR_GLN, {"gtin": dd.ESPRESSO, "unit": "EA"}
    procuros.enqueue("ORDER_RESPONSE", sd.order_response(name, "ACCEPT", [{**coffee, "ordered": 60, "confirmed": 60}],
                                                         supplier_gln=gln, day=today))
    _run(defs, instance, "import_order_responses", today)
    state = gateway.read("purchase.order", [coffee_po], ["state"])[0]["state"]
    _say(f"  {name}: " + ("confirmed" if state == "purchase" else f"still {state}") + " by the supplier's ACCEPT")
    procuros.enqueue("SHIPPING_NOTICE", sd.shipping_notice(f"LS-{name}", name, [{**coffee, "ordered": 60, "shipped": 60}],
                                                           supplier_gln=gln, sscc="340987650000000017", day=today))
    _run(defs, instance, "import_shipping_notices", today)
    [receipt] = gateway.read("purchase.order", [coffee_po], ["picking_ids"])[0]["picking_ids"][:1]
    moves = gateway.search_read("stock.move", [("picking_id", "=", receipt)], ["quantity", "product_uom"])
    _say(f"  receipt of {name}: {sum(m['quantity'] for m in moves):g} {moves[0]['product_uom'][1]} set from the "
         "shipping notice; the warehouse validates it")
    gateway.validate_pickings([receipt])
    billed = [{**coffee, "quantity": 60, "price": 9.8}]
    procuros.enqueue("INVOICE", sd.invoice(f"RE-{name}", name, billed, supplier_gln=gln, notice=f"LS-{name}", day=today))
    _run(defs, instance, "import_vendor_bills", today)
    procuros.enqueue("CREDIT_NOTE", sd.credit_note(f"GS-{name}", f"RE-{name}", name, [{**coffee, "quantity": 6, "price": 9.8}],
                                                   supplier_gln=gln, reason="6 Packungen beim Transport beschädigt",
                                                   day=today))
    _run(defs, instance, "import_vendor_credit_notes", today)
    for move in gateway.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"])],
                                    ["move_type", "ref", "amount_total", "state"], order="id"):
        kind = "vendor bill" if move["move_type"] == "in_invoice" else "vendor credit note"
        _say(f"  {kind} {move['ref']}  total {move['amount_total']:.2f}  {move['state']}")


def _say_logs(gateway: OdooGateway) -> None:
    entries = gateway.search_read("x_procuros_log", [], ["x_document_type", "x_state", "x_record_name", "x_transaction_id",
                                                         "x_reason"],
                                  order="id")
    _say(f"\nIn Odoo, Procuros > Logs lists {len(entries)} exchanges:")
    for e in entries:
        _say(f"  {e['x_document_type']:<16} {e['x_record_name'] or e['x_transaction_id']:<18} {LOG_STATES[e['x_state']]}"
             + (f": {e['x_reason']}" if e.get("x_reason") and e["x_state"] in ("rejected", "send_failed") else ""))


def main(ui: bool = False, odoo_port: int = 0, procuros_port: int = 0) -> int:
    from procuros_dagster.defs.build import build_definitions
    from procuros_dagster.settings import load_settings

    with sandbox_stack(procuros_port=procuros_port, odoo_port=odoo_port) as sandboxes:
        return _demo(sandboxes, ui, build_definitions, load_settings)


def _demo(sandboxes: SandboxStack, ui: bool, build_definitions, load_settings) -> int:
    procuros = sandboxes.procuros
    home = tempfile.mkdtemp(prefix="procuros-demo-")
    with open(os.path.join(home, "dagster.yaml"), "w", encoding="utf-8") as fh:
        # as in the repository's dagster.yaml: one step writes to Odoo at a time (pool odoo_writes)
        fh.write("telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
                 "python_logs:\n  managed_python_loggers: [procuros_dagster]\n  python_log_level: INFO\n")
    today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    settings_path = os.path.join(home, "settings.yaml")
    with open(settings_path, "w", encoding="utf-8") as fh:
        # the demo's data starts today: its partitions too, so the UI shows what is filled and what
        # is missing of the days that exist (a production file starts them at go-live)
        fh.write(f"partitions:\n  start_date: {today}\n")
    env = {**sandboxes.env, "DAGSTER_HOME": home, "PROCUROS_DAGSTER_SETTINGS": settings_path}
    os.environ.update(env)
    _say(f"Procuros sandbox: {procuros.url}   Odoo sandbox: {sandboxes.odoo.url}   Dagster home: {home}")

    gateway, data = sandboxes.seed()
    _say("Odoo setup: the connector's fields, unit codes and form views provisioned")
    _say("Seeded Odoo: customer Kaufhaus Rheinland AG (GLN %s) with delivery and invoice addresses, 3 products with stock" % dd.BUYER_GLN)
    ids = [procuros.enqueue("ORDER", content) for content in dd.demo_orders()]
    _say(f"Queued {len(ids)} ORDERs at Procuros (one of them names a GTIN Odoo does not know)")

    defs = build_definitions(load_settings())
    with dg.DagsterInstance.get() as instance:
        _say("\n1. Import sales orders")
        _run(defs, instance, "import_sales_orders", today)
        for order in gateway.search_read("sale.order", [], ["name", "client_order_ref", "amount_total", "state"], order="id"):
            _say(f"  quotation {order['name']}  buyer order {order['client_order_ref']}  total {order['amount_total']:.2f}  {order['state']}")
            for line in gateway.search_read("sale.order.line", [("order_id", "=", order["id"]), ("x_procuros_buyer_price", "!=", False)],
                                            ["name", "price_unit", "discount", "x_procuros_buyer_price"]):
                _say(f"    {line['name']}: buyer's price {line['x_procuros_buyer_price']} = {line['price_unit']:.2f} each, "
                     f"{line['discount']:g} % buyer's discount")
        for tid in ids:
            ack = procuros.acknowledgements.get(tid, {})
            verdict = "imported" if ack.get("success") else f"rejected ({ack.get('errorType')}): {ack.get('errorReason')}"
            _say(f"  Procuros {tid[:8]}…  {verdict}")

        _say("\n2. In Odoo: confirm the first quotation, deliver, invoice, refund part of it")
        first = gateway.search_read("sale.order", [("x_procuros_transaction_id", "=", ids[0])], ["id"])[0]["id"]
        # the buyer wants its orders confirmed: Send Order Response on its contact
        gateway.write("res.partner", [data.buyer_id], {"x_procuros_send_order_response": True})
        _deliver_and_invoice(gateway, first, reason="Transportschaden: 2 Kartons")

        _say("\n3. Export the order response, shipping notices, invoices and credit notes")
        for job in ("export_order_responses", "export_shipping_notices", "export_invoices", "export_credit_notes"):
            _run(defs, instance, job, today)
        for sent in procuros.sent:
            header = sent["content"]["header"]
            number = header.get(NUMBER_KEY[sent["type"]])
            _say(f"  sent {sent['type']:<16} {number}  for buyer order {header.get('orderIdentifier')}")
        _purchase_to_pay(defs, instance, gateway, procuros, today)
        _say_logs(gateway)

    if not ui:
        _say("\nDone. Run `procuros-dagster demo --ui` to explore the same runs in the Dagster UI.")
        return 0

    _say("\nStarting the Dagster UI (Ctrl-C to stop); the sandboxes keep running for it.")
    try:
        subprocess.run(
            [sys.executable, "-m", "dagster", "dev", "-m", "procuros_dagster.definitions"],
            env={**os.environ, **env},
            check=False,
        )
    except KeyboardInterrupt:
        pass
    return 0
