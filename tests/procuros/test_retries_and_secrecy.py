from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from procuros_dagster.procuros import (ProcurosAuthError, ProcurosClient, ProcurosError,
                                       ProcurosRateLimited, ProcurosServerError,
                                       ProcurosTransportError, RetryPolicy, SendStatus)
from procuros_dagster.procuros.retry import parse_retry_after

from .conftest import TOKEN, content


def test_429_retry_after_seconds_is_honoured(client, sandbox, sleeps):
    sandbox.inject_faults(status=429, count=1, endpoint="GET /v2/ping", retry_after=3)
    client.ping()
    assert sleeps == [3.0]
    assert client.stats["GET /v2/ping"]["attempts"] == 2 and client.stats["GET /v2/ping"]["retries"] == 1


def test_a_long_retry_after_is_honoured_within_the_budget(make_client, sandbox, sleeps):
    sandbox.inject_faults(status=503, count=1, retry_after=45)
    make_client(max_delay=2.0, total_budget=60.0).ping()  # longer than the backoff cap: waited in full
    assert sleeps == [45.0]


def test_a_retry_after_beyond_the_budget_gives_up_instead_of_asking_too_early(make_client, sandbox, sleeps):
    sandbox.inject_faults(status=503, count=1, retry_after=120)
    with pytest.raises(ProcurosServerError) as info:
        make_client(total_budget=30.0).ping()
    assert sleeps == [] and info.value.attempts == 1
    assert sandbox.call_counts["GET /v2/ping"] == 1


def test_parse_retry_after_http_date():
    now = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), lambda: now) == 7.0
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None


def test_backoff_is_exponential_with_full_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, rng=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert RetryPolicy(base_delay=1.0, rng=lambda: 0.25).backoff(3) == 1.0


def test_503_then_success(client, sandbox, sleeps):
    sandbox.inject_faults(status=503, count=2, endpoint="/v2/transactions")
    tid = sandbox.enqueue("ORDER", content("order"))
    assert [t.procuros_transaction_id for t in client.iter_pending()] == [tid]
    assert sandbox.call_counts["GET /v2/transactions"] == 3
    assert client.stats["GET /v2/transactions"]["retries"] == 2 and len(sleeps) == 2


def test_timeout_then_success(make_client, sandbox):
    # the sandbox never answers the first ping: it waits until the client gives up and hangs up
    sandbox.inject_faults(kind="timeout", count=1, endpoint="GET /v2/ping")
    c = make_client(timeout=0.2)
    c.ping()
    assert sandbox.timeouts == [("GET /v2/ping", True)]
    assert c.stats["GET /v2/ping"] == {"attempts": 2, "retries": 1, "slept": pytest.approx(c.stats["GET /v2/ping"]["slept"])}


def test_dropped_connection_then_success_on_send(client, sandbox):
    # a retried POST is safe: a duplicate would come back as ALREADY_RECEIVED
    sandbox.inject_faults(kind="drop", count=1, endpoint="POST /v2/transactions")
    outcome = client.send("INVOICE", content("invoice"))
    assert outcome.status is SendStatus.TRANSMITTED
    assert sandbox.call_counts["POST /v2/transactions"] == 2


def test_retries_exhausted_raise_typed_errors(make_client, sandbox):
    sandbox.inject_faults(status=500)
    c = make_client(max_attempts=3)
    with pytest.raises(ProcurosServerError) as info:
        c.ping()
    assert info.value.attempts == 3 and info.value.status == 500
    assert sandbox.call_counts["GET /v2/ping"] == 3
    sandbox.reset()
    sandbox.inject_faults(status=429)
    with pytest.raises(ProcurosRateLimited):
        c.ping()


def test_total_budget_stops_retrying(make_client, sandbox):
    clock = iter(range(0, 1000, 10))  # every clock read advances 10 s
    sandbox.inject_faults(status=502)
    c = make_client(max_attempts=10, total_budget=25, clock=lambda: next(clock))
    with pytest.raises(ProcurosServerError) as info:
        c.ping()
    assert info.value.attempts < 10


def test_transport_error_after_retries(sleeps):
    with ProcurosClient("http://127.0.0.1:9", TOKEN, timeout=0.2,
                        retry=RetryPolicy(max_attempts=2, sleep=sleeps.append)) as c:
        with pytest.raises(ProcurosTransportError) as info:
            c.ping()
    assert info.value.attempts == 2 and len(sleeps) == 1


def test_422_is_never_retried(client, sandbox, contract):
    contract.expect_invalid_requests = True
    bad = content("order")
    del bad["header"]["orderIdentifier"]
    assert client.send("ORDER", bad).status is SendStatus.INVALID
    assert sandbox.call_counts["POST /v2/transactions"] == 1
    assert client.stats["POST /v2/transactions"]["retries"] == 0


def test_token_never_leaks(make_client, sandbox, caplog, contract):
    contract.expect_invalid_requests = True  # per_page=0 on purpose
    caplog.set_level(logging.DEBUG)
    failures: list[ProcurosError] = []
    c = make_client(max_attempts=2)

    def capture(fn):
        with pytest.raises(ProcurosError) as info:
            fn()
        failures.append(info.value)

    sandbox.inject_faults(status=500, count=2)
    capture(c.ping)
    sandbox.inject_faults(kind="drop", count=2)
    capture(c.ping)
    sandbox.inject_faults(kind="timeout", count=2)
    capture(make_client(timeout=0.1, max_attempts=2).ping)
    capture(lambda: c.get_transaction("00000000-0000-4000-8000-000000000000"))
    capture(lambda: list(c.iter_pending(per_page=0)))
    with ProcurosClient("http://127.0.0.1:9", TOKEN, retry=RetryPolicy(max_attempts=1)) as dead:
        capture(dead.ping)
        assert TOKEN not in repr(dead) and TOKEN not in str(dead)
    wrong = make_client(TOKEN + "-wrong")
    capture(wrong.ping)
    assert isinstance(failures[-1], ProcurosAuthError)
    assert len(failures) == 7
    for exc in failures:
        assert TOKEN not in str(exc) and TOKEN not in repr(exc)
        assert TOKEN not in str(exc.__cause__ or "") and TOKEN not in repr(exc.__cause__ or "")
    assert TOKEN not in repr(c) and TOKEN not in str(c)
    assert caplog.records and TOKEN not in caplog.text
