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


# --- Alerts (local SMTP server and webhook receiver on 127.0.0.1) ---------------------------
from procuros_dagster.testing.alert_receivers import smtp_receiver, webhook_receiver  # noqa: E402

SMTP_USER, SMTP_PASSWORD = "alerts@example.com", "smtp-secret-pw-5d1e"


@pytest.fixture
def smtp():
    with smtp_receiver(users={SMTP_USER: SMTP_PASSWORD}) as receiver:
        yield receiver


@pytest.fixture
def webhook():
    with webhook_receiver() as receiver:
        yield receiver
