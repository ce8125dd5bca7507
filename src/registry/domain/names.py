"""Rules for artifact names and ids that every entry point shares."""

from __future__ import annotations

import re
import unicodedata

from registry.domain.errors import BadRequest

MAX_NAME_LENGTH = 255
ARTIFACT_ID = re.compile(r"^[a-zA-Z0-9-]{1,64}$")


def validate_artifact_name(name: str) -> str:
    """A name must be visible text: no control characters, not the reserved '*'.

    Names are kept exactly as given (case and unicode included): search by name
    is exact, so normalising here would make some names unfindable.
    """
    if not name or not name.strip():
        raise BadRequest("name must be a non-empty string")
    if name != name.strip():
        raise BadRequest("name must not start or end with white space")
    if name == "*":
        raise BadRequest("the name '*' is reserved: it means 'every artifact' in queries")
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"name is longer than {MAX_NAME_LENGTH} characters")
    for ch in name:
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            raise BadRequest(f"name contains the invisible or control character U+{ord(ch):04X}")
    return name


def validate_artifact_id(artifact_id: str) -> str:
    if not ARTIFACT_ID.fullmatch(artifact_id):
        raise BadRequest("artifact id must match ^[a-zA-Z0-9-]+$ (at most 64 characters)")
    return artifact_id
