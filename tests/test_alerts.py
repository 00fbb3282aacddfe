"""Alert channels against a local SMTP server and a local webhook receiver; the alerts settings."""

from __future__ import annotations

import socket

import pytest

from procuros_dagster.alerts import Alert, DeliveryError, EmailChannel, WebhookChannel, channels_from_settings
from procuros_dagster.settings import ConfigError, EmailAlerts, SettingsError, WebhookAlerts, parse_settings
from tests.conftest import SMTP_PASSWORD, SMTP_USER

WEBHOOK_SECRET = "webhook-secret-8c4f"
ALERT = Alert(subject="Procuros connector: 1 order(s) rejected", text="Order PO-1: GTIN 123 matches no product", key="k1")


def _email(smtp, **overrides) -> EmailAlerts:
    values = dict(to=("ops@example.com", "oncall@example.com"), sender="procuros@example.com", smtp_host=smtp.host,
                  smtp_port=smtp.port, starttls=False, username=SMTP_USER, password_env="ALERT_SMTP_PASSWORD")
    return EmailAlerts(**{**values, **overrides})


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


# --------------------------------------------------------------------------- e-mail


def test_email_goes_out_with_login_subject_and_recipients(smtp):
    EmailChannel(_email(smtp), SMTP_PASSWORD).send(ALERT)
    [msg] = smtp.messages
    assert msg["Subject"] == ALERT.subject
    assert msg["From"] == "procuros@example.com"
    assert msg["To"] == "ops@example.com, oncall@example.com"
    assert "GTIN 123 matches no product" in msg.get_content()
    assert smtp.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert SMTP_PASSWORD.encode() not in smtp.raw[0]


def test_email_the_same_problem_has_the_same_message_id(smtp):
    channel = EmailChannel(_email(smtp), SMTP_PASSWORD)
    channel.send(ALERT)
    channel.send(ALERT)
    channel.send(Alert("s", "t", key="k2"))
    ids = [m["Message-ID"] for m in smtp.messages]
    assert ids[0] == ids[1] != ids[2]


def test_email_a_4xx_is_retried_and_the_waits_are_recorded(smtp):
    smtp.refuse_next.append("451 4.3.0 try again later")
    slept = []
    EmailChannel(_email(smtp), SMTP_PASSWORD, sleep=slept.append).send(ALERT)
    assert len(smtp.messages) == 1 and slept == [2.0]


def test_email_a_5xx_is_not_retried(smtp):
    smtp.refuse_next.append("554 5.7.1 message refused")
    slept = []
    with pytest.raises(DeliveryError, match="refused the message: 554"):
        EmailChannel(_email(smtp), SMTP_PASSWORD, sleep=slept.append).send(ALERT)
    assert smtp.messages == [] and slept == []


def test_email_a_wrong_password_says_so_without_showing_it(smtp):
    with pytest.raises(DeliveryError) as exc:
        EmailChannel(_email(smtp), "wrong-pw-77aa").send(ALERT)
    assert "refused the login of 'alerts@example.com'" in str(exc.value)
    assert "wrong-pw-77aa" not in str(exc.value)


def test_email_unreachable_server_gives_up_after_three_attempts(smtp):
    slept = []
    port = _unused_port()
    with pytest.raises(DeliveryError, match=rf"cannot reach SMTP server 127.0.0.1:{port}.*gave up after 3 attempts"):
        EmailChannel(_email(smtp, smtp_port=port), SMTP_PASSWORD, sleep=slept.append).send(ALERT)
    assert slept == [2.0, 10.0]


def test_email_starttls_against_a_server_without_it_is_a_clear_error(smtp):
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        EmailChannel(_email(smtp, starttls=True), SMTP_PASSWORD).send(ALERT)
    assert smtp.messages == []


# --------------------------------------------------------------------------- webhook


def test_webhook_posts_the_text(webhook):
    WebhookChannel(webhook.url).send(ALERT)
    [call] = webhook.calls
    assert call["path"].endswith(WEBHOOK_SECRET)
    assert call["body"] == {"text": f"{ALERT.subject}\n\n{ALERT.text}"}


def test_webhook_5xx_and_429_are_retried_honouring_retry_after(webhook):
    webhook.answers += [(503, {}), (429, {"Retry-After": "7"})]
    slept = []
    WebhookChannel(webhook.url, sleep=slept.append).send(ALERT)
    assert [c["status"] for c in webhook.calls] == [503, 429, 200]
    assert slept == [2.0, 10.0]  # the backoff was longer than the Retry-After of 7 s
    webhook.calls.clear()
    webhook.answers += [(429, {"Retry-After": "30"})]
    WebhookChannel(webhook.url, sleep=slept.append).send(ALERT)
    assert slept[-1] == 30.0 and len(webhook.calls) == 2


def test_webhook_refusal_names_the_host_never_the_url(webhook):
    webhook.answers.append((404, {}))
    slept = []
    with pytest.raises(DeliveryError) as exc:
        WebhookChannel(webhook.url, sleep=slept.append).send(ALERT)
    assert "the webhook at 127.0.0.1 refused the alert (HTTP 404)" in str(exc.value)
    assert WEBHOOK_SECRET not in str(exc.value) and exc.value.__cause__ is None
    assert slept == [] and len(webhook.calls) == 1


def test_webhook_unreachable_gives_up_without_the_url():
    slept = []
    url = f"http://127.0.0.1:{_unused_port()}/hooks/{WEBHOOK_SECRET}"
    with pytest.raises(DeliveryError) as exc:
        WebhookChannel(url, sleep=slept.append).send(ALERT)
    assert "cannot reach the webhook at 127.0.0.1" in str(exc.value) and WEBHOOK_SECRET not in str(exc.value)
    assert slept == [2.0, 10.0]


def test_a_redirect_is_not_followed(webhook):
    webhook.answers.append((307, {"Location": "http://127.0.0.1:1/elsewhere"}))
    with pytest.raises(DeliveryError, match="HTTP 307"):
        WebhookChannel(webhook.url).send(ALERT)
    assert len(webhook.calls) == 1


# --------------------------------------------------------------------------- settings and secrets


def test_channels_read_their_secrets_from_the_environment(smtp, webhook):
    alerts = parse_settings({"alerts": {
        "email": {"to": ["ops@example.com"], "from": "procuros@example.com", "smtp_host": smtp.host,
                  "smtp_port": smtp.port, "starttls": False, "username": SMTP_USER, "password_env": "ALERT_SMTP_PASSWORD"},
        "webhook": {"url_env": "ALERT_WEBHOOK_URL"},
    }}).alerts
    env = {"ALERT_SMTP_PASSWORD": SMTP_PASSWORD, "ALERT_WEBHOOK_URL": webhook.url}
    for channel in channels_from_settings(alerts, env):
        channel.send(ALERT)
    assert len(smtp.messages) == 1 and len(webhook.calls) == 1
    with pytest.raises(ConfigError) as exc:
        channels_from_settings(alerts, {"ALERT_WEBHOOK_URL": "not a url " + WEBHOOK_SECRET})
    assert exc.value.problems == [
        "ALERT_SMTP_PASSWORD is not set (alerts.email.password_env names it)",
        "ALERT_WEBHOOK_URL does not hold an http(s) URL",
    ]


def test_alerts_settings_validation_names_every_problem_and_refuses_secrets():
    with pytest.raises(SettingsError) as exc:
        parse_settings({"alerts": {
            "email": {"to": ["ops@example.com", "nobody"], "from": "procuros@example.com", "smtp_host": "smtp.example.com",
                      "smtp_port": 70000, "password": "hunter2", "password_env": "1BAD"},
            "webhook": {"url": f"https://hooks.example.com/{WEBHOOK_SECRET}"},
            "dagster_ui": "http://127.0.0.1:3000",
        }}, "s.yaml")
    assert exc.value.problems == [
        "s.yaml: alerts.dagster_ui: unknown key; did you mean 'dagster_ui_url'?",
        "s.yaml: alerts.email.password: secrets do not belong in the settings file; use password_env: NAME (the environment variable holding the SMTP password)",
        "s.yaml: alerts.email.to: item 2: 'nobody' is not an e-mail address (name@example.com)",
        "s.yaml: alerts.email.smtp_port: 70000 is out of range; use 1-65535",
        "s.yaml: alerts.email.password_env: '1BAD' is not an environment variable name (letters, digits and _, e.g. PROCUROS_ALERT_WEBHOOK_URL)",
        "s.yaml: alerts.webhook.url: secrets do not belong in the settings file; use url_env: NAME (the environment variable holding the webhook URL)",
        "s.yaml: alerts.webhook.url_env: missing; it is required",
    ]
    assert "hunter2" not in str(exc.value) and WEBHOOK_SECRET not in str(exc.value)


def test_alerts_are_off_unless_a_channel_is_configured():
    assert not parse_settings(None).alerts.enabled
    assert not parse_settings({"alerts": None}).alerts.enabled
    s = parse_settings({"alerts": {"webhook": {"url_env": "HOOK"}, "dagster_ui_url": "http://127.0.0.1:3000/"}})
    assert s.alerts.enabled and s.alerts.webhook == WebhookAlerts(url_env="HOOK")
    assert s.alerts.dagster_ui_url == "http://127.0.0.1:3000"
    assert s.as_dict()["alerts"]["webhook"] == {"url_env": "HOOK", "timeout_seconds": 10}
