"""Odoo 17 sandbox: an in-memory stand-in speaking Odoo's JSON-RPC, for the demo, tests and benchmarks.

    from procuros_dagster.sandbox.odoo import OdooSandbox
    with OdooSandbox(db="procuros", login="admin", password="admin") as osb:
        odoo = odoorpc.ODOO("127.0.0.1", port=int(osb.url.rsplit(":", 1)[1]))

Fields come from Odoo 17's real fields_get exports, the starting data from a fresh database's
records (same ids and external ids), and the behaviour from recorded transcripts (``data/``).
Users created over RPC log in with their own password; every call of a non-admin user is checked
against the ir.model.access rows of its groups (``access``). What is translated follows the
call's ``context.lang`` once the language is installed (``i18n``).
"""
from .server import OdooSandbox

__all__ = ["OdooSandbox"]
