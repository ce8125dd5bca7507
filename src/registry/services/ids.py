"""Artifact ids: random, so they are unique without coordination and unguessable."""

from __future__ import annotations

import secrets

_LOW = 10**18
_SPAN = 9 * 10**18


def new_artifact_id() -> str:
    """A 19-digit decimal string with about 63 bits from the OS's CSPRNG.

    Digits only, like the spec's examples, and always matching ^[a-zA-Z0-9-]+$.
    Nothing about one id (time, order, host) can be inferred from another.
    """
    return str(_LOW + secrets.randbelow(_SPAN))
