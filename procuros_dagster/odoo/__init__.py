"""Odoo 17 gateway over odoorpc (JSON-RPC). Knows nothing about Dagster."""

from .actions import ValidationSummary
from .binder import Binder
from .errors import (
    OdooAccessError,
    OdooAuthError,
    OdooBindingConflictError,
    OdooConnectionError,
    OdooDatabaseError,
    OdooError,
    OdooLookupError,
    OdooMissingError,
    OdooRpcError,
    OdooUserError,
    OdooValidationError,
    OdooValueError,
    OdooVersionError,
    SetupMissingError,
)
from .exchange_log import ExchangeLog, LogEntry
from .gateway import OdooGateway

__all__ = [
    "OdooGateway", "ValidationSummary", "Binder", "ExchangeLog", "LogEntry",
    "OdooError", "OdooConnectionError", "OdooAuthError", "OdooDatabaseError", "OdooVersionError",
    "OdooRpcError", "OdooUserError", "OdooValidationError", "OdooAccessError", "OdooMissingError",
    "OdooValueError", "OdooLookupError", "OdooBindingConflictError", "SetupMissingError",
]
