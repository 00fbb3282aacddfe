"""Both sandboxes together, with the environment that points the connector at them.

The demo, the end-to-end tests and the benchmarks all need the same thing: a Procuros sandbox and
an Odoo sandbox on loopback, secrets nobody has to know, and the connector's variables set.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.setup import provision
from procuros_dagster.sandbox import demo_data
from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.procuros import ProcurosSandbox

ODOO_DB, ODOO_LOGIN = "procuros", "admin"


@dataclass
class SandboxStack:
    procuros: ProcurosSandbox
    odoo: OdooSandbox
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
            "ODOO_DB": ODOO_DB,
            "ODOO_USERNAME": ODOO_LOGIN,
            "ODOO_PASSWORD": self.password,
        }

    def gateway(self) -> OdooGateway:
        return OdooGateway.connect(self.odoo.url, ODOO_DB, ODOO_LOGIN, self.password)

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
) -> Iterator[SandboxStack]:
    token = token or secrets.token_urlsafe(16)
    password = password or secrets.token_urlsafe(16)
    procuros = ProcurosSandbox(token=token, own_gln=demo_data.OWN_GLN, known_parties=demo_data.PROCUROS_PARTNERS,
                               port=procuros_port, self_check=self_check)
    odoo = OdooSandbox(db=ODOO_DB, login=ODOO_LOGIN, password=password, port=odoo_port)
    procuros.start()
    odoo.start()
    try:
        yield SandboxStack(procuros, odoo, token, password)
    finally:
        odoo.stop()
        procuros.stop()
