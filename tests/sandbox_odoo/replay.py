"""Replay recorded exchanges of a real Odoo 17 against the sandbox and compare the answers by value.

The transcripts come in two recording runs, each on its own fresh database, each file building on
the records of the ones before it:

* 01-08 on database ``procuros`` (company "My Company"), recorded on 2026-11-28;
* 09-15 on database ``procuros_rec`` (company "Procuros Test GmbH"), recorded on 2026-12-01.

So a file is replayed after its predecessors in its run, on a sandbox whose clock stands at the
recording time. Run ``python -m tests.sandbox_odoo.replay 10`` to print one file's differences.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.odoo.baseline import USED_IDS_PROCUROS
from procuros_dagster.sandbox.odoo.clock import Clock

HERE = Path(__file__).parent / "transcripts"


@dataclass(frozen=True)
class Run:
    db: str
    company: str
    started_at: str  # the recording's first call, UTC
    step: float  # its average pace: seconds between two recorded calls
    files: tuple[str, ...]
    history: dict  # how the recording's database differed from a fresh one (see baseline.py)


RUNS = (
    Run("procuros", "My Company", "2026-11-28 17:54:40", 0.05, tuple(f"{i:02d}" for i in range(1, 9)),
        {"used_ids": USED_IDS_PROCUROS, "pricelists": True}),
    Run("procuros_rec", "Procuros Test GmbH", "2026-12-01 17:54:35", 0.12, tuple(f"{i:02d}" for i in range(9, 16)), {}),
)
# A datetime a call stamps with "now" (date_order on confirmation, date_done, ...) can only be
# compared to the recording's pace: within this many seconds. Dates and other datetimes are exact.
NOW_TOLERANCE = 60
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


class StepClock(Clock):
    """Advances by the recording's pace at each replayed exchange, so that records stamped by
    successive calls keep their order."""

    def __init__(self, start: str, step: float):
        super().__init__(frozen=start)
        self.step = dt.timedelta(seconds=step)

    def tick(self) -> None:
        self.frozen += self.step

# Keys whose values may differ, wherever they appear. Nothing else is exempt.
EXEMPT_KEYS = {
    # timestamps of the recording run, not behaviour (dates the sandbox computes are compared)
    "create_date", "write_date", "__last_update",
    # error tracebacks: the recording keeps only their last line
    "debug",
}
# The ids of module data in ir.model.data (uom.product_uom_unit is 5367 in one database and 6699
# in another of the same server): install-order artefacts. The connector's own bindings are compared.
MODULE_DATA_IDS = "ir.model.data"
# mail.message ids: Odoo also logs tracking and notification messages the connector never reads
# (state changes on confirmation, posting, validation), the sandbox only the ones it does (its
# own comments, creation notes), so the counter runs behind. Bodies, authors and types are compared.
MESSAGE_IDS = {"mail.message": ("create", "search_read"), "sale.order": ("message_post",)}
# Endpoints whose answer is the web client's session: only its type and user-facing keys count.
SESSION_PATHS = {"/web/session/authenticate", "/web/session/get_session_info", "/web/webclient/version_info"}
SESSION_KEYS = ("uid", "db", "username", "name", "partner_id", "server_version", "server_version_info")
# db.list on the real server listed every database of its cluster; the sandbox has one.
LOOSE = {("01", 7)}


def file_of(prefix: str) -> Path:
    [path] = HERE.glob(f"{prefix}_*.json")
    return path


def run_of(prefix: str) -> Run:
    return next(r for r in RUNS if prefix in r.files)


def value_diff(rec, got, path="$") -> list[str]:
    """Every difference between a recorded and a replayed JSON value, exempt keys left out."""
    if isinstance(rec, bool) or isinstance(got, bool) or rec is None or got is None:
        return [] if rec is got or (type(rec) is type(got) and rec == got) else [f"{path}: {rec!r:.80} != {got!r:.80}"]
    if isinstance(rec, (int, float)) and isinstance(got, (int, float)):
        if type(rec) is not type(got):
            return [f"{path}: {type(rec).__name__} {rec!r} != {type(got).__name__} {got!r}"]
        # floats: Odoo's binary noise (214.23000000000002) is not behaviour; a cent is
        return [] if math.isclose(rec, got, rel_tol=1e-9, abs_tol=1e-9) else [f"{path}: {rec!r} != {got!r}"]
    if type(rec) is not type(got):
        return [f"{path}: {type(rec).__name__} {rec!r:.60} != {type(got).__name__} {got!r:.60}"]
    if isinstance(rec, dict):
        out = []
        keys = (set(rec) | set(got)) - EXEMPT_KEYS
        missing, extra = sorted(keys - set(got)), sorted(keys - set(rec))
        if missing or extra:
            out.append(f"{path}: keys missing {missing} extra {extra}")
        for k in sorted(keys & set(rec) & set(got)):
            out += value_diff(rec[k], got[k], f"{path}.{k}")
        return out
    if isinstance(rec, list):
        if len(rec) != len(got):
            return [f"{path}: len {len(rec)} != {len(got)} ({rec!r:.100} vs {got!r:.100})"]
        out = []
        for i, (a, b) in enumerate(zip(rec, got)):
            out += value_diff(a, b, f"{path}[{i}]")
        return out
    if isinstance(rec, str) and DATETIME.match(rec) and DATETIME.match(got):
        gap = abs((dt.datetime.fromisoformat(rec) - dt.datetime.fromisoformat(got)).total_seconds())
        return [] if gap <= NOW_TOLERANCE else [f"{path}: {rec} != {got}"]
    return [] if rec == got else [f"{path}: {rec!r:.120} != {got!r:.120}"]


def _unsession(html: str) -> str:
    """An HTML page's per-session CSRF token is session data."""
    return re.sub(r'csrf_token: "[^"]*"', 'csrf_token: "<session>"', html)


def _session_diff(rec, got) -> list[str]:
    if type(rec) is not type(got):
        return [f"$: {type(rec).__name__} != {type(got).__name__}"]
    if not isinstance(rec, dict):
        return []
    return [d for k in SESSION_KEYS if k in rec for d in value_diff(rec[k], got.get(k), f"$.{k}")]


class Replayer:
    """Sends recorded requests to one sandbox, keeping the session cookie like the recorder did."""

    def __init__(self, sandbox: OdooSandbox):
        self.sandbox = sandbox
        self.client = httpx.Client(timeout=30)
        self.cookie: str | None = None

    def close(self) -> None:
        self.client.close()

    def replay(self, prefix: str) -> list[str]:
        data = json.loads(file_of(prefix).read_text())
        problems = []
        for i, ex in enumerate(data["exchanges"]):
            self.sandbox.clock.tick()
            req = ex["request"]
            headers = {"Content-Type": "application/json"}
            if ex.get("cookie") and self.cookie:
                headers["Cookie"] = f"session_id={self.cookie}"
            self.client.cookies.clear()  # the recorded cookie header is the only credential sent
            body = req if isinstance(req, str) else json.dumps(req)
            resp = self.client.post(self.sandbox.url + ex["path"], content=body, headers=headers)
            where = f"{prefix}#{i} {_describe(ex)}"
            if resp.status_code != ex["status"]:
                problems.append(f"{where}: HTTP {resp.status_code} != {ex['status']}")
                continue
            cookies = resp.headers.get_list("set-cookie")
            if cookies and ex["path"] != "/web/webclient/version_info":
                self.cookie = cookies[-1].split("session_id=", 1)[1].split(";", 1)[0]
            if isinstance(ex["response"], str):
                if _unsession(resp.text) != _unsession(ex["response"]):
                    problems.append(f"{where}: body {resp.text[:80]!r} != {ex['response'][:80]!r}")
                continue
            problems += [f"{where}: {d}" for d in self._compare(prefix, i, ex, resp.json())]
        return problems

    @staticmethod
    def _compare(prefix: str, i: int, ex: dict, got: dict) -> list[str]:
        rec = ex["response"]
        if "error" in rec or "error" in got:
            if "error" not in got:
                return [f"expected error {rec['error']['data']['name']}, got {str(got.get('result'))[:200]}"]
            if "error" not in rec:
                return [f"unexpected error {got['error']['data']['name']}: {got['error']['data']['message'][:300]}"]
            return value_diff(rec, got)
        if ex["path"] in SESSION_PATHS:
            return _session_diff(rec.get("result"), got.get("result"))
        if (prefix, i) in LOOSE:
            return [] if type(rec.get("result")) is type(got.get("result")) else ["result type"]
        params = ex["request"].get("params", {})
        if params.get("model") == MODULE_DATA_IDS:
            rec, got = _without_module_data_ids(rec), _without_module_data_ids(got)
        if params.get("method") in MESSAGE_IDS.get(params.get("model"), ()):
            rec, got = _without_ids(rec), _without_ids(got)
        return value_diff(rec, got)


def _without_ids(payload: dict) -> dict:
    result = payload.get("result")
    if isinstance(result, int) and not isinstance(result, bool):
        return {**payload, "result": "<id>"}
    if isinstance(result, list):
        return {**payload, "result": [{k: v for k, v in r.items() if k != "id"} if isinstance(r, dict) else r
                                      for r in result]}
    return payload


def _without_module_data_ids(payload: dict) -> dict:
    result = payload.get("result")
    if not isinstance(result, list):
        return payload
    rows = [{k: v for k, v in r.items() if not (k == "id" and r.get("module") not in (None, "procuros"))}
            if isinstance(r, dict) else r for r in result]
    return {**payload, "result": rows}


def _describe(ex: dict) -> str:
    req = ex["request"]
    if isinstance(req, str):
        return f"{ex['path']} {req[:40]!r}"
    params = req.get("params", {})
    if "model" in params:
        return f"{params['model']}.{params['method']} {json.dumps(params.get('args'))[:100]}"
    return f"{ex['path']} {json.dumps(params)[:100]}"


def sandbox_for(run: Run) -> OdooSandbox:
    return OdooSandbox(db=run.db, company_name=run.company, clock=StepClock(run.started_at, run.step),
                       **run.history)


def replay_upto(prefix: str) -> tuple[list[str], list[str]]:
    """Replay ``prefix``'s run up to and including it; returns (earlier files' problems, its own)."""
    run = run_of(prefix)
    before: list[str] = []
    with sandbox_for(run) as sandbox:
        replayer = Replayer(sandbox)
        try:
            for p in run.files:
                found = replayer.replay(p)
                if p == prefix:
                    return before, found
                before += found
        finally:
            replayer.close()
    raise AssertionError(prefix)


if __name__ == "__main__":
    for arg in sys.argv[1:] or [p for r in RUNS for p in r.files]:
        earlier, own = replay_upto(arg)
        print(f"== {arg}: {len(own)} differences" + (f" (earlier files: {len(earlier)})" if earlier else ""))
        print("\n".join(own))
