from __future__ import annotations

import threading
from datetime import date, datetime

import httpx
import pytest

from procuros_dagster.procuros import (Acknowledgement, ProcurosAuthError, ProcurosClient,
                                       ProcurosNotFound, ProcurosValidationError, SendStatus)
from procuros_dagster.procuros.models import BERLIN

from .conftest import BUYER_GLN, OWN_GLN, TOKEN, content


def test_ping_and_user_agent(client, sandbox, contract):
    client.ping()
    assert sandbox.call_counts["GET /v2/ping"] == 1
    assert contract.responses[0][2] == 204


def test_wrong_token_is_401_and_not_retried(make_client, sandbox):
    bad = make_client("not-the-token")
    with pytest.raises(ProcurosAuthError) as info:
        bad.ping()
    assert info.value.status == 401 and info.value.message == "Unauthenticated."
    assert sandbox.call_counts["GET /v2/ping"] == 1


def test_pending_pagination_without_filter(client, sandbox, contract):
    ids = [sandbox.enqueue("ORDER", content("order")) for _ in range(7)]
    pages = list(client.iter_pending_pages(per_page=3))
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert [p.has_more for p in pages] == [True, True, False]
    assert [t.procuros_transaction_id for p in pages for t in p.items] == ids
    assert all(params["per_page"] == "3" for _, _, _, params in contract.requests)
    assert "cursor" not in contract.requests[0][3] and contract.requests[1][3]["cursor"]
    first = pages[0].items[0]
    assert first.is_latest_version and first.content == content("order")


def test_pending_pagination_with_filter_repeats_filter(client, sandbox, contract):
    orders = []
    for i in range(8):
        if i % 2:
            sandbox.enqueue("INVOICE", content("invoice"))
        else:
            orders.append(sandbox.enqueue("ORDER", content("order")))
    got = [t.procuros_transaction_id for t in client.iter_pending(type="ORDER", per_page=3)]
    assert got == orders
    assert sandbox.call_counts["GET /v2/transactions"] == 2
    assert all(params["filter[type]"] == "ORDER" for _, _, _, params in contract.requests)


def test_other_glns_queue_is_invisible(client, sandbox):
    other = sandbox.enqueue("ORDER", content("order"), receiver_gln="4000000000000")
    assert list(client.iter_pending()) == []
    assert [t["procurosTransactionId"] for t in sandbox.pending("4000000000000")] == [other]
    with pytest.raises(ProcurosNotFound):
        client.get_transaction(other)


def test_mark_processed_success_and_failure(client, sandbox):
    a, b = sandbox.enqueue("ORDER", content("order")), sandbox.enqueue("ORDER", content("order"))
    ok = client.mark_processed(a, True)
    assert ok.message == "OK." and ok.error_url is None
    failed = client.mark_processed(b, False, error_type="DATA", error_reason="GTIN 4098765000102 unknown",
                                   error_context={"gtin": "4098765000102"})
    assert failed.error_url
    assert sandbox.acknowledgements[b] == {"success": False, "errorType": "DATA",
                                           "errorReason": "GTIN 4098765000102 unknown",
                                           "errorContext": {"gtin": "4098765000102"}}
    assert sandbox.pending() == []
    assert client.get_transaction(a).status == "SUCCESS"
    assert client.get_transaction(b).status == "FAILED"


def test_mark_processed_unknown_id_is_404(client):
    with pytest.raises(ProcurosNotFound):
        client.mark_processed("00000000-0000-4000-8000-000000000000", True)


def test_bulk_ack_chunks_of_1000(client, sandbox):
    ids = [sandbox.enqueue("ORDER", {"header": {}, "items": []}) for _ in range(2500)]
    results = client.bulk_mark_processed(Acknowledgement(procuros_transaction_id=i, success=True) for i in ids)
    assert sandbox.call_counts["POST /v2/transactions/bulk/mark-processed"] == 3
    assert [r.procuros_transaction_id for r in results] == ids
    assert len(sandbox.acknowledgements) == 2500 and sandbox.pending() == []
    assert client.bulk_mark_processed([]) == []


def test_send_outcomes(client, sandbox):
    invoice = content("invoice")
    first = client.send("INVOICE", invoice)
    assert first.status is SendStatus.TRANSMITTED and first.http_status == 201 and first.transaction_id
    again = client.send("INVOICE", invoice)
    assert again.status is SendStatus.ALREADY_RECEIVED and again.error_url
    sandbox.inactive = {BUYER_GLN}
    held = content("shipping_notice")
    outcome = client.send("SHIPPING_NOTICE", held)
    assert outcome.status is SendStatus.NO_ACTION and outcome.transaction_id and outcome.message
    assert client.get_transaction(outcome.transaction_id).status == "DROPPED"
    assert client.get_transaction(first.transaction_id).status == "SUCCESS"
    assert [s["outcome"] for s in sandbox.sent] == ["TRANSMITTED", "ALREADY_RECEIVED", "NO_ACTION"]


def test_send_takes_what_to_payload_returns(client, sandbox):
    class Built:  # anything that builds its payload (send() has always taken such an object)
        def to_payload(self):
            return content("invoice")

    assert client.send("INVOICE", Built()).status is SendStatus.TRANSMITTED
    assert sandbox.sent[0]["content"] == content("invoice")


def test_send_422_schema_errors_not_retried(client, sandbox, contract):
    contract.expect_invalid_requests = True
    bad = content("invoice")
    bad["header"]["invoiceDate"] = "18.03.2025"  # not the spec's DateTime pattern
    del bad["items"][0]["tax"]
    outcome = client.send("INVOICE", bad)
    assert outcome.status is SendStatus.INVALID and outcome.http_status == 422
    assert outcome.error_url
    assert "content.header.invoiceDate" in outcome.errors
    assert any("tax" in m for m in outcome.errors["content.items[0]"])
    assert sandbox.call_counts["POST /v2/transactions"] == 1


def test_send_422_unknown_party(client, sandbox):
    sandbox.partners = {"4000000000001"}
    outcome = client.send("ORDER_RESPONSE", content("order_response"))
    assert outcome.status is SendStatus.INVALID
    assert outcome.errors == {"buyer": ["Could not resolve party using provided identifiers"]}
    order = content("order")
    order["header"]["buyer"]["identifiers"][0]["identifier"] = OWN_GLN
    order["header"]["supplier"]["identifiers"][0]["identifier"] = "4000000000002"
    assert list(client.send("ORDER", order).errors) == ["supplier"]


def test_send_other_400_raises():
    transport = httpx.MockTransport(lambda r: httpx.Response(400, json={"message": "Bad", "errorUrl": "u"}))
    with ProcurosClient("https://api.procuros.io", TOKEN, transport=transport) as c:
        with pytest.raises(ProcurosValidationError) as info:
            c.send("INVOICE", content("invoice"))
    assert info.value.status == 400 and info.value.error_url == "u"


def test_report_error(client, sandbox):
    url = client.report_error("Product has no GTIN", "DATA", transaction_identifier="RE-2025-10452",
                              transaction_type="INVOICE", error_context={"product": "NW-APS"})
    assert url and sandbox.reported_errors[0]["errorUrl"] == url
    assert sandbox.reported_errors[0]["transactionIdentifier"] == "RE-2025-10452"
    assert sandbox.reported_errors[0]["errorType"] == "DATA"


def test_all_transactions_filters(client, sandbox):
    jan = datetime(2025, 1, 15, 9, 0, tzinfo=BERLIN)
    feb = datetime(2025, 2, 15, 9, 0, tzinfo=BERLIN)
    a = sandbox.enqueue("ORDER", content("order"), created_at=jan)
    b = sandbox.enqueue("ORDER", content("order"), created_at=feb, flow="TEST")
    c = sandbox.enqueue("INVOICE", content("invoice"), created_at=feb)
    client.mark_processed(a, True)

    def ids(**kw):
        return [t.procuros_transaction_id for t in client.iter_all_transactions(per_page=2, **kw)]

    assert ids() == [a, b, c]
    assert ids(type="ORDER") == [a, b]
    assert ids(flow="TEST") == [b]
    assert ids(status="PENDING") == [b, c]
    assert ids(status="SUCCESS") == [a]
    assert ids(created_between=(date(2025, 2, 1), date(2025, 2, 28))) == [b, c]
    assert ids(type="ORDER", created_between=(date(2025, 1, 1), date(2025, 1, 31))) == [a]
    t = client.get_transaction(b)
    assert t.flow == "TEST" and t.created_at == feb and t.type == "ORDER"


def test_versions(client, sandbox):
    v1 = sandbox.enqueue("ORDER", content("order"))
    v2 = sandbox.enqueue("ORDER", content("order"), replaces=v1)
    pending = list(client.iter_pending())
    assert [p.procuros_transaction_id for p in pending] == [v2]
    assert pending[0].replaces_procuros_transaction_id == v1 and pending[0].is_latest_version
    old = client.get_transaction(v1)
    assert old.is_latest_version is False and old.replaced_by_procuros_transaction_id == v2


def test_unknown_route_and_show_404(client, sandbox):
    r = httpx.get(f"{sandbox.url}/v2/nope", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 404 and r.json() == {"message": "Not Found."}
    with pytest.raises(ProcurosNotFound) as info:
        client.get_transaction("00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404 and info.value.attempts == 1


def test_per_page_out_of_range_is_422_not_retried(client, sandbox, contract):
    contract.expect_invalid_requests = True
    with pytest.raises(ProcurosValidationError) as info:
        list(client.iter_pending(per_page=101))
    assert info.value.status == 422 and "per_page" in info.value.errors
    assert sandbox.call_counts["GET /v2/transactions"] == 1


@pytest.mark.parametrize("url", ["https://api.procuros.io", "http://127.0.0.1:9", "http://127.1.2.3:9",
                                 "http://localhost:9", "http://[::1]:9"])
def test_https_or_loopback_accepted(url):
    ProcurosClient(url, TOKEN).close()


@pytest.mark.parametrize("url", ["http://api.procuros.io", "http://10.0.0.5:8900", "ftp://localhost"])
def test_plain_http_rejected(url):
    with pytest.raises(ValueError):
        ProcurosClient(url, TOKEN)


def test_hold_blocks_ack_until_released(client, sandbox):
    tid = sandbox.enqueue("ORDER", content("order"))
    hold = sandbox.hold("PUT /v2/transactions/{procurosTransactionId}")
    worker = threading.Thread(target=client.mark_processed, args=(tid, True))
    worker.start()
    assert hold.reached.wait(5)
    assert tid not in sandbox.acknowledgements
    hold.release()
    worker.join(5)
    assert sandbox.acknowledgements[tid]["success"] is True


def test_a_hold_lets_earlier_requests_through_and_says_when_the_held_one_was_processed(client, sandbox):
    tids = [sandbox.enqueue("ORDER", content("order")) for _ in range(3)]
    hold = sandbox.hold("PUT /v2/transactions/{procurosTransactionId}", skip=2)
    client.mark_processed(tids[0], True)
    client.mark_processed(tids[1], True)
    assert not hold.reached.is_set()
    worker = threading.Thread(target=client.mark_processed, args=(tids[2], True))
    worker.start()
    assert hold.reached.wait(5)
    assert not hold.done.is_set() and tids[2] not in sandbox.acknowledgements
    hold.release()
    assert hold.done.wait(5)
    worker.join(5)
    assert dict(sandbox.ack_counts) == {t: 1 for t in tids}


def test_seeded_rate_faults_hit_the_same_requests_and_are_counted(make_client, sandbox):
    def hits(seed):
        sandbox.clear_faults()
        sandbox.faults_injected.clear()
        sandbox.inject_faults(status=503, rate=0.4, seed=seed, endpoint="GET /v2/ping")
        bare = httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {TOKEN}"})
        got = [bare.get("/v2/ping").status_code for _ in range(30)]
        sandbox.clear_faults()
        return got, dict(sandbox.faults_injected)

    first, counted = hits(3)
    assert hits(3) == (first, counted) and hits(4)[0] != first
    assert counted == {"503": first.count(503)} and 0 < first.count(503) < 30
    assert set(first) == {204, 503}
