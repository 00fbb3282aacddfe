"""Reading a page of the queue when its body is not clean JSON, so one broken item cannot block it.

Procuros builds the page envelope itself; what can be broken is an item inside it: a document
that is not valid JSON, or bytes that are not UTF-8. ``decode_page`` keeps every item that can be
read and hands each broken one on as ``{"procurosTransactionId": <id>, "invalidJson": <text>}``
(the id read from the item's text), so it is landed as it came and rejected with a reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

INVALID_JSON = "invalidJson"  # key of an item that was not valid JSON: its text as received
_TID = re.compile(r'"procurosTransactionId"\s*:\s*"([^"\\]+)"')


def decode_page(body: bytes) -> dict[str, Any]:
    """The page as a dict; raises ValueError only when the envelope itself cannot be read."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # bytes that are not UTF-8 become lone surrogates: the mapping rejects the item naming
        # the field, and the landing keeps the original bytes recoverable
        text = body.decode("utf-8", "surrogateescape")
    try:
        return json.loads(text)
    except ValueError as exc:
        error = exc
    try:
        start, elements, end = _split_items(text)
        envelope = json.loads(text[:start] + "[]" + text[end:])
    except ValueError:
        raise error from None  # not a page with a broken item: the body itself is no JSON
    items = []
    for element in elements:
        try:
            items.append(json.loads(element))
        except ValueError:
            found = _TID.search(element)
            items.append({"procurosTransactionId": found.group(1) if found else None, INVALID_JSON: element})
    envelope["items"] = items
    return envelope


def _split_items(text: str) -> tuple[int, list[str], int]:
    """Span of the top-level ``"items"`` array and the text of each element, by bracket depth."""
    found = re.match(r'\s*\{\s*"items"\s*:\s*\[', text)
    if not found:
        raise ValueError("page body without an items array first")
    start = found.end() - 1
    depth, in_string, escaped, element_start = 0, False, False, start + 1
    elements = []
    for pos in range(start, len(text)):
        char = text[pos]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                last = text[element_start:pos].strip()
                if last:
                    elements.append(last)
                return start, elements, pos + 1
        elif char == "," and depth == 1:
            elements.append(text[element_start:pos].strip())
            element_start = pos + 1
    raise ValueError("page body ends inside the items array")
