"""Sends to Procuros several at a time (flows/outbound.py _Sends): answered in the documents'
order, never more under way than asked, and after a stop only what is under way is answered."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from procuros_dagster.flows.outbound import _Sends
from procuros_dagster.procuros.errors import ProcurosAuthError


@dataclass
class Doc:
    record_id: int
    transaction_type: str = "INVOICE"

    @property
    def content(self) -> dict:
        return {"n": self.record_id}


class SlowProcuros:
    """Answers a send once the test lets it; counts how many are under way at once."""

    def __init__(self, refuse: set[int] = frozenset()):
        self.lock = threading.Lock()
        self.under_way = self.most_under_way = 0
        self.started: list[int] = []
        self.refuse = refuse
        self.go = threading.Semaphore(0)

    def send(self, transaction_type, content):
        with self.lock:
            self.started.append(content["n"])
            self.under_way += 1
            self.most_under_way = max(self.most_under_way, self.under_way)
        self.go.acquire()
        with self.lock:
            self.under_way -= 1
        if content["n"] in self.refuse:
            raise ProcurosAuthError("Unauthenticated.", status=401, endpoint="POST /v2/transactions")
        return f"answer {content['n']}"


@pytest.mark.parametrize("workers", [1, 3])
def test_answers_come_in_the_documents_order_with_at_most_workers_under_way(workers):
    procuros = SlowProcuros()
    docs = [Doc(n) for n in range(10)]
    for _ in docs:
        procuros.go.release()  # every send may be answered; the threads still overlap
    sends = _Sends(procuros, docs, workers)
    answers, started_by_then = [], []
    try:
        for doc, outcome, exc in sends:
            answers.append((doc.record_id, outcome, exc))
            started_by_then.append(len(procuros.started))
    finally:
        sends.close()
    assert answers == [(n, f"answer {n}", None) for n in range(10)]
    # when answer k is taken, no more than k + workers sends have started: the window does not grow
    assert all(started <= k + workers for k, started in enumerate(started_by_then))
    assert procuros.most_under_way <= workers
    assert sorted(procuros.started) == list(range(10))


def test_after_a_stop_no_send_starts_and_the_ones_under_way_are_answered():
    procuros = SlowProcuros(refuse={0})
    docs = [Doc(n) for n in range(8)]
    sends = _Sends(procuros, docs, 3)
    seen = []
    try:
        for _ in range(3):
            procuros.go.release()
        for doc, outcome, exc in sends:
            seen.append((doc.record_id, outcome is not None, type(exc).__name__ if exc else None))
            if exc is not None:
                sends.stop(exc)
        with pytest.raises(ProcurosAuthError):
            sends.raise_stopped()
    finally:
        sends.close()
    # documents 0-2 were under way when 0 was refused: 1 and 2 are answered (and so bound), 3-7 never start
    assert seen == [(0, False, "ProcurosAuthError"), (1, True, None), (2, True, None)]
    assert sorted(procuros.started) == [0, 1, 2]
