"""Alerts to people: texts an operator understands (messages.py) and the channels that carry
them, e-mail over SMTP and a webhook (channels.py). No Dagster here; defs/alerts.py decides what
is worth an alert and remembers what was already sent."""

from procuros_dagster.alerts.channels import (
    Alert,
    AlertChannel,
    DeliveryError,
    EmailChannel,
    WebhookChannel,
    channels_from_settings,
)

__all__ = ["Alert", "AlertChannel", "DeliveryError", "EmailChannel", "WebhookChannel", "channels_from_settings"]
