"""OdooGateway: the one object the rest of the connector talks to Odoo through."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .actions import ActionsMixin
from .bindings import BindingsMixin
from .connection import open_session
from .errors import OdooConnectionError
from .lookups import LookupsMixin
from .rpc import RpcCore

ENV_VARS = ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD")


class OdooGateway(ActionsMixin, BindingsMixin, LookupsMixin, RpcCore):
    """Logged-in JSON-RPC session with batched look-ups, bindings and business actions.

    ``rpc_count``/``call_counts`` count round trips made after login."""

    @classmethod
    def connect(cls, url: str, db: str, username: str, password: str, *, timeout: float = 60) -> "OdooGateway":
        endpoint, odoo = open_session(url, db, username, password, timeout=timeout)
        return cls(odoo, url=endpoint.url, db=db, username=username)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, timeout: float = 60) -> "OdooGateway":
        env = os.environ if env is None else env
        missing = [k for k in ENV_VARS if not env.get(k)]
        if missing:
            raise OdooConnectionError(f"missing environment variable(s): {', '.join(missing)}")
        return cls.connect(env["ODOO_URL"], env["ODOO_DB"], env["ODOO_USERNAME"], env["ODOO_PASSWORD"],
                           timeout=timeout)
