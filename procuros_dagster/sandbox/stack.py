"""Both sandboxes together, with the environment that points the connector at them.

The demo, the end-to-end tests and the benchmarks all need the same thing: a Procuros sandbox and
an Odoo sandbox on loopback, secrets nobody has to know, and the connector's variables set.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.setup import provision
from procuros_dagster.sandbox import demo_data
from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.procuros import ProcurosSandbox

ODOO_DB, ODOO_LOGIN = "procuros", "admin"


@dataclass
class RealOdoo:
    """A database on a real Odoo server standing in for the Odoo sandbox (``url`` and ``db_name``
    like it, none of its test hooks)."""

    url: str
    db_name: str


def _db_call(url: str, method: str, *args) -> object:
    request = urllib.request.Request(
        url.rstrip("/") + "/jsonrpc", headers={"Content-Type": "application/json"},
        data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                         "params": {"service": "db", "method": method, "args": list(args)}}).encode())
    with urllib.request.urlopen(request, timeout=600) as response:
        body = json.load(response)
    if "error" in body:
        data = body["error"].get("data") or {}
        raise RuntimeError(f"db.{method} on {url}: {data.get('name')}: {data.get('message')}")
    return body["result"]


@contextlib.contextmanager
def real_odoo_database(url: str, template: str, master_password: str, *, password: str,
                       template_password: str = "admin") -> Iterator[RealOdoo]:
    """A fresh copy of ``template`` on a real Odoo (db.duplicate_database), dropped afterwards.
    Its admin logs in with ``password`` from then on (the template's is ``template_password``)."""
    name = f"procuros_e2e_{secrets.token_hex(4)}"
    _db_call(url, "duplicate_database", master_password, template, name)
    try:
        admin = OdooGateway.connect(url, name, ODOO_LOGIN, template_password)
        admin.write("res.users", [admin.uid], {"password": password})
        yield RealOdoo(url.rstrip("/"), name)
    finally:
        _db_call(url, "drop", master_password, name)


@dataclass
class SandboxStack:
    procuros: ProcurosSandbox
    odoo: OdooSandbox | RealOdoo
    token: str
    password: str

    @property
    def env(self) -> dict[str, str]:
        """The connector's variables (README, Configuration) for these two sandboxes."""
        return {
            "PROCUROS_API_URL": self.procuros.url,
            "PROCUROS_API_TOKEN": self.token,
            "PROCUROS_GLN": self.procuros.own_gln,
            "ODOO_URL": self.odoo.url,
            "ODOO_DB": self.odoo.db_name,
            "ODOO_USERNAME": ODOO_LOGIN,
            "ODOO_PASSWORD": self.password,
        }

    def gateway(self) -> OdooGateway:
        return OdooGateway.connect(self.odoo.url, self.odoo.db_name, ODOO_LOGIN, self.password)

    def seed(self, *, extra_products: int = 0) -> tuple[OdooGateway, demo_data.DemoMasterData]:
        """Provision the connector's fields in Odoo and seed the demo's master data."""
        gateway = self.gateway()
        provision(gateway)
        return gateway, demo_data.seed_odoo(gateway, extra_products=extra_products)


@contextlib.contextmanager
def sandbox_stack(
    *,
    token: str | None = None,
    password: str | None = None,
    procuros_port: int = 0,
    odoo_port: int = 0,
    self_check: bool = False,
    real_odoo: RealOdoo | None = None,
) -> Iterator[SandboxStack]:
    """``real_odoo`` (whose admin logs in with ``password``) replaces the Odoo sandbox."""
    token = token or secrets.token_urlsafe(16)
    password = password or secrets.token_urlsafe(16)
    procuros = ProcurosSandbox(token=token, own_gln=demo_data.OWN_GLN, known_parties=demo_data.PROCUROS_PARTNERS,
                               port=procuros_port, self_check=self_check)
    odoo = real_odoo or OdooSandbox(db=ODOO_DB, login=ODOO_LOGIN, password=password, port=odoo_port)
    procuros.start()
    if real_odoo is None:
        odoo.start()
    try:
        yield SandboxStack(procuros, odoo, token, password)
    finally:
        if real_odoo is None:
            odoo.stop()
        procuros.stop()
