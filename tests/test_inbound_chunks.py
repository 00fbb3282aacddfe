"""The inbound flow's acknowledgement works chunk by chunk: what a run holds does not grow with
the day, and each chunk's Logs entries are written before its transactions are acknowledged."""

from __future__ import annotations

import pickle
from datetime import date
from types import SimpleNamespace

import pandas as pd

from procuros_dagster.flows import inbound
from procuros_dagster.flows.chunks import ChunkWriter
from procuros_dagster.flows.flow import Flow
from procuros_dagster.movements import SALES_ORDERS
from procuros_dagster.procuros.models import AckResult
from procuros_dagster.settings import Settings

DAY = date(2026, 12, 1)


def _flow() -> Flow:
    settings = Settings()
    return Flow(SALES_ORDERS, settings.integrations[0], settings)


class _Queue:
    """A Procuros client whose queue holds ``count`` ORDERs; records what is acknowledged."""

    def __init__(self, count: int, events: list):
        self.count, self.events = count, events

    def iter_pending(self, type=None, per_page=100):
        for i in range(self.count):
            yield SimpleNamespace(to_dict=lambda i=i: {"procurosTransactionId": f"t-{i:06d}", "type": "ORDER",
                                                       "content": {}})

    def bulk_mark_processed(self, acks):
        acks = list(acks)
        self.events.append(("ack", sorted(a.procuros_transaction_id for a in acks)))
        return [AckResult(procuros_transaction_id=a.procuros_transaction_id, message="ok") for a in acks]


def _pull(tmp_path, count: int, events: list) -> inbound.RawBatch:
    writer = ChunkWriter(tmp_path / f"raw-{count}")
    batch, metadata = inbound.pull_stage(_flow(), _Queue(count, events), writer, (tmp_path / "landing", "p", f"r{count}"),
                                         day=DAY, today=DAY, own_gln="4098765000010")
    assert batch.pending == metadata["pending"] == count
    return batch


def test_the_raw_handle_of_today_does_not_grow_with_the_number_of_transactions(tmp_path):
    small, large = _pull(tmp_path, 10, []), _pull(tmp_path, 2500, [])
    assert large.chunks.count == 3  # 1000 a chunk
    # the handle travels between the steps: no set of every transaction id in it
    assert len(pickle.dumps(large)) - len(pickle.dumps(small)) < 100


def _resolved(tids: list[str]) -> inbound.ResolvedChunk:
    headers = pd.DataFrame({"transaction_id": tids, "client_order_ref": [f"PO-{t}" for t in tids]})
    rejects = pd.DataFrame(columns=["transaction_id", "order_identifier", "error_type", "reason"])
    return inbound.ResolvedChunk(SimpleNamespace(headers=headers, rejects=rejects), [])


def _outcomes(tids: list[str]) -> list:
    return [SimpleNamespace(transaction_id=t, status="created", record_id=i + 1, record_name=f"S{i:05d}",
                            order_identifier=f"PO-{t}") for i, t in enumerate(tids)]


def test_each_chunk_is_logged_then_acknowledged_before_the_next_is_logged(tmp_path, monkeypatch):
    events: list = []

    class Log:
        def __init__(self, gateway):
            pass

        def write(self, entries, settled=()):
            events.append(("log", sorted(e.key for e in entries)))
            return list(range(len(entries)))

    monkeypatch.setattr(inbound, "ExchangeLog", Log)
    raw = _pull(tmp_path, 1500, events)
    tids = [[t["procurosTransactionId"] for t in chunk.transactions] for chunk in raw.chunks]
    res_writer, out_writer = ChunkWriter(tmp_path / "resolved"), ChunkWriter(tmp_path / "written")
    for chunk in tids:
        res_writer.write(_resolved(chunk), len(chunk))
        out_writer.write(_outcomes(chunk), len(chunk))
    result = inbound.acknowledge_stage(_flow(), raw, res_writer.close(), out_writer.close(), _Queue(0, events),
                                       gateway=object())
    assert events == [("log", tids[0]), ("ack", tids[0]), ("log", tids[1]), ("ack", tids[1])]
    assert (result.metadata["acknowledged"], result.metadata["logged_in_odoo"], result.missing) == (1500, 1500, [])
