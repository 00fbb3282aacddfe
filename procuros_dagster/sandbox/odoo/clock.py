"""The Odoo sandbox's time, injectable so that nothing it computes depends on the day a test runs.

A :class:`Clock` is the wall clock (default), the wall clock shifted so that it starts at a given
moment and then ticks (``start=``), or one fixed moment (``frozen=``). Each sandbox carries one;
the business code reads it through :func:`now` / :func:`today`, which follow the clock of the
sandbox whose call is being served.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

FORMAT = "%Y-%m-%d %H:%M:%S"


def _utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _parse(value: str | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else \
            value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    text = value.strip().replace("T", " ")
    return dt.datetime.strptime(text if " " in text else text + " 12:00:00", FORMAT)


class Clock:
    """UTC time as Odoo stores it (naive ``YYYY-MM-DD HH:MM:SS``)."""

    def __init__(self, start: str | dt.datetime | None = None, *, frozen: str | dt.datetime | None = None):
        self.frozen = _parse(frozen) if frozen is not None else None
        self.offset = (_parse(start) - _utc()) if start is not None else dt.timedelta(0)

    def utcnow(self) -> dt.datetime:
        return self.frozen if self.frozen is not None else _utc() + self.offset

    def now(self) -> str:
        return self.utcnow().strftime(FORMAT)

    def today(self) -> str:
        return self.utcnow().strftime("%Y-%m-%d")


_WALL = Clock()
_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("odoo_sandbox_clock", default=_WALL)


@contextlib.contextmanager
def using(clock: Clock):
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


def current() -> Clock:
    return _current.get()


def now() -> str:
    return _current.get().now()


def today() -> str:
    return _current.get().today()
