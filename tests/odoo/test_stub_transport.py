"""Version check, retries and error mapping against a scripted stub server (no sandbox needed)."""

import logging
import socket

import pytest

from procuros_dagster.odoo import (
    OdooAuthError,
    OdooConnectionError,
    OdooDatabaseError,
    OdooGateway,
    OdooMissingError,
    OdooRpcError,
    OdooUserError,
    OdooVersionError,
)
from procuros_dagster.odoo.connection import parse_url

from odoo_stub_server import StubOdoo

SECRET = "Sup3r-S3cret-pw!"


@pytest.fixture
def stub():
    s = StubOdoo(password=SECRET)
    s.url = s.start()
    yield s
    s.stop()


def connect(stub, password=SECRET, db="procuros"):
    gw = OdooGateway.connect(stub.url, db, "admin", password, timeout=5)
    gw.backoff = 0.001
    return gw


def test_parse_url():
    e = parse_url("https://erp.example.com")
    assert (e.host, e.protocol, e.port) == ("erp.example.com", "jsonrpc+ssl", 443)
    e = parse_url("http://127.0.0.1:8069")
    assert (e.host, e.protocol, e.port) == ("127.0.0.1", "jsonrpc", 8069)
    assert parse_url("http://odoo.local").port == 80
    assert parse_url("https://erp.example.com:8443/").port == 8443
    with pytest.raises(OdooConnectionError):
        parse_url("ftp://erp.example.com")
    with pytest.raises(OdooConnectionError) as exc:
        parse_url("https://user:pw@:x")
    assert "pw" not in str(exc.value)


def test_wrong_version_is_refused_before_login():
    s = StubOdoo(version="16.0")
    url = s.start()
    try:
        with pytest.raises(OdooVersionError) as exc:
            OdooGateway.connect(url, "procuros", "admin", SECRET, timeout=5)
        assert "16.0" in str(exc.value)
        assert not any(r.get("params", {}).get("service") == "common" for r in s.requests)  # no password sent
    finally:
        s.stop()


def test_saas_17_versions_accepted():
    s = StubOdoo(version="saas~17.2")
    url = s.start()
    try:
        assert OdooGateway.connect(url, "procuros", "admin", "admin", timeout=5).uid == 2
    finally:
        s.stop()


def test_login_errors(stub):
    with pytest.raises(OdooAuthError) as exc:
        connect(stub, password="wrong-" + SECRET)
    assert SECRET not in str(exc.value) and "admin" in str(exc.value)
    with pytest.raises(OdooDatabaseError) as exc:
        connect(stub, db="nope")
    assert "'nope'" in str(exc.value) and SECRET not in str(exc.value)


def test_closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(OdooConnectionError) as exc:
        OdooGateway.connect(f"http://127.0.0.1:{port}", "procuros", "admin", SECRET, timeout=2)
    assert f"127.0.0.1:{port}" in str(exc.value)


def test_reads_are_retried_on_5xx_and_dropped_connections(stub):
    gw = connect(stub)
    stub.script["res.partner.search_read"].extend([("http", 503), ("drop",), ("http", 502),
                                                    ("result", [{"id": 7}])])
    assert gw.search_read("res.partner", [], ["id"]) == [{"id": 7}]
    assert stub.calls["res.partner.search_read"] == 4
    assert gw.rpc_count == 4 and gw.call_counts["res.partner.search_read"] == 4


def test_reads_give_up_after_max_retries(stub):
    gw = connect(stub)
    stub.script["res.partner.read"].extend([("http", 503)] * 10)
    with pytest.raises(OdooConnectionError) as exc:
        gw.read("res.partner", [1], ["name"])
    assert stub.calls["res.partner.read"] == gw.max_retries + 1
    assert SECRET not in str(exc.value)


@pytest.mark.parametrize("method,call", [
    ("create", lambda gw: gw.create("sale.order", [{"partner_id": 1}])),
    ("write", lambda gw: gw.write("sale.order", [1], {"note": "x"})),
    ("action_confirm", lambda gw: gw.confirm_sale_orders([1])),
])
def test_writes_and_actions_are_never_retried(stub, method, call):
    gw = connect(stub)
    stub.script[f"sale.order.{method}"].extend([("http", 503), ("result", True)])
    with pytest.raises(OdooConnectionError) as exc:
        call(gw)
    assert "not retried" in str(exc.value)
    assert stub.calls[f"sale.order.{method}"] == 1


def test_rpc_errors_are_typed(stub):
    gw = connect(stub)
    stub.script["sale.order.action_confirm"].append(
        ("error", "odoo.exceptions.UserError", "The following orders are not in a state requiring confirmation: S00001"))
    with pytest.raises(OdooUserError) as exc:
        gw.confirm_sale_orders([1])
    e = exc.value
    assert (e.model, e.method, e.name) == ("sale.order", "action_confirm", "odoo.exceptions.UserError")
    assert "S00001" in e.message
    stub.script["res.partner.write"].append(("error", "odoo.exceptions.MissingError", "Record does not exist"))
    with pytest.raises(OdooMissingError):
        gw.write("res.partner", [999999], {"name": "x"})
    stub.script["res.partner.search_read"].append(("error", "builtins.ValueError", "Invalid leaf"))
    with pytest.raises(OdooRpcError) as exc:
        gw.search_read("res.partner", [("name", "like2", "x")], ["id"])
    assert type(exc.value) is OdooRpcError and exc.value.name == "builtins.ValueError"
    assert stub.calls["res.partner.search_read"] == 1  # an Odoo error is final, not transient


def test_password_never_logged_nor_in_repr(stub, caplog):
    caplog.set_level(logging.DEBUG)
    gw = connect(stub)
    gw.search_read("res.partner", [], ["id"])
    assert any("execute_kw" in r.getMessage() for r in caplog.records)  # odoorpc did log the requests
    assert SECRET not in caplog.text
    assert SECRET not in repr(gw) and SECRET not in str(vars(gw).get("context"))
