"""Talking to the Odoo sandbox over JSON-RPC the way the connector does (odoorpc)."""
from __future__ import annotations

import odoorpc
import pytest

# The day transcripts 09-15 were recorded: focused tests run their sandbox on it.
RECORDED = "2026-12-01 17:55:00"


def connect(sb, login: str = "admin", password: str = "admin", db: str = "procuros") -> odoorpc.ODOO:
    o = odoorpc.ODOO("127.0.0.1", port=int(sb.url.rsplit(":", 1)[1]))
    o.login(db, login, password)
    return o


def call(o, model, method, *args, **kwargs):
    return o.execute_kw(model, method, list(args), kwargs)


def error_name(exc: odoorpc.error.RPCError) -> str:
    return exc.info["data"]["name"]


def rpc_error(o, model, method, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(odoorpc.error.RPCError) as ei:
        call(o, model, method, *args, **kwargs)
    return error_name(ei.value), ei.value.info["data"]["message"]
