"""The registry's error hierarchy.

Services raise these; `api/errors.py` maps each class to one HTTP status in one
place. Every message is written for the person who sent the request: it says what
was wrong and, where possible, what to send instead.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class. `status` is the HTTP status the API answers with."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(RegistryError):
    status = 400
    code = "bad_request"


class Unauthorized(RegistryError):
    """Wrong credentials, or a reset by a non-admin (the spec says 401 for both)."""

    status = 401
    code = "unauthorized"


class Forbidden(RegistryError):
    """Missing, invalid or expired token (spec: 403)."""

    status = 403
    code = "forbidden"


class PermissionDenied(RegistryError):
    """A valid token whose user may not do this: a missing permission, someone else's
    artifact, a download a monitor program refused (403, naming what is missing)."""

    status = 403
    code = "permission_denied"


class NotFound(RegistryError):
    status = 404
    code = "not_found"


class MethodNotAllowed(RegistryError):
    """The path exists but does not answer this method; `allowed` are the ones it does
    (the answer carries them in `Allow`, as RFC 9110 requires of every 405)."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allowed: tuple[str, ...], **details: object) -> None:
        super().__init__(message, allowed=list(allowed), **details)
        self.allowed = allowed


class Conflict(RegistryError):
    status = 409
    code = "conflict"


class PayloadTooLarge(RegistryError):
    status = 413
    code = "payload_too_large"


class RangeNotSatisfiable(RegistryError):
    status = 416
    code = "range_not_satisfiable"


class PolicyRejected(RegistryError):
    """The artifact's rating fails the ingest policy (spec: 424)."""

    status = 424
    code = "policy_rejected"


class RatingFailed(RegistryError):
    """At least one metric could not be computed (spec: 500 on /rate)."""

    status = 500
    code = "rating_failed"


class UpstreamNotFound(NotFound):
    """The source URL names a repository or file the upstream does not have."""

    code = "upstream_not_found"


class UpstreamError(RegistryError):
    """The upstream (Hugging Face, GitHub, a download host) failed; `upstream` names it.

    As such it is lasting (a refused token, an answer the registry cannot use); the
    subclass UpstreamUnavailable is a failure that may pass.
    """

    status = 502
    code = "upstream_error"
    transient = False

    def __init__(self, message: str, *, upstream: str | None = None, **details: object) -> None:
        if upstream is not None:
            details["upstream"] = upstream
        super().__init__(message, **details)
        self.upstream = upstream


RETRY_HINT = "a retry may succeed"  # how messages of UpstreamUnavailable end


class UpstreamUnavailable(UpstreamError):
    """The upstream answered 5xx or 429, timed out or could not be reached: a retry may
    succeed, and the rating retries it with backoff before giving up."""

    code = "upstream_unavailable"
    transient = True


class StorageUnavailable(RegistryError):
    """The blob store or database cannot be reached; retrying later may succeed."""

    status = 503
    code = "storage_unavailable"


class Busy(RegistryError):
    """Too much of some bounded work (monitor programs) is running; retry shortly."""

    status = 503
    code = "busy"


class TooManyRequests(RegistryError):
    """A limit on how much one caller (token, user name, address) or everyone together
    may do was reached; `retry_after` seconds from now it will have room again (the
    answer carries it as Retry-After)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **details: object) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, retry_after=self.retry_after, **details)


class DeadlinePassed(UpstreamUnavailable):
    """Work that has a total deadline (an upstream fetch, an ingest) ran out of time;
    nothing of it was kept (504: the registry waited on an upstream that is too slow)."""

    status = 504
    code = "deadline_exceeded"


class RepoNotFound(NotFound):
    """The Hub-compatible API has no repository by that id (for this caller)."""

    code = "repo_not_found"


class RevisionNotFound(NotFound):
    """The repository exists, but not at that revision."""

    code = "revision_not_found"


class EntryNotFound(NotFound):
    """The repository and revision exist, but hold no file or folder at that path."""

    code = "entry_not_found"


class IntegrityFailure(RegistryError):
    """Stored data the registry vouches for is gone or wrong (a blob the database
    lists is missing): data loss, which no retry repairs. Operators must look."""

    status = 500
    code = "integrity_error"
