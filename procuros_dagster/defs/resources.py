"""Dagster resources for Procuros, Odoo and the connector's settings.

Secrets are read from the environment when a run starts, never from run config, so they never
show up in the Dagster UI, in run config or in event logs. The servers' URLs come from the
environment too: a URL settable in the launchpad would let anyone who can launch a run send the
token or the password to a host of their choosing.

The UI's resource pages still show which Odoo database and user and which Procuros GLN this
deployment talks to: in the resource's description, written when the definitions are built (when
the code location loads). That text is display only — runs never read it — and names no secret.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Optional

import dagster as dg
from pydantic import PrivateAttr

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.errors import SetupMissingError
from procuros_dagster.odoo.setup import check_setup
from procuros_dagster.procuros.client import ProcurosClient
from procuros_dagster.procuros.retry import RetryPolicy
from procuros_dagster.settings import DEFAULT_PROCUROS_API_URL, ConnectionSettings, Settings, load_settings


class _ShowsDeployment(dg.ConfigurableResource):
    """A resource whose page in the UI also says what this deployment talks to (``shown``)."""

    _shown: Optional[str] = PrivateAttr(default=None)

    def shown(self, text: str):
        """This resource, its UI description followed by ``text`` (display only)."""
        self._shown = text
        return self

    def get_resource_definition(self):
        # Dagster describes a resource by its docstring (the instance's __doc__): its first
        # paragraph, then the deployment's values, on the one definition Dagster caches for it
        definition = super().get_resource_definition()
        if self._shown:
            summary = " ".join((type(self).__doc__ or "").strip().split("\n\n")[0].split())
            definition._description = f"{summary}\n\n{self._shown}"
        return definition


class ConnectorSettingsResource(_ShowsDeployment):
    """The behaviour settings file (sales defaults, schedules, UoM codes, TEST-flow handling)."""

    path: Optional[str] = None  # default: $PROCUROS_DAGSTER_SETTINGS, else built-in defaults

    def load(self) -> Settings:
        return load_settings(self.path)


class ProcurosResource(_ShowsDeployment):
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


class OdooResource(_ShowsDeployment):
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


def default_resources(settings: Settings | None = None,
                      environ: Mapping[str, str] = os.environ) -> dict[str, dg.ConfigurableResource]:
    # Left unset on purpose: every run reads the database, user and settings file from the
    # environment when it starts, so that a changed environment needs no reload of the code.
    # Only the descriptions (what the resource pages show) are written from it now.
    shown = deployment_descriptions(settings or Settings(), environ)
    return {
        "procuros": ProcurosResource().shown(shown["procuros"]),
        "odoo": OdooResource().shown(shown["odoo"]),
        "connector_settings": ConnectorSettingsResource().shown(shown["connector_settings"]),
    }


_AS_LOADED = "Read from the environment when the code location loaded; every run reads it again when it starts."


def deployment_descriptions(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """What each resource page says this deployment talks to: the Odoo server, database and user,
    the Procuros API and our GLN per integration, the settings file. Never a secret (passwords and
    tokens are named by their variable only); a URL shows no user, password or query."""
    def value(var: str, what: str) -> str:
        raw = (environ.get(var) or "").strip()
        return f"{what} {raw} ({var})" if raw else f"{what} not set ({var})"

    odoo = ", ".join([_url(environ.get("ODOO_URL"), "ODOO_URL", "Odoo"), value("ODOO_DB", "database"),
                      value("ODOO_USERNAME", "user")])
    procuros = [_url(environ.get("PROCUROS_API_URL") or DEFAULT_PROCUROS_API_URL, "PROCUROS_API_URL", "Procuros API")]
    for integration in settings.integrations:
        gln = integration.gln or (environ.get(integration.gln_env) or "").strip()
        source = "settings file" if integration.gln else integration.gln_env
        label = "" if integration.implicit else f"integration {integration.key}: "
        procuros.append(f"{label}our GLN {gln or 'not set'} ({source}), API token from {integration.token_env}")
    path = (environ.get("PROCUROS_DAGSTER_SETTINGS") or "").strip()
    return {
        "odoo": f"This deployment: {odoo}. {_AS_LOADED} The password (ODOO_PASSWORD) is never shown.",
        "procuros": f"This deployment: {'; '.join(procuros)}. {_AS_LOADED} Tokens are never shown.",
        "connector_settings": "This deployment: " + (
            f"settings file {path} (PROCUROS_DAGSTER_SETTINGS)" if path
            else "built-in defaults (PROCUROS_DAGSTER_SETTINGS not set)") + f". {_AS_LOADED}",
    }


def _url(raw: str | None, var: str, what: str) -> str:
    """The server's address without what may be a credential (user, password, query)."""
    parts = urllib.parse.urlsplit((raw or "").strip())
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = None
    if not host:
        return f"{what} {'not set' if not raw else 'not a valid URL'} ({var})"
    netloc = f"[{host}]" if ":" in host else host
    return f"{what} {parts.scheme}://{netloc}{f':{port}' if port else ''}{parts.path.rstrip('/')} ({var})"
