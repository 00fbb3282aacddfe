from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from procuros_dagster.procuros import ProcurosClient
from procuros_dagster.sandbox.procuros import ProcurosSandbox

from .conftest import OWN_GLN, TOKEN, content


def test_control_endpoints_work_without_token(sandbox):
    base = f"{sandbox.url}/_sandbox"
    tid = httpx.post(f"{base}/enqueue", json={"type": "ORDER", "content": content("order"), "flow": "TEST"}).json()["id"]
    assert httpx.post(f"{base}/faults", json={"status": 503, "count": 1, "endpoint": "GET /v2/ping"}).status_code == 201
    hold_id = httpx.post(f"{base}/hold", json={"endpoint": "POST /v2/errors"}).json()["id"]
    assert httpx.get(f"{base}/hold/{hold_id}").json() == {"reached": False, "released": False}
    assert httpx.post(f"{base}/hold/{hold_id}/release").json()["released"] is True
    with ProcurosClient(sandbox.url, TOKEN) as c:
        assert c.ping() is None and c.stats["GET /v2/ping"]["retries"] == 1
        c.mark_processed(tid, True)
        assert c.get_transaction(tid).flow == "TEST"
    state = httpx.get(f"{base}/state").json()
    assert state["acknowledgements"][tid]["success"] is True and state["pending"] == []
    assert state["call_counts"]["GET /v2/ping"] == 2
    httpx.post(f"{base}/config", json={"partners": ["4000000000001"], "latency": 0.0})
    assert sandbox.partners == {"4000000000001"}
    httpx.post(f"{base}/reset")
    assert sandbox.acknowledgements == {} and sandbox.call_counts == {}


def test_fault_rate_and_count_are_deterministic(sandbox):
    sandbox.inject_faults(status=502, count=2, endpoint="/v2/ping")
    codes = [httpx.get(f"{sandbox.url}/v2/ping", headers={"Authorization": f"Bearer {TOKEN}"}).status_code
             for _ in range(4)]
    assert codes == [502, 502, 204, 204]


def test_send_endpoint_errors_carry_error_url(sandbox):
    r = httpx.post(f"{sandbox.url}/v2/transactions", json={"type": "INVOICE", "content": {}})
    assert r.status_code == 401 and r.json()["errorUrl"] and r.json()["message"]


def test_latency_is_applied(sandbox):
    sandbox.latency = 0.05
    httpx.get(f"{sandbox.url}/v2/ping", headers={"Authorization": f"Bearer {TOKEN}"})
    sandbox.latency = 0.0
    httpx.get(f"{sandbox.url}/v2/ping", headers={"Authorization": f"Bearer {TOKEN}"})
    assert sandbox.delays == [("GET /v2/ping", 0.05)]  # the first request was held, the second not


def test_self_check_reports_contract_violations():
    sb = ProcurosSandbox(TOKEN, OWN_GLN, self_check=True)
    sb.start()
    sb.enqueue("ORDER", {"header": {}})  # a broken document makes the list response invalid
    httpx.get(f"{sb.url}/v2/transactions", headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(AssertionError, match="violate the OpenAPI document"):
        sb.stop()


def test_standalone_module_runs():
    proc = subprocess.Popen([sys.executable, "-m", "procuros_dagster.sandbox.procuros", "--port", "0",
                             "--token", TOKEN, "--gln", OWN_GLN], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        with ProcurosClient(url, TOKEN) as c:
            c.ping()
    finally:
        proc.terminate()
        proc.wait(5)
