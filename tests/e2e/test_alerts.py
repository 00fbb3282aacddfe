"""Alerts from real Dagster runs: a failed run, a rejected order; once per problem; no secret sent or logged."""

from __future__ import annotations

import logging

import dagster as dg
import pytest

from procuros_dagster.defs.alerts import ALERT_KEY_TAG, ALERT_TAG, build_check_alert_sensor
from procuros_dagster.defs.build import build_definitions
from procuros_dagster.alerts import channels_from_settings
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.settings import parse_settings
from tests.conftest import SMTP_PASSWORD, SMTP_USER
from tests.e2e.conftest import ODOO_PASSWORD, TOKEN

WRONG_TOKEN = "e2e-wrong-token-0b9d"
WEBHOOK_SECRET = "webhook-secret-8c4f"
UI = "http://127.0.0.1:3000"


def _alert_settings(smtp):
    return parse_settings({"alerts": {
        "email": {"to": ["ops@example.com"], "from": "procuros@example.com", "smtp_host": smtp.host,
                  "smtp_port": smtp.port, "starttls": False, "username": SMTP_USER,
                  "password_env": "PROCUROS_ALERT_SMTP_PASSWORD"},
        "webhook": {"url_env": "PROCUROS_ALERT_WEBHOOK_URL"},
        "dagster_ui_url": UI,
    }})


@pytest.fixture
def alerting(stack, smtp, webhook, monkeypatch, caplog):
    monkeypatch.setenv("PROCUROS_ALERT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("PROCUROS_ALERT_WEBHOOK_URL", webhook.url)
    caplog.set_level(logging.DEBUG)
    stack.defs = build_definitions(_alert_settings(smtp))
    return stack


@pytest.fixture
def no_secret(smtp, webhook, caplog, capfd):
    """Asserts that nothing sent and nothing logged (Python logging, the Dagster log on
    stdout/stderr) holds a secret; extra texts (a cursor, a tick's message) are checked too."""

    def check(*extra: str) -> None:
        out, err = capfd.readouterr()
        seen = [*(m.decode(errors="replace") for m in smtp.raw), *(c["raw"].decode() for c in webhook.calls),
                caplog.text, out, err, *extra]
        assert smtp.raw or webhook.calls  # something was sent to look at
        for secret in (TOKEN, WRONG_TOKEN, ODOO_PASSWORD, SMTP_PASSWORD, WEBHOOK_SECRET):
            assert not any(secret in s for s in seen), f"a secret leaked: {secret[:6]}…"

    return check


def _sensor(stack, name: str):
    return next(s for s in stack.defs.sensors if s.name == name)


def _run_failure_tick(stack, result) -> object:
    sensor = _sensor(stack, "procuros_run_failure_alerts")
    run = stack.instance.get_run_by_id(result.run_id)
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=result.get_run_failure_event(),
        dagster_instance=stack.instance, dagster_run=run,
    ).for_run_failure()
    return sensor(context)


def test_a_failed_run_alerts_once_per_problem_by_mail_and_webhook(alerting, smtp, webhook, monkeypatch, no_secret):
    stack = alerting
    monkeypatch.setenv("PROCUROS_API_TOKEN", WRONG_TOKEN)
    first = stack.run("import_sales_orders")
    assert not first.success
    _run_failure_tick(stack, first)

    [mail] = smtp.messages
    [call] = webhook.calls
    assert mail["Subject"] == f"Procuros connector: import_sales_orders for {stack.today} failed"
    body = mail.get_content()
    assert "failed in step procuros_orders_raw" in body
    assert "Reason: ProcurosAuthError: GET /v2/transactions 401: Unauthenticated." in body
    assert "check PROCUROS_API_TOKEN" in body
    assert f"{UI}/runs/{first.run_id}" in body
    assert call["body"]["text"].startswith(mail["Subject"])
    assert f"{UI}/runs/{first.run_id}" in call["body"]["text"]
    tags = stack.instance.get_run_by_id(first.run_id).tags
    assert tags[ALERT_TAG] == "sent by email and webhook" and ALERT_KEY_TAG in tags

    # The same failure on the next tick's run: nothing new, and the run says why.
    second = stack.run("import_sales_orders")
    assert not second.success
    skip = _run_failure_tick(stack, second)
    assert len(smtp.messages) == 1 and len(webhook.calls) == 1
    assert first.run_id in skip.skip_message
    assert stack.instance.get_run_by_id(second.run_id).tags[ALERT_TAG] == f"not sent again: same problem as run {first.run_id}"

    # Fixed, then broken again: a new problem, a new alert.
    monkeypatch.setenv("PROCUROS_API_TOKEN", TOKEN)
    assert stack.run("import_sales_orders").success
    monkeypatch.setenv("PROCUROS_API_TOKEN", WRONG_TOKEN)
    third = stack.run("import_sales_orders")
    _run_failure_tick(stack, third)
    assert len(smtp.messages) == 2 and len(webhook.calls) == 2
    assert third.run_id in smtp.messages[1].get_content()
    no_secret()


def _check_tick(sensor, stack, cursor):
    context = dg.build_sensor_context(instance=stack.instance, cursor=cursor)
    result = sensor(context)
    return result, context.cursor


def test_a_rejected_order_alerts_once_naming_the_order_and_the_reason(alerting, smtp, webhook, no_secret):
    stack = alerting
    sensor = _sensor(stack, "procuros_check_alerts")
    stack.enqueue_order(dd.order_content("PO-OLD-1", [{"gtin": "4300348765456", "quantity": 3}]))
    assert stack.run("import_sales_orders").success
    # A sensor without a cursor (new, or reset) starts at the runs finishing from then on: the
    # history is not replayed.
    result, cursor = _check_tick(sensor, stack, None)
    assert result.skip_message == "No new problems" and smtp.messages == []

    stack.enqueue_order(dd.order_content("PO-OK-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    bad = stack.enqueue_order(dd.order_content("PO-BAD-1", [{"gtin": "4300348765432", "quantity": 3}]))
    run = stack.run("import_sales_orders")
    assert run.success  # a rejected order does not fail the run: the check does

    result, cursor = _check_tick(sensor, stack, cursor)
    assert result.skip_message == "Sent 1 alert(s) by email, 1 alert(s) by webhook"
    [mail] = smtp.messages
    [call] = webhook.calls
    assert mail["Subject"] == f"Procuros connector: 1 order(s) rejected for {stack.today}: PO-BAD-1"
    body = mail.get_content()
    assert f"Order PO-BAD-1 (buyer GLN {dd.BUYER_GLN}, Procuros transaction {bad}): " in body
    assert "line 1: GTIN 4300348765432 matches no product" in body
    assert "PO-OK-1" not in body and "PO-OLD-1" not in body
    assert f"{UI}/runs/{run.run_id}" in body
    text = call["body"]["text"]
    assert text.startswith(mail["Subject"] + "\n\n")
    assert f"Order PO-BAD-1 (buyer GLN {dd.BUYER_GLN}, Procuros transaction {bad}): " in text
    assert "GTIN 4300348765432 matches no product" in text and f"{UI}/runs/{run.run_id}" in text

    # The next tick: nothing new.
    result, cursor = _check_tick(sensor, stack, cursor)
    assert result.skip_message == "No new problems"
    assert len(smtp.messages) == 1 and len(webhook.calls) == 1

    # Another run with another rejected order: only the new one is reported.
    stack.enqueue_order(dd.order_content("PO-BAD-2", [{"gtin": "4300348765449", "quantity": 1}]))
    assert stack.run("import_sales_orders").success
    _check_tick(sensor, stack, cursor)
    assert len(smtp.messages) == 2
    second = smtp.messages[1].get_content()
    assert "PO-BAD-2" in second and "PO-BAD-1" not in second
    no_secret(cursor)


def test_a_document_procuros_refuses_alerts_once_although_every_run_retries_it(alerting, smtp, webhook, no_secret):
    stack = alerting
    sensor = _sensor(stack, "procuros_check_alerts")
    _, cursor = _check_tick(sensor, stack, None)
    stack.enqueue_order(dd.order_content("PO-REFUSED", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders()
    picking, _ = dd.deliver(stack.gateway, order["id"])
    [delivery] = stack.gateway.read("stock.picking", [picking], ["name"])
    stack.procuros.partners = {"4000000000001"}  # our buyer is not a connected partner: 422

    assert stack.run("export_shipping_notices").success
    _, cursor = _check_tick(sensor, stack, cursor)
    [mail] = smtp.messages
    assert mail["Subject"] == f"Procuros connector: 1 document(s) not sent for {stack.today}: {delivery['name']}"
    body = mail.get_content()
    assert f"- {delivery['name']}: " in body and "Could not resolve party" in body
    assert "fix them in Odoo and the next run sends them" in body

    assert stack.run("export_shipping_notices").success  # still refused: the check fails again
    result, cursor = _check_tick(sensor, stack, cursor)
    assert result.skip_message == "No new problems"
    assert len(smtp.messages) == 1 and len(webhook.calls) == 1
    no_secret(cursor)


def test_a_channel_that_fails_neither_blocks_nor_duplicates_the_other(alerting, smtp, webhook, no_secret):
    stack = alerting
    slept: list[float] = []
    alerts = _alert_settings(smtp).alerts
    channels = channels_from_settings(alerts, stack_env := {
        "PROCUROS_ALERT_SMTP_PASSWORD": SMTP_PASSWORD, "PROCUROS_ALERT_WEBHOOK_URL": webhook.url}, sleep=slept.append)
    assert stack_env  # the secrets come from this environment only
    sensor = build_check_alert_sensor(["import_sales_orders"], [dg.AssetCheckKey(dg.AssetKey("resolved_orders"), "orders_resolve_cleanly")],
                                      alerts, channels=channels)
    _, cursor = _check_tick(sensor, stack, None)
    stack.enqueue_order(dd.order_content("PO-BAD-1", [{"gtin": "4300348765432", "quantity": 3}]))
    assert stack.run("import_sales_orders").success

    webhook.answers += [(503, {})] * 3  # down for the whole tick
    result, cursor = _check_tick(sensor, stack, cursor)
    assert result.skip_message.startswith("Not delivered, tried again next tick: webhook: the webhook at 127.0.0.1 answered HTTP 503")
    assert len(smtp.messages) == 1 and slept == [2.0, 10.0]

    result, cursor = _check_tick(sensor, stack, cursor)  # the webhook is back
    assert result.skip_message == "Sent 1 alert(s) by webhook"
    assert len(smtp.messages) == 1
    assert "PO-BAD-1" in webhook.texts()[0] and len(webhook.texts()) == 1
    result, cursor = _check_tick(sensor, stack, cursor)
    assert result.skip_message == "No new problems"
    no_secret(cursor)


def test_an_alert_that_cannot_be_delivered_fails_the_tick_and_is_not_remembered(alerting, smtp, webhook, monkeypatch, no_secret):
    stack = alerting
    monkeypatch.setenv("PROCUROS_API_TOKEN", WRONG_TOKEN)
    webhook.answers.append((404, {}))  # e.g. the chat's webhook was deleted
    first = stack.run("import_sales_orders")
    with pytest.raises(Exception, match=r"the webhook at 127.0.0.1 refused the alert \(HTTP 404\)"):
        _run_failure_tick(stack, first)
    tags = stack.instance.get_run_by_id(first.run_id).tags
    assert tags[ALERT_TAG] == "sent by email" and ALERT_KEY_TAG not in tags
    # not remembered: the same failure again is alerted again
    second = stack.run("import_sales_orders")
    _run_failure_tick(stack, second)
    assert len(smtp.messages) == 2 and len(webhook.texts()) == 1
    no_secret()


def test_a_missing_secret_variable_fails_the_tick_naming_it(alerting, monkeypatch):
    monkeypatch.delenv("PROCUROS_ALERT_WEBHOOK_URL")
    sensor = _sensor(alerting, "procuros_check_alerts")
    with pytest.raises(Exception, match="PROCUROS_ALERT_WEBHOOK_URL is not set"):
        _check_tick(sensor, alerting, None)


def test_alert_sensors_exist_only_when_alerts_are_configured(smtp):
    names = lambda defs: {s.name for s in defs.sensors}  # noqa: E731
    assert not names(build_definitions(parse_settings(None))) & {"procuros_run_failure_alerts", "procuros_check_alerts"}
    assert {"procuros_run_failure_alerts", "procuros_check_alerts"} <= names(build_definitions(_alert_settings(smtp)))


def test_a_channel_added_later_starts_from_then_on(alerting, smtp, webhook, no_secret):
    stack = alerting
    alerts = _alert_settings(smtp).alerts
    env = {"PROCUROS_ALERT_SMTP_PASSWORD": SMTP_PASSWORD, "PROCUROS_ALERT_WEBHOOK_URL": webhook.url}
    email, hook = channels_from_settings(alerts, env)
    checks = [dg.AssetCheckKey(dg.AssetKey("resolved_orders"), "orders_resolve_cleanly")]
    mail_only = build_check_alert_sensor(["import_sales_orders"], checks, alerts, channels=[email])
    _, cursor = _check_tick(mail_only, stack, None)
    stack.enqueue_order(dd.order_content("PO-BAD-1", [{"gtin": "4300348765432", "quantity": 3}]))
    assert stack.run("import_sales_orders").success
    _, cursor = _check_tick(mail_only, stack, cursor)
    assert len(smtp.messages) == 1

    both = build_check_alert_sensor(["import_sales_orders"], checks, alerts, channels=[email, hook])
    result, cursor = _check_tick(both, stack, cursor)
    assert result.skip_message == "No new problems" and webhook.calls == []
    stack.enqueue_order(dd.order_content("PO-BAD-2", [{"gtin": "4300348765449", "quantity": 1}]))
    assert stack.run("import_sales_orders").success
    _check_tick(both, stack, cursor)
    assert len(smtp.messages) == 2 and len(webhook.texts()) == 1
    assert "PO-BAD-2" in webhook.texts()[0] and "PO-BAD-1" not in webhook.texts()[0]
    no_secret(cursor)
