"""Dagster resources for Procuros, Odoo and the connector's settings.

Secrets are read from the environment when a run starts, never from run config, so they never
show up in the Dagster UI, in run config or in event logs. The servers' URLs come from the
environment too: a URL settable in the launchpad would let anyone who can launch a run send the
token or the password to a host of their choosing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Optional

import dagster as dg
from pydantic import PrivateAttr

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.errors import SetupMissingError
from procuros_dagster.odoo.setup import check_setup
from procuros_dagster.procuros.client import ProcurosClient
from procuros_dagster.procuros.retry import RetryPolicy
from procuros_dagster.settings import ConnectionSettings, Settings, load_settings


class ConnectorSettingsResource(dg.ConfigurableResource):
    """The behaviour settings file (sales defaults, schedules, UoM codes, TEST-flow handling)."""

    path: Optional[str] = None  # default: $PROCUROS_DAGSTER_SETTINGS, else built-in defaults

    def load(self) -> Settings:
        return load_settings(self.path)


class ProcurosResource(dg.ConfigurableResource):
    """Procuros API v2. The token comes from PROCUROS_API_TOKEN at run time only."""

    gln: Optional[str] = None  # our own GLN; default: $PROCUROS_GLN

    def _connection(self) -> ConnectionSettings:
        return ConnectionSettings.from_env(os.environ)

    def own_gln(self, integration=None) -> str:
        """Our GLN on the integration (its settings, else its variable, PROCUROS_GLN by default)."""
        if self.gln:
            return self.gln
        if integration is not None:
            return integration.own_gln(os.environ)
        conn = self._connection()
        conn.require("PROCUROS_GLN")
        return conn.procuros_gln

    @contextlib.contextmanager
    def open(self, settings: Settings | None = None, integration=None) -> Iterator[ProcurosClient]:
        """A client of the integration's account (its token variable, PROCUROS_API_TOKEN by default)
        with the settings' timeout and retry budget (transient failures only)."""
        options = (settings or Settings()).procuros
        conn = self._connection()
        if integration is not None:
            token = integration.token(os.environ)
        else:
            conn.require("PROCUROS_API_TOKEN")
            token = conn.procuros_api_token
        with ProcurosClient(
            conn.procuros_api_url,
            token.get(),
            timeout=options.timeout_seconds,
            retry=RetryPolicy(total_budget=options.max_retry_seconds),
        ) as client:
            yield client


class OdooResource(dg.ConfigurableResource):
    """Odoo 17 over JSON-RPC. The password or API key comes from ODOO_PASSWORD at run time only.

    One session per run: the steps of a run (the jobs execute in process) share the login, the
    version check and the setup check instead of paying them once per step.
    """

    db: Optional[str] = None  # default: $ODOO_DB
    username: Optional[str] = None  # default: $ODOO_USERNAME

    _gateway: Optional[OdooGateway] = PrivateAttr(default=None)
    _setup_checked: bool = PrivateAttr(default=False)

    def connect(self, *, require_setup: bool = True) -> OdooGateway:
        if self._gateway is None:
            conn = ConnectionSettings.from_env(os.environ)
            missing = [
                name
                for name, value in (
                    ("ODOO_URL", conn.odoo_url),
                    ("ODOO_DB", self.db or conn.odoo_db),
                    ("ODOO_USERNAME", self.username or conn.odoo_username),
                )
                if not value
            ]
            conn.require("ODOO_PASSWORD", *missing)
            self._gateway = OdooGateway.connect(
                conn.odoo_url,
                self.db or conn.odoo_db,
                self.username or conn.odoo_username,
                conn.odoo_password.get(),
            )
        if require_setup and not self._setup_checked:
            # Flows refuse to run against an Odoo that lacks the connector's fields.
            try:
                check_setup(self._gateway)
            except SetupMissingError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from None
            self._setup_checked = True
        return self._gateway


def default_resources() -> dict[str, dg.ConfigurableResource]:
    # Left unset on purpose: every run reads the database, user and settings file from the
    # environment when it starts, so that a changed environment needs no reload of the code.
    return {
        "procuros": ProcurosResource(),
        "odoo": OdooResource(),
        "connector_settings": ConnectorSettingsResource(),
    }
