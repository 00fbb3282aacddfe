"""Procuros REST API v2: client, the models of its transactions and results, and the vendored
OpenAPI document (documents are plain dicts, checked against it by ``validate_document``).

Knows nothing of Dagster or Odoo.
"""

from .client import ProcurosClient
from .errors import (ProcurosAuthError, ProcurosError, ProcurosNotFound, ProcurosRateLimited,
                     ProcurosServerError, ProcurosTransportError, ProcurosValidationError)
from .models import (AckResult, Acknowledgement, Page, ReceivedTransaction, SendOutcome, SendStatus,
                     Transaction)
from .openapi import validate_document, validate_request, validate_response
from .retry import RetryPolicy

__all__ = [
    "ProcurosClient", "RetryPolicy",
    "ProcurosError", "ProcurosAuthError", "ProcurosNotFound", "ProcurosValidationError",
    "ProcurosRateLimited", "ProcurosServerError", "ProcurosTransportError",
    "ReceivedTransaction", "Transaction", "Page", "Acknowledgement", "AckResult", "SendOutcome",
    "SendStatus",
    "validate_document", "validate_request", "validate_response",
]
