"""Request bodies as JSON, with their size and nesting depth checked before parsing.

Python's JSON parser recurses once per nesting level: 500,000 `[` in a body that is
well under the size limit exhaust the stack (RecursionError, a 500) long before any
schema sees the value. So the raw text is scanned first, without recursion and
without building anything: brackets outside strings are counted and the scan stops at
the first level beyond MAX_JSON_DEPTH. Only a body that passes is parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider

from registry.domain.errors import BadRequest

# The characters that change the depth or start/end a string; everything else is skipped
# by the regex engine in C, so a scan costs little more than a pass over the bytes.
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


class JsonTooDeep(ValueError):
    """A ValueError, so `request.get_json(silent=True)` treats the body as invalid."""


def json_depth_exceeds(raw: bytes, max_depth: int) -> bool:
    """Whether `raw` nests arrays/objects deeper than `max_depth` (strings excluded).

    Malformed text is not judged here: the parser refuses it afterwards."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False  # cannot nest deeper than the brackets it holds
    depth = 0
    in_string = False
    escaped_at = -1  # the byte a backslash inside a string escapes
    for match in _STRUCTURE.finditer(raw):
        at = match.start()
        char = raw[at]
        if in_string:
            if at == escaped_at:
                continue
            if char == 0x5C:  # backslash
                escaped_at = at + 1
            elif char == 0x22:  # quote
                in_string = False
            continue
        if char == 0x22:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > max_depth:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False


def load_json(raw: bytes, max_bytes: int, max_depth: int) -> Any:
    """`raw` parsed, or a 400 naming the limit it breaks (never a RecursionError)."""
    if len(raw) > max_bytes:
        raise BadRequest(
            f"the JSON body is {len(raw)} bytes, over MAX_JSON_BYTES ({max_bytes} bytes)"
        )
    if json_depth_exceeds(raw, max_depth):
        raise BadRequest(
            f"the JSON body nests arrays or objects more than {max_depth} levels deep "
            f"(MAX_JSON_DEPTH); send a flatter document"
        )
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # pragma: no cover - the depth scan comes first
        raise BadRequest("the JSON body nests too deeply") from exc


def request_json() -> Any:
    """The request's body as JSON, within the app's limits (see `install`)."""
    max_bytes, max_depth = current_app.config["REGISTRY_JSON_LIMITS"]
    declared = request.content_length
    whole_cap = request.max_content_length  # MAX_REQUEST_BYTES: 413 when reading, below
    if declared is not None and declared > max_bytes and not (whole_cap and declared > whole_cap):
        raise BadRequest(
            f"the JSON body is {declared} bytes, over MAX_JSON_BYTES ({max_bytes} bytes)"
        )
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest("the request needs a JSON body")
    return load_json(raw, max_bytes, max_depth)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's own JSON reading (`request.get_json`, used by the pages) under the same
    depth limit, so no route parses an unchecked body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        _, max_depth = self._app.config["REGISTRY_JSON_LIMITS"]
        raw = s.encode("utf-8") if isinstance(s, str) else s
        if json_depth_exceeds(raw, max_depth):
            raise JsonTooDeep(f"the JSON body nests deeper than {max_depth} levels")
        return super().loads(s, **kwargs)


def install(app: Flask, max_bytes: int, max_depth: int) -> None:
    app.config["REGISTRY_JSON_LIMITS"] = (max_bytes, max_depth)
    sort_keys = app.json.sort_keys  # type: ignore[attr-defined]
    app.json = BoundedJSONProvider(app)
    app.json.sort_keys = sort_keys
