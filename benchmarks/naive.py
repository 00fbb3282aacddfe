"""The naive baseline: how a quick, hand-written connector imports orders.

A plain script, no Dagster, no batching: for every pending ORDER it searches the buyer by GLN,
each product by barcode and each unit by its Procuros code, creates the quotation, writes its
binding, and acknowledges the transaction with its own PUT. Same wire protocols as the real
pipeline (JSON-RPC to Odoo over one keep-alive connection, the Procuros REST API), so the
difference measured is the access pattern, not the transport.

Standalone: ``python benchmarks/naive.py`` with the connector's environment variables set
(PROCUROS_API_URL, PROCUROS_API_TOKEN, ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD).
"""

from __future__ import annotations

import itertools
import os
import sys
import time

import httpx

MAX_PAGES = 100_000  # every loop is bounded


class NaiveOdoo:
    def __init__(self, url: str, db: str, login: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.db, self.password = db, password
        self.ids = itertools.count(1)
        self.calls = 0
        self.uid = self._rpc("common", "login", [db, login, password])

    def _rpc(self, service: str, method: str, args: list):
        self.calls += 1
        body = {"jsonrpc": "2.0", "method": "call", "id": next(self.ids),
                "params": {"service": service, "method": method, "args": args}}
        reply = self.http.post("/jsonrpc", json=body).json()
        if reply.get("error"):
            raise RuntimeError(reply["error"].get("data", {}).get("message") or reply["error"])
        return reply["result"]

    def execute(self, model: str, method: str, *args, **kwargs):
        return self._rpc("object", "execute_kw", [self.db, self.uid, self.password, model, method, list(args), kwargs])


def _gln(party: dict | None) -> str | None:
    for ident in (party or {}).get("identifiers", []):
        if ident.get("domain") == "GS1":
            return ident["identifier"]
    return None


def import_order(odoo: NaiveOdoo, txn: dict) -> str | None:
    """One order, one record at a time. Returns an error reason, or None when imported."""
    header, items = txn["content"]["header"], txn["content"]["items"]
    buyer = odoo.execute("res.partner", "search_read", [("ref", "=", _gln(header.get("buyer")))], fields=["id"], limit=1)
    if not buyer:
        return "unknown buyer"
    lines = []
    uom_by_code: dict[str, int] = {}
    for item in items:
        gtin = next((i["identifier"] for i in item.get("identifiers", []) if i.get("domain") == "GS1"), None)
        product = odoo.execute("product.product", "search_read", [("barcode", "=", gtin)], fields=["id"], limit=1)
        if not product:
            return f"unknown GTIN {gtin}"
        code = item.get("unitOfMeasure", "EA")
        if code not in uom_by_code:
            uom = odoo.execute("uom.uom", "search_read", [("x_procuros_unit_code", "=", code)], fields=["id"], limit=1)
            if not uom:
                return f"unknown unit {code}"
            uom_by_code[code] = uom[0]["id"]
        line = {"product_id": product[0]["id"], "product_uom_qty": item.get("quantity", 1), "product_uom": uom_by_code[code]}
        if item.get("unitPrice") is not None:
            line["price_unit"] = item["unitPrice"]
        lines.append((0, 0, line))
    order_id = odoo.execute("sale.order", "create", {
        "partner_id": buyer[0]["id"],
        "client_order_ref": header.get("orderIdentifier"),
        "x_procuros_transaction_id": txn["procurosTransactionId"],
        "order_line": lines,
    })
    odoo.execute("ir.model.data", "create", {
        "module": "procuros_naive", "name": "order_" + txn["procurosTransactionId"].replace("-", "_"),
        "model": "sale.order", "res_id": order_id, "noupdate": True,
    })
    return None


def run(env=os.environ, *, max_orders: int = 1_000_000) -> dict:
    odoo = NaiveOdoo(env["ODOO_URL"], env["ODOO_DB"], env["ODOO_USERNAME"], env["ODOO_PASSWORD"])
    procuros = httpx.Client(base_url=env["PROCUROS_API_URL"], timeout=60,
                            headers={"Authorization": f"Bearer {env['PROCUROS_API_TOKEN']}"})
    imported = rejected = pages = 0
    started = time.perf_counter()
    while pages < MAX_PAGES and imported + rejected < max_orders:
        pages += 1
        page = procuros.get("/v2/transactions", params={"filter[type]": "ORDER", "per_page": 100}).json()
        if not page["items"]:
            break
        for txn in page["items"]:
            reason = import_order(odoo, txn)
            ack = {"success": True} if reason is None else {"success": False, "errorType": "DATA", "errorReason": reason}
            procuros.put(f"/v2/transactions/{txn['procurosTransactionId']}", json=ack).raise_for_status()
            imported += reason is None
            rejected += reason is not None
    return {"imported": imported, "rejected": rejected, "seconds": time.perf_counter() - started,
            "odoo_calls": odoo.calls}


if __name__ == "__main__":
    print(run(), file=sys.stdout)
