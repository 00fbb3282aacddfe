"""Typed errors of the Odoo gateway.

Messages name the server, database, model and method, never the password: every text that may
carry server output goes through :func:`scrub` before it ends up in an exception.
"""

from __future__ import annotations


#: the Odoo group that setup gives the integration user (named in access errors)
CONNECTOR_GROUP = "Procuros connector"


class OdooError(Exception):
    """Base class of every error raised by :mod:`procuros_dagster.odoo`."""


# --- connecting -------------------------------------------------------------------------------
class OdooConnectionError(OdooError):
    """The server cannot be reached, or answered with something that is not Odoo JSON-RPC."""


class OdooAuthError(OdooError):
    """Wrong login or password (the password itself is never part of the message)."""


class OdooDatabaseError(OdooError):
    """The database does not exist on the server."""


class OdooVersionError(OdooError):
    """The server is not Odoo 17."""


# --- RPC ----------------------------------------------------------------------------------------
class OdooRpcError(OdooError):
    """An exception raised by Odoo itself while executing ``model.method``.

    ``name`` is the Python class path Odoo reports (``odoo.exceptions.UserError``,
    ``builtins.ValueError``, ...), ``message`` its text.
    """

    def __init__(self, model: str, method: str, name: str, message: str, debug: str = ""):
        self.model = model
        self.method = method
        self.name = name
        self.message = message
        self.debug = debug
        super().__init__(f"{model}.{method} failed: {name}: {message}")


class OdooUserError(OdooRpcError):
    """odoo.exceptions.UserError: a business rule refused the operation."""


class OdooValidationError(OdooRpcError):
    """odoo.exceptions.ValidationError: a constraint or a mandatory field."""


class OdooAccessError(OdooRpcError):
    """odoo.exceptions.AccessError / AccessDenied: missing rights (or a private method)."""


class OdooMissingError(OdooRpcError):
    """odoo.exceptions.MissingError: the record does not exist (write/unlink/action on a missing id)."""


_RPC_ERRORS: dict[str, type[OdooRpcError]] = {
    "odoo.exceptions.UserError": OdooUserError,
    "odoo.exceptions.RedirectWarning": OdooUserError,
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.AccessError": OdooAccessError,
    "odoo.exceptions.AccessDenied": OdooAccessError,
    "odoo.exceptions.MissingError": OdooMissingError,
}


def rpc_error_class(name: str) -> type[OdooRpcError]:
    return _RPC_ERRORS.get(name, OdooRpcError)


# --- client-side checks -------------------------------------------------------------------------
class OdooValueError(OdooError, ValueError):
    """A value the gateway refuses to send because Odoo would silently mangle it."""


class OdooLookupError(OdooError, LookupError):
    """Names or external ids that resolve to no record, or to more than one."""

    def __init__(self, model: str, unknown=(), ambiguous=()):
        self.model = model
        self.unknown = list(unknown)
        self.ambiguous = list(ambiguous)
        parts = []
        if self.unknown:
            parts.append("unknown: " + ", ".join(repr(r) for r in self.unknown))
        if self.ambiguous:
            parts.append("ambiguous (several records): " + ", ".join(repr(r) for r in self.ambiguous))
        super().__init__(f"{model}: " + "; ".join(parts))


class OdooBindingConflictError(OdooError):
    """A binding name already points at another record: the document was written twice."""


class SetupMissingError(OdooError):
    """Odoo lacks the custom fields the connector provisions (run the setup job first)."""


def scrub(text: str, *secrets: str | None) -> str:
    """Remove secrets from text that came back from the server or from a library."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text
