"""Regenerate ``openapi-v2.json`` from the published Procuros ``openapi-v2.yml``.

Usage: python -m procuros_dagster.procuros._vendor_spec path/to/openapi-v2.yml

Prose (description, summary, example(s), x-* keys, tags, info text) is dropped; everything a
validator needs (paths, parameters, bodies, responses, components) is kept.  Keys inside
``properties`` maps are property *names* (a schema may have a property called ``description``),
so those are never dropped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROSE = {"description", "summary", "example", "examples", "tags", "externalDocs", "termsOfService", "contact"}


def trim(node, *, names: bool = False):
    if isinstance(node, list):
        return [trim(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if not names and (key in PROSE or key.startswith("x-")):
            continue
        out[key] = trim(value, names=(key == "properties" and not names))
    return out


def main(src: str) -> None:
    import yaml

    spec = trim(yaml.safe_load(Path(src).read_text(encoding="utf-8")))
    spec["info"] = {"title": spec["info"]["title"], "version": spec["info"]["version"]}
    dest = Path(__file__).with_name("openapi-v2.json")
    dest.write_text(json.dumps(spec, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
