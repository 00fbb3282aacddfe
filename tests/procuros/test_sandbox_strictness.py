"""The Procuros sandbox refuses what the published API refuses, and accepts what it accepts."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import httpx
import pytest

from procuros_dagster.procuros import ProcurosClient, SendStatus
from procuros_dagster.sandbox import demo_data
from procuros_dagster.sandbox.procuros import ProcurosSandbox

from .conftest import BUYER_GLN, OWN_GLN, TOKEN, content

AUTH = {"Authorization": f"Bearer {TOKEN}"}
UNRESOLVED = ["Could not resolve party using provided identifiers"]
BULK = "/v2/transactions/bulk/mark-processed"


def _with_gln(party: dict, gln: str) -> dict:
    party["identifiers"] = [{"identifier": gln, "domain": "GS1"}]
    return party


# --- parties ---------------------------------------------------------------------------------

@pytest.mark.parametrize("buyer", ["abc", "4000000000001"])
def test_send_naming_an_unknown_buyer_is_refused_like_the_spec_example(client, sandbox, buyer):
    invoice = content("invoice")
    _with_gln(invoice["header"]["buyer"], buyer)
    outcome = client.send("INVOICE", invoice)
    assert outcome.http_status == 422 and outcome.status is SendStatus.INVALID
    assert outcome.errors == {"buyer": UNRESOLVED} and outcome.error_url
    assert outcome.message == "The given data was invalid."
    assert sandbox.sent[-1]["transaction_id"] is None


def test_send_in_another_companys_name_is_refused(client, sandbox):
    # the supplier of an invoice we send must be our connection, not any (even known) GLN
    invoice = content("invoice")
    _with_gln(invoice["header"]["supplier"], BUYER_GLN)
    assert client.send("INVOICE", invoice).errors == {"supplier": UNRESOLVED}
    invoice = content("invoice")
    _with_gln(invoice["header"]["supplier"], "4000000000002")
    assert client.send("INVOICE", invoice).errors == {"supplier": UNRESOLVED}


def test_a_party_resolves_by_any_of_its_gs1_identifiers(client):
    invoice = content("invoice")
    invoice["header"]["buyer"]["identifiers"].insert(0, {"identifier": "4000000000001", "domain": "GS1"})
    assert client.send("INVOICE", invoice).status is SendStatus.TRANSMITTED
    only_vat = content("invoice")
    only_vat["header"]["buyer"]["identifiers"] = [{"identifier": "DE812345678", "domain": "VAT_DE"}]
    assert client.send("INVOICE", only_vat).errors == {"buyer": UNRESOLVED}


def test_an_order_we_send_goes_to_a_known_supplier(client, sandbox):
    order = content("order")
    _with_gln(order["header"]["buyer"], OWN_GLN)
    _with_gln(order["header"]["supplier"], "4000000000002")
    assert client.send("ORDER", order).errors == {"supplier": UNRESOLVED}
    sandbox.known_parties = {"4000000000002"}
    sent = client.send("ORDER", order)
    assert sent.status is SendStatus.TRANSMITTED
    tx = httpx.get(f"{sandbox.url}/v2/all-transactions/{sent.transaction_id}", headers=AUTH).json()["data"]
    assert tx["type"] == "ORDER" and tx["status"] == "SUCCESS"


def test_known_parties_are_configurable_from_another_process(client, sandbox):
    invoice = content("invoice")
    httpx.post(f"{sandbox.url}/_sandbox/config", json={"known_parties": []})
    assert sandbox.known_parties == set()
    assert client.send("INVOICE", invoice).errors == {"buyer": UNRESOLVED}
    httpx.post(f"{sandbox.url}/_sandbox/config", json={"known_parties": [BUYER_GLN]})
    assert client.send("INVOICE", invoice).status is SendStatus.TRANSMITTED


def test_standalone_sandbox_knows_the_partners_it_is_given():
    proc = subprocess.Popen([sys.executable, "-m", "procuros_dagster.sandbox.procuros", "--port", "0",
                             "--token", TOKEN, "--gln", OWN_GLN, "--partner", BUYER_GLN],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        with ProcurosClient(url, TOKEN) as c:
            assert c.send("INVOICE", content("invoice")).status is SendStatus.TRANSMITTED
            other = content("invoice")
            _with_gln(other["header"]["buyer"], demo_data.QUIET_BUYER_GLN)
            assert c.send("INVOICE", other).errors == {"buyer": UNRESOLVED}
    finally:
        proc.terminate()
        proc.wait(5)


def test_demo_stack_knows_the_demo_trade_partners_only():
    assert demo_data.PROCUROS_PARTNERS == {demo_data.BUYER_GLN}
    from procuros_dagster.sandbox.stack import sandbox_stack

    with sandbox_stack(token=TOKEN, password="pw") as stack, ProcurosClient(stack.procuros.url, TOKEN) as c:
        assert stack.procuros.known_parties == {demo_data.BUYER_GLN}
        quiet = content("invoice")
        _with_gln(quiet["header"]["buyer"], demo_data.QUIET_BUYER_GLN)  # trades outside Procuros
        assert c.send("INVOICE", quiet).errors == {"buyer": UNRESOLVED}
        assert c.send("INVOICE", content("invoice")).status is SendStatus.TRANSMITTED


# --- bulk acknowledgement ---------------------------------------------------------------------

def test_bulk_bare_array_is_refused(sandbox):
    # the docs' curl sample sends a bare array, the schema wants {"items": [...]}
    tid = sandbox.enqueue("ORDER", content("order"))
    r = httpx.post(f"{sandbox.url}{BULK}", json=[{"procurosTransactionId": tid, "success": True}], headers=AUTH)
    assert r.status_code == 422
    assert r.json()["message"] == "The given data was invalid." and r.json()["errors"]
    assert sandbox.acknowledgements == {} and len(sandbox.pending()) == 1


def test_bulk_with_an_unknown_id_is_refused_as_a_whole(sandbox):
    known = sandbox.enqueue("ORDER", content("order"))
    unknown = "949b2ef2-3f40-465e-a7ee-ea3f9f189860"
    items = [{"procurosTransactionId": known, "success": True}, {"procurosTransactionId": unknown, "success": True}]
    r = httpx.post(f"{sandbox.url}{BULK}", json={"items": items}, headers=AUTH)
    assert r.status_code == 422
    assert r.json()["errors"] == {"items.1.procurosTransactionId": ["The selected items.1.procurosTransactionId is invalid."]}
    assert sandbox.acknowledgements == {} and [p["procurosTransactionId"] for p in sandbox.pending()] == [known]
    r = httpx.post(f"{sandbox.url}{BULK}", json={"items": items[:1]}, headers=AUTH)
    assert r.status_code == 200 and r.json() == {"data": [{"procurosTransactionId": known, "message": "OK."}]}


def test_bulk_cannot_mark_a_transaction_we_sent(client, sandbox):
    sent = client.send("INVOICE", content("invoice"))
    r = httpx.post(f"{sandbox.url}{BULK}", json={"items": [{"procurosTransactionId": sent.transaction_id,
                                                            "success": True}]}, headers=AUTH)
    assert r.status_code == 422 and list(r.json()["errors"]) == ["items.0.procurosTransactionId"]


# --- malformed bodies -------------------------------------------------------------------------

def test_malformed_json_on_the_send_endpoint_carries_error_url(sandbox):
    r = httpx.post(f"{sandbox.url}/v2/transactions", content=b'{"type": "INVOICE",', headers=AUTH)
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    assert r.json()["message"] and r.json()["errorUrl"].startswith("https://")


def test_malformed_json_elsewhere_is_a_plain_400(sandbox):
    tid = sandbox.enqueue("ORDER", content("order"))
    r = httpx.put(f"{sandbox.url}/v2/transactions/{tid}", content=b"{success: true}", headers=AUTH)
    assert r.status_code == 400 and set(r.json()) == {"message"}
    assert sandbox.acknowledgements == {}


def test_authentication_is_checked_before_the_body(sandbox):
    r = httpx.post(f"{sandbox.url}/v2/transactions", content=b"not json")
    assert r.status_code == 401 and r.json()["message"] == "Unauthenticated." and r.json()["errorUrl"]


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2025-03-18",                    # date-only, as in Procuros' examples and field descriptions
    "2025-03-18 10:00:00",           # space separator: the spec's pattern allows (\s|T)
    "2025-03-18T10:00:00",           # no offset
    "2025-03-18T10:00:00.000000Z",   # the spec's own example
    "2025-03-18T10:00:00+01:00",
])
def test_send_accepts_what_the_datetime_pattern_allows(client, contract, value):
    contract.expect_invalid_requests = True  # the connector itself only sends offsets
    invoice = content("invoice")
    invoice["header"]["invoiceDate"] = value
    assert client.send("INVOICE", invoice).status is SendStatus.TRANSMITTED


@pytest.mark.parametrize("value", ["18.03.2025", "2025-03-18T10:00", "2025/03/18", "2025-02-30", "", "today"])
def test_send_refuses_what_the_datetime_pattern_does_not_allow(client, contract, value):
    contract.expect_invalid_requests = True
    invoice = content("invoice")
    invoice["header"]["invoiceDate"] = value
    outcome = client.send("INVOICE", invoice)
    assert outcome.http_status == 422 and list(outcome.errors) == ["content.header.invoiceDate"]


def test_accepted_dates_are_served_back_without_contract_violations(sandbox):
    # self_check validates served content with the same DateTime rule it accepted it by
    invoice = content("invoice")
    invoice["header"]["invoiceDate"] = "2025-03-18 10:00:00"
    sent = httpx.post(f"{sandbox.url}/v2/transactions", json={"type": "INVOICE", "content": invoice}, headers=AUTH)
    assert sent.status_code == 201
    r = httpx.get(f"{sandbox.url}/v2/all-transactions/{sent.json()['procurosTransactionId']}", headers=AUTH)
    assert r.json()["data"]["content"]["header"]["invoiceDate"] == "2025-03-18 10:00:00"
    assert sandbox.contract_violations == []


# --- methods and paths ------------------------------------------------------------------------

@pytest.mark.parametrize("method,path,allow", [
    ("PATCH", "/v2/ping", "GET, HEAD"),
    ("TRACE", "/v2/ping", "GET, HEAD"),
    ("DELETE", "/v2/transactions/949b2ef2-3f40-465e-a7ee-ea3f9f189860", "PUT"),
    ("PATCH", "/v2/transactions", "GET, HEAD, POST"),
    ("GET", BULK, "POST"),
    ("OPTIONS", "/v2/errors", "POST"),
])
def test_other_methods_on_known_paths_get_405_with_allow(sandbox, method, path, allow):
    r = httpx.request(method, f"{sandbox.url}{path}")  # no token: routing comes first
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"message": f"The {method} method is not supported for route {path.lstrip('/')}. "
                                   f"Supported methods: {allow}."}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "TRACE"])
def test_unknown_paths_get_a_json_404(sandbox, method):
    r = httpx.request(method, f"{sandbox.url}/v2/nope", headers=AUTH)
    assert r.status_code == 404 and r.json() == {"message": "Not Found."}


def test_head_answers_like_get_without_a_body(sandbox):
    sandbox.enqueue("ORDER", content("order"))
    r = httpx.head(f"{sandbox.url}/v2/transactions", headers=AUTH)
    get = httpx.get(f"{sandbox.url}/v2/transactions", headers=AUTH)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len(get.content)
    assert httpx.head(f"{sandbox.url}/v2/ping").status_code == 401


def _raw(sandbox: ProcurosSandbox, request: bytes) -> tuple[str, dict]:
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), json.loads(body)


def test_protocol_level_refusals_are_json_too(sandbox):
    status, body = _raw(sandbox, b"get /v2/ping HTTP/1.1\r\nHost: x\r\n\r\n")  # not a method token we know
    assert status.startswith("HTTP/1.1 501") and body["message"]
    for bad in (b"GET /v2/ping HTTP/1.x\r\n\r\n", b"GARBAGE\r\n\r\n"):
        status, body = _raw(sandbox, bad)
        assert status.startswith("HTTP/1.1 400") and body["message"].startswith("Bad request")


# --- ORDER_RESPONSE: the rules the schema states in its descriptions -------------------------------

@pytest.mark.parametrize("kind, change, path", [
    ("CHANGE", lambda c: c.pop("items"), "content.items"),
    ("CHANGE", lambda c: c["header"].pop("confirmedDeliveryDate"), "content.header.confirmedDeliveryDate"),
    ("CHANGE", lambda c: c["header"].pop("requestedDeliveryDate"), "content.header.requestedDeliveryDate"),
    ("REJECT", lambda c: None, "content.items"),
    (None, lambda c: c.pop("items"), "content.header.confirmedDeliveryDate"),  # no type is a REJECT
])
def test_an_order_response_breaking_its_types_rules_is_refused(client, contract, kind, change, path):
    contract.expect_invalid_requests = True
    response = content("order_response")
    if kind is None:
        del response["header"]["type"]
    else:
        response["header"]["type"] = kind
    change(response)
    outcome = client.send("ORDER_RESPONSE", response)
    assert outcome.http_status == 422 and path in outcome.errors, outcome.errors


def test_a_change_must_answer_every_line_of_the_buyers_order(client, sandbox):
    response = content("order_response")
    lines = [{"lineNumber": n, "identifiers": [{"identifier": "4098765000102", "domain": "GS1"}], "quantity": 1}
             for n in (1, 2, 3, 4)]
    order = {"header": {"buyer": response["header"]["buyer"], "supplier": response["header"]["supplier"],
                        "orderIdentifier": response["header"]["orderIdentifier"],
                        "orderDate": "2025-03-10T08:15:00+01:00"}, "items": lines}
    sandbox.enqueue("ORDER", order)
    outcome = client.send("ORDER_RESPONSE", response)  # answers lines 1-3
    assert outcome.http_status == 422
    assert "line(s) 4 missing" in outcome.errors["content.items"][0]
    response["items"].append(dict(response["items"][0], lineNumber=4, orderLineNumber=4))
    assert client.send("ORDER_RESPONSE", response).status is SendStatus.TRANSMITTED
