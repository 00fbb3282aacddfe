"""Contract test: replay every recorded exchange of a real Odoo 17 (transcripts 01-08, in order,
on one fresh sandbox) and compare the shape of each answer."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from procuros_dagster.sandbox.odoo import OdooSandbox

HERE = Path(__file__).parent / "transcripts"
FILES = sorted(p.name for p in HERE.glob("0*.json"))
# Answers whose full content the sandbox does not reproduce; only their type is compared.
LOOSE_PATHS = {"/web/session/authenticate", "/web/session/get_session_info", "/web/webclient/version_info"}
# db.list on the real server listed every database of the cluster; the sandbox has one.
LOOSE_LISTS = {("01_login.json", 7)}


def shape_diff(rec, got, path="$") -> list[str]:
    if isinstance(rec, bool) or isinstance(got, bool):
        return [] if type(rec) is type(got) else [f"{path}: {rec!r} != {got!r}"]
    if isinstance(rec, (int, float)) and isinstance(got, (int, float)):
        return [] if type(rec) is type(got) else [f"{path}: type {type(rec).__name__} != {type(got).__name__}"]
    if rec is None or got is None:
        return [] if rec is got else [f"{path}: {rec!r} != {got!r}"]
    if type(rec) is not type(got):
        return [f"{path}: {type(rec).__name__} {rec!r:.60} != {type(got).__name__} {got!r:.60}"]
    if isinstance(rec, dict):
        out = []
        if set(rec) != set(got):
            out.append(f"{path}: keys {sorted(set(rec) ^ set(got))}")
        for k in set(rec) & set(got):
            out += shape_diff(rec[k], got[k], f"{path}.{k}")
        return out
    if isinstance(rec, list):
        if len(rec) != len(got):
            return [f"{path}: len {len(rec)} != {len(got)} ({rec!r:.80} vs {got!r:.80})"]
        out = []
        for i, (a, b) in enumerate(zip(rec, got)):
            out += shape_diff(a, b, f"{path}[{i}]")
        return out
    return []


def replay(client: httpx.Client, sb_url: str, fname: str, state: dict) -> list[str]:
    data = json.loads((HERE / fname).read_text())
    problems = []
    for i, ex in enumerate(data["exchanges"]):
        req = ex["request"]
        headers = {}
        if ex.get("cookie") and state.get("cookie"):
            headers["Cookie"] = f"session_id={state['cookie']}"
        client.cookies.clear()  # the recorded cookie header is the only credential sent
        body = req if isinstance(req, str) else json.dumps(req)
        resp = client.post(sb_url + ex["path"], content=body, headers={**headers, "Content-Type": "application/json"})
        where = f"{fname}#{i} {ex['path']} {json.dumps(req)[:160] if not isinstance(req, str) else req[:40]}"
        if resp.status_code != ex["status"]:
            problems.append(f"{where}: HTTP {resp.status_code} != {ex['status']}")
            continue
        if "session_id=" in resp.headers.get("set-cookie", "") and ex["path"] != "/web/webclient/version_info":
            state["cookie"] = resp.headers["set-cookie"].split("session_id=", 1)[1].split(";", 1)[0]
        if isinstance(ex["response"], str):
            if ex["status"] == 400:
                assert resp.text == ex["response"]
            continue
        got = resp.json()
        rec = ex["response"]
        if "error" in rec:
            if "error" not in got:
                problems.append(f"{where}: expected error {rec['error']['data']['name']}, got {str(got)[:200]}")
                continue
            if (got["error"]["data"]["name"], got["error"]["code"]) != (rec["error"]["data"]["name"], rec["error"]["code"]):
                problems.append(f"{where}: error {got['error']['data']['name']} != {rec['error']['data']['name']}")
            if got["error"]["data"]["message"].split("\n")[0][:30] != rec["error"]["data"]["message"].split("\n")[0][:30]:
                problems.append(f"{where}: message {got['error']['data']['message']!r:.120} != "
                                f"{rec['error']['data']['message']!r:.120}")
            if got["id"] != rec["id"]:
                problems.append(f"{where}: id {got['id']} != {rec['id']}")
            continue
        if "error" in got:
            problems.append(f"{where}: unexpected error {got['error']['data']['message'][:300]}")
            continue
        if ex["path"] in LOOSE_PATHS:
            if type(got.get("result")) is not type(rec.get("result")):
                problems.append(f"{where}: result type")
            continue
        if (fname, i) in LOOSE_LISTS:
            continue
        for d in shape_diff(rec.get("result"), got.get("result")):
            problems.append(f"{where}: {d}")
    return problems


# The transcripts were recorded on 2026-11-28 around 17:54 UTC, and some requests carry absolute
# timestamps (e.g. a write_date watermark "in the future"): replay them at that moment.
RECORDED_AT = "2026-11-28 17:54:47"


@pytest.fixture
def sandbox(monkeypatch):
    from procuros_dagster.sandbox.odoo import business, orm

    for module in (orm, business):
        monkeypatch.setattr(module, "now", lambda: RECORDED_AT)
        monkeypatch.setattr(module, "today", lambda: RECORDED_AT[:10])
    with OdooSandbox() as sb:
        yield sb


def test_replay_all_transcripts(sandbox):
    state: dict = {}
    problems: list[str] = []
    with httpx.Client(timeout=10) as client:
        for fname in FILES:
            problems += replay(client, sandbox.url, fname, state)
    assert not problems, "\n".join(problems)
