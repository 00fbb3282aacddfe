"""Typed Procuros API errors.  Messages carry endpoint, status and Procuros' own text — never
request headers, so the bearer token cannot leak through ``str(exc)``/``repr(exc)``."""

from __future__ import annotations

from typing import Any


class ProcurosError(Exception):
    def __init__(self, message: str, *, status: int | None = None, endpoint: str | None = None,
                 errors: dict[str, list[str]] | None = None, error_url: str | None = None,
                 attempts: int = 1) -> None:
        self.message = message
        self.status = status
        self.endpoint = endpoint
        self.errors = errors or {}
        self.error_url = error_url
        self.attempts = attempts
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.endpoint or "procuros"]
        if self.status is not None:
            parts.append(str(self.status))
        text = f"{' '.join(parts)}: {self.message}"
        if self.errors:
            text += " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items())
        if self.attempts > 1:
            text += f" (after {self.attempts} attempts)"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, endpoint={self.endpoint!r}, message={self.message!r})"


class ProcurosAuthError(ProcurosError):
    """401/403: token missing, wrong environment or lacking permission."""


class ProcurosNotFound(ProcurosError):
    """404."""


class ProcurosValidationError(ProcurosError):
    """422 (and non-duplicate 400 on send): needs a data fix, never retried."""


class ProcurosRateLimited(ProcurosError):
    """429 after retries were exhausted."""


class ProcurosServerError(ProcurosError):
    """5xx after retries were exhausted."""


class ProcurosTransportError(ProcurosError):
    """Network failure or timeout after retries were exhausted."""


def error_for_status(status: int, body: Any, endpoint: str, attempts: int = 1) -> ProcurosError:
    body = body if isinstance(body, dict) else {}
    message = str(body.get("message") or f"HTTP {status}")
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else None
    kwargs = dict(status=status, endpoint=endpoint, errors=errors, error_url=body.get("errorUrl"), attempts=attempts)
    if status in (401, 403):
        cls = ProcurosAuthError
    elif status == 404:
        cls = ProcurosNotFound
    elif status in (400, 422):
        cls = ProcurosValidationError
    elif status == 429:
        cls = ProcurosRateLimited
    elif status >= 500:
        cls = ProcurosServerError
    else:
        cls = ProcurosError
    return cls(message, **kwargs)
