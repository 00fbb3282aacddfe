"""A local Procuros API v2 stand-in: ``ProcurosSandbox(token, own_gln).start() -> url``."""

from .server import Fault, Hold, ProcurosSandbox

__all__ = ["ProcurosSandbox", "Fault", "Hold"]
