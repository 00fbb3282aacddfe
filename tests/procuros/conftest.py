from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from procuros_dagster.procuros import ProcurosClient, RetryPolicy, openapi
from procuros_dagster.sandbox.procuros import ProcurosSandbox

TOKEN = "tok-Sup3rS3cret-9f8e7d"
OWN_GLN = "4098765000010"   # Nordwind Getränke (supplier in the fixtures)
BUYER_GLN = "4012345000016"  # Kaufhaus Rheinland
FIXTURES = Path(__file__).parent / "fixtures"

_TEMPLATES = [(t, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$")) for t in openapi.spec()["paths"]]


def template_for(path: str) -> str | None:
    return next((t for t, rx in _TEMPLATES if rx.match(path)), None)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def content(name: str) -> dict[str, Any]:
    return copy.deepcopy(fixture(name)["content"])


class Contract:
    """httpx event hooks that record every request/response for OpenAPI validation."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any, dict[str, str]]] = []
        self.responses: list[tuple[str, str, int, Any]] = []
        self.expect_invalid_requests = False  # set by tests that send bad payloads on purpose

    def on_request(self, request: httpx.Request) -> None:
        template = template_for(request.url.path)
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, template, body, dict(request.url.params.multi_items())))

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        template = template_for(response.request.url.path)
        body = response.json() if response.content else None
        self.responses.append((response.request.method, template, response.status_code, body))

    @property
    def hooks(self) -> dict[str, list]:
        return {"request": [self.on_request], "response": [self.on_response]}

    def problems(self) -> list[str]:
        out = []
        for method, template, body, params in self.requests:
            assert template, "client called a path that is not in the spec"
            if self.expect_invalid_requests:
                continue
            out += [f"request {method} {template}: {p}" for p in
                    openapi.validate_request(method, template, body, params=params)]
        for method, template, status, body in self.responses:
            out += [f"response {method} {template} {status}: {p}" for p in
                    openapi.validate_response(method, template, status, body)]
        return out


@pytest.fixture
def sandbox():
    sb = ProcurosSandbox(TOKEN, OWN_GLN, known_parties={BUYER_GLN}, self_check=True)
    sb.start()
    yield sb
    sb.stop()  # raises if any response the sandbox produced violated the OpenAPI document


@pytest.fixture
def contract():
    c = Contract()
    yield c
    assert c.problems() == []


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sandbox, contract, sleeps):
    clients = []

    def make(token: str = TOKEN, *, url: str | None = None, timeout: float = 10.0, **policy: Any) -> ProcurosClient:
        opts = dict(max_attempts=4, base_delay=0.01, max_delay=10.0, total_budget=30.0, sleep=sleeps.append)
        opts.update(policy)
        c = ProcurosClient(url or sandbox.url, token, timeout=timeout, retry=RetryPolicy(**opts),
                           event_hooks=contract.hooks)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def client(make_client) -> ProcurosClient:
    return make_client()
