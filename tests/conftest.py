"""Shared pytest fixtures. Each section is owned by one area; append new sections below."""

import pytest

# --- PostgreSQL (throwaway cluster) ---------------------------------------------------------
from procuros_dagster.testing.postgres import PostgresNotFoundError, throwaway_postgres


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL cluster for the session (PostgresParams). Fails, never skips,
    when the server binaries are missing: CI must exercise the PostgreSQL instance."""
    try:
        cm = throwaway_postgres()
        params = cm.__enter__()
    except PostgresNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield params
    finally:
        cm.__exit__(None, None, None)
