"""Queue items listed byte for byte (the sandbox's enqueue_raw) and the client reading such pages:
a broken item never keeps the rest of its page from being read."""

from __future__ import annotations

import json

import httpx
import pytest

from procuros_dagster.procuros import ProcurosClient
from procuros_dagster.procuros.models import UnreadableTransaction
from procuros_dagster.procuros.pages import decode_page
from procuros_dagster.sandbox.procuros import ProcurosSandbox

from .conftest import OWN_GLN, TOKEN, content

TID = "c0ffee00-0000-4000-8000-00000000abcd"


@pytest.fixture
def lax_sandbox():
    sb = ProcurosSandbox(TOKEN, OWN_GLN)  # no self-check: these items break the document on purpose
    sb.start()
    yield sb
    sb.stop()


def _item(tid: str, **content) -> dict:
    return {"procurosTransactionId": tid, "type": "ORDER", "content": content, "isLatestVersion": True}


def test_a_raw_item_is_served_byte_for_byte_and_acknowledged_by_its_own_id(lax_sandbox):
    broken = b'{"procurosTransactionId": "' + TID.encode() + b'", "type": "ORDER", "content": {"a": 1,}}'
    assert lax_sandbox.enqueue_raw(broken) == TID
    good = lax_sandbox.enqueue("ORDER", content("order"))
    body = httpx.get(f"{lax_sandbox.url}/v2/transactions", headers={"Authorization": f"Bearer {TOKEN}"}).content
    assert broken in body  # spliced in verbatim, so the page is not valid JSON any more
    with pytest.raises(ValueError):
        json.loads(body)
    with ProcurosClient(lax_sandbox.url, TOKEN) as client:
        items = list(client.iter_pending())
        assert [i.procuros_transaction_id for i in items] == [TID, good]
        assert isinstance(items[0], UnreadableTransaction)
        assert items[0].to_dict() == {"procurosTransactionId": TID, "invalidJson": broken.decode()}
        client.mark_processed(TID, False, "DATA", "not valid JSON")
    assert lax_sandbox.acknowledgements[TID]["errorType"] == "DATA"
    assert [i["procurosTransactionId"] for i in lax_sandbox.pending()] == [good]


def test_the_same_id_enqueued_twice_is_listed_twice_and_one_acknowledgement_clears_both(lax_sandbox):
    lax_sandbox.enqueue_raw(_item(TID, header={}))
    lax_sandbox.enqueue_raw(_item(TID, header={"orderIdentifier": "other"}))
    with ProcurosClient(lax_sandbox.url, TOKEN) as client:
        items = list(client.iter_pending())
        assert [i.procuros_transaction_id for i in items] == [TID, TID]
        assert items[0].content != items[1].content
        client.mark_processed(TID, True)
    assert lax_sandbox.pending() == []


def test_bytes_that_are_not_utf8_become_surrogates_in_their_own_item():
    page = {"items": [], "hasMore": False, "perPage": 100, "count": 2, "nextCursor": None, "nextPageUrl": None}
    body = json.dumps(page).replace('"items": []', '"items": [{"procurosTransactionId": "a", "content": "Tor S\xfcd"}]')
    decoded = decode_page(body.encode("latin-1"))
    assert decoded["items"][0]["content"] == "Tor S\udcfcd"  # recoverable: surrogateescape
    assert decoded["items"][0]["content"].encode("utf-8", "surrogateescape") == "Tor Süd".encode("latin-1")


def test_a_broken_item_keeps_its_neighbours_and_the_envelope():
    body = ('{"items": [{"procurosTransactionId": "a", "content": {"x": "] , {"}}, '
            '{"procurosTransactionId": "b", "content": {\'x\': 1}}, [1, 2]], "hasMore": true, "nextCursor": "c1"}')
    page = decode_page(body.encode())
    assert page["hasMore"] is True and page["nextCursor"] == "c1"
    assert page["items"][0] == {"procurosTransactionId": "a", "content": {"x": "] , {"}}  # brackets in strings
    assert page["items"][1] == {"procurosTransactionId": "b", "invalidJson": '{"procurosTransactionId": "b", "content": {\'x\': 1}}'}
    assert page["items"][2] == [1, 2]


def test_a_broken_envelope_is_still_an_error():
    with pytest.raises(ValueError):
        decode_page(b'{"items": [{"a": 1}], "hasMore": tru')


def test_a_transaction_keeps_its_content_as_received_nan_included():
    from procuros_dagster.procuros.models import ReceivedTransaction

    tx = ReceivedTransaction.model_validate(_item(TID, items=[{"quantity": float("nan")}]))
    quantity = tx.to_dict()["content"]["items"][0]["quantity"]
    assert quantity != quantity  # still NaN (the mapping rejects it), not None (which meant 1 piece)
