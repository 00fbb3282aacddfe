"""Exceptions that travel over the wire with Odoo's class path in ``data.name``."""
from __future__ import annotations


class OdooRpcError(Exception):
    """Base: ``name`` is the Python class path Odoo reports; ``short`` heads the debug line."""

    name = "odoo.exceptions.UserError"
    code = 200

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def short(self) -> str:
        return self.name.split(".", 1)[1] if self.name.startswith("builtins.") else self.name


class UserError(OdooRpcError):
    name = "odoo.exceptions.UserError"


class ValidationError(OdooRpcError):
    name = "odoo.exceptions.ValidationError"


class AccessError(OdooRpcError):
    name = "odoo.exceptions.AccessError"


class AccessDenied(OdooRpcError):
    name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied"):
        super().__init__(message)


class MissingError(OdooRpcError):
    name = "odoo.exceptions.MissingError"


class RpcValueError(OdooRpcError):
    name = "builtins.ValueError"


class RpcKeyError(OdooRpcError):
    name = "builtins.KeyError"


class RpcAttributeError(OdooRpcError):
    name = "builtins.AttributeError"


class RpcTypeError(OdooRpcError):
    name = "builtins.TypeError"


class InvalidTextRepresentation(OdooRpcError):
    name = "psycopg2.errors.InvalidTextRepresentation"


class SessionExpired(OdooRpcError):
    name = "odoo.http.SessionExpiredException"
    code = 100

    def __init__(self, message: str = "Session expired"):
        super().__init__(message)


def error_payload(exc: OdooRpcError) -> dict:
    """The ``error`` member exactly as Odoo 17 shapes it (debug keeps only the last line)."""
    debug_head = exc.message.split("\n", 1)[0]
    return {
        "code": exc.code,
        "message": "Odoo Session Expired" if exc.code == 100 else "Odoo Server Error",
        "data": {
            "name": exc.name,
            "debug": f"{exc.short}: {debug_head}  [traceback elided]",
            "message": exc.message,
            "arguments": [exc.message],
            "context": {},
        },
    }
