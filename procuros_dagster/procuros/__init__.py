"""Procuros REST API v2: client, document models and the vendored OpenAPI document.

Knows nothing of Dagster or Odoo.
"""

from .client import ProcurosClient
from .errors import (ProcurosAuthError, ProcurosError, ProcurosNotFound, ProcurosRateLimited,
                     ProcurosServerError, ProcurosTransportError, ProcurosValidationError)
from .models import (AckResult, Acknowledgement, CreditNote, DocumentInvalid, Invoice, Order,
                     OrderResponse, Page, ReceivedTransaction, SendOutcome, SendStatus,
                     ShippingNotice, Transaction, TransactionType, parse_document)
from .openapi import validate_document, validate_request, validate_response
from .retry import RetryPolicy

__all__ = [
    "ProcurosClient", "RetryPolicy",
    "ProcurosError", "ProcurosAuthError", "ProcurosNotFound", "ProcurosValidationError",
    "ProcurosRateLimited", "ProcurosServerError", "ProcurosTransportError",
    "ReceivedTransaction", "Transaction", "Page", "Acknowledgement", "AckResult", "SendOutcome",
    "SendStatus", "TransactionType", "Order", "OrderResponse", "ShippingNotice", "Invoice",
    "CreditNote", "DocumentInvalid", "parse_document",
    "validate_document", "validate_request", "validate_response",
]
