"""Sending an alert by e-mail (smtplib) or to a webhook (urllib), with retries on transient failures.

Secrets (the SMTP password, the webhook URL, which carries its token) are handed in from the
environment and never appear in an error raised here: a DeliveryError names the channel, the
server's host and the reason only. The webhook goes through urllib rather than httpx because
httpx logs every request's full URL at INFO level.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Callable, Mapping, Protocol

from procuros_dagster.settings import AlertSettings, ConfigError, EmailAlerts, WebhookAlerts

ATTEMPTS = 3
BACKOFF_SECONDS = (2.0, 10.0)  # before the 2nd and the 3rd attempt
MAX_RETRY_AFTER = 60.0  # a webhook's Retry-After is honoured up to this
# headers unfolded up to RFC 5322's hard limit: Python folds a long subject right after
# "Subject:", which some readers show with a leading blank
_POLICY = email_policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str
    key: str  # what the alert is about; the same key gives the same e-mail Message-ID


class DeliveryError(RuntimeError):
    """An alert could not be delivered; the text names the channel and the reason, never a secret."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class AlertChannel(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


def _with_retries(channel: str, attempt: Callable[[], None], sleep: Callable[[float], None]) -> None:
    for number in range(1, ATTEMPTS + 1):
        try:
            attempt()
            return
        except _Transient as exc:
            if number == ATTEMPTS:
                raise DeliveryError(f"{channel}: {exc} (gave up after {ATTEMPTS} attempts)") from None
            wait = BACKOFF_SECONDS[min(number, len(BACKOFF_SECONDS)) - 1]
            if exc.retry_after is not None:
                wait = min(max(wait, exc.retry_after), MAX_RETRY_AFTER)
            sleep(wait)


class EmailChannel:
    name = "email"

    def __init__(self, options: EmailAlerts, password: str | None = None, *, sleep: Callable[[float], None] = time.sleep):
        self._options = options
        self._password = password
        self._sleep = sleep

    def _message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = self._options.sender
        msg["To"] = ", ".join(self._options.to)
        msg["Subject"] = alert.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        # the same problem gives the same Message-ID, so a mail client shows a retried send once
        digest = hashlib.sha1(alert.key.encode()).hexdigest()[:20]
        msg["Message-ID"] = f"<procuros-dagster.{digest}@{self._options.sender.rpartition('@')[2]}>"
        msg.set_content(alert.text)
        return msg

    def _attempt(self, msg: EmailMessage) -> None:
        o = self._options
        where = f"SMTP server {o.smtp_host}:{o.smtp_port}"
        try:
            with smtplib.SMTP(o.smtp_host, o.smtp_port, timeout=o.timeout_seconds) as smtp:
                if o.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if o.username:
                    smtp.login(o.username, self._password or "")
                smtp.send_message(msg)
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"email: {where} does not offer STARTTLS; set alerts.email.starttls: false only for a server on a trusted network"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"email: {where} refused the login of {o.username!r} ({exc.smtp_code}); check the user and the password variable") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            if all(400 <= c < 500 for c in codes):
                raise _Transient(f"{where} deferred the recipients ({', '.join(map(str, sorted(codes)))})") from None
            raise DeliveryError(f"email: {where} refused the recipients {', '.join(sorted(exc.recipients))}") from None
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                raise _Transient(f"{where} answered {exc.smtp_code} {text}") from None
            raise DeliveryError(f"email: {where} refused the message: {exc.smtp_code} {text}") from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"email: TLS with {where} failed ({exc.reason or exc.__class__.__name__})") from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out, disconnected
            raise _Transient(f"cannot reach {where} ({exc.__class__.__name__}: {exc})") from None

    def send(self, alert: Alert) -> None:
        msg = self._message(alert)
        _with_retries(self.name, lambda: self._attempt(msg), self._sleep)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx surfaces as an HTTPError: an alert is never posted somewhere else


class WebhookChannel:
    """POSTs {"text": ...}, the body incoming webhooks of Slack, Mattermost, Rocket.Chat and
    Google Chat accept."""

    name = "webhook"

    def __init__(self, url: str, options: WebhookAlerts | None = None, *, sleep: Callable[[float], None] = time.sleep):
        self._url = url
        self._timeout = (options or WebhookAlerts(url_env="-")).timeout_seconds
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect)
        # only the host is ever shown: the path and query carry the webhook's token
        self.host = urllib.parse.urlsplit(url).hostname or "?"

    def _attempt(self, body: bytes) -> None:
        request = urllib.request.Request(
            self._url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "procuros-dagster alerts"},
        )
        where = f"the webhook at {self.host}"
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            if status == 429 or status >= 500:
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                try:
                    wait = float(retry_after) if retry_after else None
                except ValueError:
                    wait = None
                raise _Transient(f"{where} answered HTTP {status}", wait) from None
            raise DeliveryError(f"webhook: {where} refused the alert (HTTP {status}); check the URL in the variable named by alerts.webhook.url_env") from None
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
            reason = getattr(exc, "reason", exc)
            raise _Transient(f"cannot reach {where} ({reason.__class__.__name__})") from None

    def send(self, alert: Alert) -> None:
        body = json.dumps({"text": f"{alert.subject}\n\n{alert.text}"}).encode("utf-8")
        _with_retries(self.name, lambda: self._attempt(body), self._sleep)


def channels_from_settings(
    alerts: AlertSettings, environ: Mapping[str, str], *, sleep: Callable[[float], None] = time.sleep
) -> list[AlertChannel]:
    """The configured channels with their secrets read from the environment now."""
    problems: list[str] = []
    channels: list[AlertChannel] = []
    if alerts.email:
        password = None
        if alerts.email.password_env:
            password = environ.get(alerts.email.password_env) or None
            if password is None:
                problems.append(f"{alerts.email.password_env} is not set (alerts.email.password_env names it)")
        channels.append(EmailChannel(alerts.email, password, sleep=sleep))
    if alerts.webhook:
        url = (environ.get(alerts.webhook.url_env) or "").strip()
        parts = urllib.parse.urlsplit(url)
        if not url:
            problems.append(f"{alerts.webhook.url_env} is not set (alerts.webhook.url_env names it)")
        elif parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{alerts.webhook.url_env} does not hold an http(s) URL")
        else:
            channels.append(WebhookChannel(url, alerts.webhook, sleep=sleep))
    if problems:
        raise ConfigError(problems, "alerts cannot be sent")
    return channels
