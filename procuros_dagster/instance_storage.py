"""Dagster instance storage: PostgreSQL in production, SQLite for a quick local look.

The repository's dagster.yaml names this class as its storage. With the DAGSTER_PG_* variables
set (production: webserver, daemon and run workers all get them) every run, event and schedule is
stored in PostgreSQL through dagster-postgres. With none of them set — `dagster dev` in a fresh
clone — it falls back to SQLite files, so the quick start needs no database. Setting only some
of them is a mistake and fails loudly instead of silently writing to SQLite.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

from dagster import Field, StringSource
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClass, ConfigurableClassData

log = logging.getLogger(__name__)

PG_VARIABLES = ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")


class InstanceStorageError(RuntimeError):
    pass


def postgres_url(environ=os.environ) -> str | None:
    """The PostgreSQL URL from DAGSTER_PG_*, None when none is set (the password never logged)."""
    present = {name: environ.get(name) for name in PG_VARIABLES if environ.get(name)}
    if not present:
        return None
    missing = [name for name in PG_VARIABLES if name not in present]
    if missing:
        raise InstanceStorageError(
            "The Dagster instance is configured for PostgreSQL but these variables are not set: "
            + ", ".join(missing)
        )
    return "postgresql+psycopg2://{}:{}@{}:{}/{}".format(
        quote(present["DAGSTER_PG_USER"], safe=""),
        quote(present["DAGSTER_PG_PASSWORD"], safe=""),
        present["DAGSTER_PG_HOST"],
        present["DAGSTER_PG_PORT"],
        quote(present["DAGSTER_PG_DB"], safe=""),
    )


def local_base_dir(configured: str | None, environ=os.environ) -> str:
    if configured:
        return configured
    if environ.get("DAGSTER_HOME"):
        return str(Path(environ["DAGSTER_HOME"]) / "storage")
    # `dagster dev` without DAGSTER_HOME: keep the quick start's history next to the checkout.
    return str(Path.cwd() / ".dagster_home" / "storage")


class PostgresOrLocalStorage(DagsterStorage, ConfigurableClass):
    """Storage chosen from the environment when the instance loads (see the module docstring)."""

    @classmethod
    def config_type(cls):
        return {"local_base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> DagsterStorage:
        url = postgres_url()
        if url is not None:
            from dagster_postgres import DagsterPostgresStorage

            return DagsterPostgresStorage(postgres_url=url, inst_data=inst_data)
        base_dir = local_base_dir(config_value.get("local_base_dir"))
        log.info("DAGSTER_PG_* not set: storing runs and events in SQLite under %s", base_dir)
        return DagsterSqliteStorage.from_local(base_dir, inst_data=inst_data)
