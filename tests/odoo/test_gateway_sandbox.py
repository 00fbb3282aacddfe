"""Connecting and plain CRUD against the Odoo sandbox over real HTTP."""

import logging

import pytest
from conftest import DB, LOGIN, connect, gln, start_sandbox

from procuros_dagster.odoo import (
    OdooAuthError,
    OdooConnectionError,
    OdooDatabaseError,
    OdooGateway,
    OdooMissingError,
    OdooRpcError,
    OdooUserError,
    OdooValidationError,
    OdooValueError,
)


def test_connect_and_context(gw, odoo_sandbox):
    assert gw.uid and gw.url == odoo_sandbox.url and gw.db == DB
    assert gw.rpc_count == 0
    assert gw.search_count("res.company", []) >= 1
    assert gw.rpc_count == 1 and gw.call_counts == {"res.company.search_count": 1}
    gw.reset_counts()
    assert gw.rpc_count == 0 and not gw.call_counts


def test_bad_password_and_unknown_db(odoo_sandbox):
    with pytest.raises(OdooAuthError) as exc:
        OdooGateway.connect(odoo_sandbox.url, DB, LOGIN, "not-the-password-42")
    assert "not-the-password-42" not in str(exc.value)
    with pytest.raises(OdooDatabaseError) as exc:
        OdooGateway.connect(odoo_sandbox.url, "no_such_db", LOGIN, "admin")
    assert "no_such_db" in str(exc.value)


def test_secret_not_leaked_over_real_http(caplog):
    secret = "Pr0curos-Very-Secret"
    sb = start_sandbox(password=secret)
    try:
        caplog.set_level(logging.DEBUG)
        gw = OdooGateway.connect(sb.url, DB, LOGIN, secret)
        gw.search_read("res.partner", [("id", "=", 1)], ["name"])
        with pytest.raises(OdooRpcError) as exc:
            gw.search_read("res.partner", [("no_such_field", "=", 1)], ["name"])
        with pytest.raises(OdooAuthError) as auth:
            OdooGateway.connect(sb.url, DB, LOGIN, secret + "x")
        for text in (repr(gw), str(gw), str(exc.value), exc.value.debug, str(auth.value), caplog.text):
            assert secret not in text
    finally:
        sb.stop()


def test_from_env(odoo_sandbox, monkeypatch):
    for k, v in {"ODOO_URL": odoo_sandbox.url, "ODOO_DB": DB, "ODOO_USERNAME": LOGIN, "ODOO_PASSWORD": "admin"}.items():
        monkeypatch.setenv(k, v)
    assert OdooGateway.from_env().uid
    monkeypatch.delenv("ODOO_PASSWORD")
    with pytest.raises(Exception, match="ODOO_PASSWORD"):
        OdooGateway.from_env()


def test_crud_round_trips(gw):
    ref = gln()
    ids = gw.create("res.partner", [{"name": "A", "ref": ref}, {"name": "B", "ref": ref}])
    assert len(ids) == 2 and all(isinstance(i, int) for i in ids)
    assert gw.create("res.partner", {"name": "C", "ref": ref})[0] > ids[1]  # single dict -> still a list
    assert gw.create("res.partner", []) == []
    rows = gw.search_read("res.partner", [("ref", "=", ref)], ["name"], order="name desc")
    assert [r["name"] for r in rows] == ["C", "B", "A"]
    assert gw.search("res.partner", [("ref", "=", ref)], order="id", limit=2) == ids
    assert gw.search_count("res.partner", [("ref", "=", ref)]) == 3
    assert gw.write("res.partner", ids, {"city": "Berlin"}) is True
    assert [r["city"] for r in gw.read("res.partner", ids, ["city"])] == ["Berlin", "Berlin"]
    assert gw.read("res.partner", [99999999], ["name"]) == []  # missing id: [] not an error
    assert gw.unlink("res.partner", ids[:1]) is True
    with pytest.raises(OdooMissingError):
        gw.write("res.partner", [99999999], {"name": "x"})


def test_write_refuses_many2one_traps(gw):
    [pid] = gw.create("res.partner", [{"name": "Trap", "country_id": 57}])
    with pytest.raises(OdooValueError, match="country_id"):
        gw.write("res.partner", [pid], {"country_id": [57, "Germany"]})
    with pytest.raises(OdooValueError, match="country_id"):
        gw.write("res.partner", [pid], {"country_id": "DE"})
    assert gw.read("res.partner", [pid], ["country_id"])[0]["country_id"][0] == 57
    # strings into char fields ending in _id are fine (x_procuros_transaction_id is a char)
    assert gw.write("res.partner", [pid], {"country_id": 57, "name": "Trap 2"})


def test_rpc_errors_are_typed(gw):
    with pytest.raises(OdooValidationError):
        gw.create("sale.order", [{"client_order_ref": "no partner"}])
    with pytest.raises(OdooRpcError) as exc:
        gw.call("res.partner", "no_such_method", [[1]])
    assert exc.value.name == "builtins.AttributeError" and exc.value.method == "no_such_method"
    with pytest.raises(OdooRpcError):
        gw.search_read("res.partner", [("name", "like2", "x")], ["id"])


def test_iter_search_read_pages_stably(gw):
    ref = gln()
    ids = gw.create("res.partner", [{"name": f"P{i:03d}", "ref": ref} for i in range(23)])
    gw.reset_counts()
    got = list(gw.iter_search_read("res.partner", [("ref", "=", ref)], ["name"], order="id asc", page_size=10))
    assert [r["id"] for r in got] == ids
    assert gw.call_counts["res.partner.search_read"] == 3
    with pytest.raises(OdooValueError):
        list(gw.iter_search_read("res.partner", [], ["id"], order=""))


def test_incremental_read_by_write_date(gw):
    start = gw.search_read("res.partner", [], ["write_date"], order="write_date desc, id desc", limit=1)[0]["write_date"]
    [pid] = gw.create("res.partner", [{"name": "Fresh", "ref": gln()}])
    rows = gw.search_read("res.partner", [("write_date", ">=", start)], ["id", "write_date"],
                          order="write_date asc, id asc")
    assert pid in [r["id"] for r in rows]


def test_transient_faults_over_real_http(gw, odoo_sandbox):
    """Reads survive a dropped connection and an HTTP 500; a create hit by one is not re-sent."""
    ref = gln()
    odoo_sandbox.inject_fault("res.partner", "search_read", count=1, kind="drop")
    odoo_sandbox.inject_fault("res.partner", "search_read", count=1, kind="http500")
    gw.reset_counts()
    assert gw.search_read("res.partner", [("ref", "=", ref)], ["id"]) == []
    assert gw.call_counts["res.partner.search_read"] == 3
    odoo_sandbox.inject_fault("res.partner", "create", count=1, kind="drop")
    before = odoo_sandbox.call_counts["res.partner.create"]
    with pytest.raises(OdooConnectionError, match="not retried"):
        gw.create("res.partner", [{"name": "Once", "ref": ref}])
    assert odoo_sandbox.call_counts["res.partner.create"] - before == 1
    assert gw.search_count("res.partner", [("ref", "=", ref)]) == 0


def test_a_login_hit_by_a_transient_fault_is_tried_again_a_wrong_password_is_not(fresh_sandbox):
    from procuros_dagster.odoo.connection import open_session
    from procuros_dagster.odoo.errors import OdooAuthError

    fresh_sandbox.inject_fault(count=1, kind="http500")  # the next call: the login itself
    sleeps: list[float] = []
    open_session(fresh_sandbox.url, "procuros", "admin", "admin", sleep=sleeps.append)
    assert sleeps == [0.5] and fresh_sandbox.call_counts["common.login"] == 2
    with pytest.raises(OdooAuthError):
        open_session(fresh_sandbox.url, "procuros", "admin", "wrong", sleep=sleeps.append)
    assert sleeps == [0.5]
