"""What the pipelines report about themselves: a small Protocol the services call.

The concrete telemetry (Prometheus, the shared per-minute figures, CloudWatch's
embedded metrics) is `registry.observability.telemetry.Telemetry`, wired by app.py;
services default to `Unobserved`, which forgets everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class PipelineTelemetry(Protocol):
    def ingest_finished(self, source: str, outcome: int, seconds: float, size: int) -> None:
        """One ingest or update ended with HTTP status `outcome` after `seconds`,
        having stored `size` bytes of files (0 unless it succeeded)."""

    def rating_metric(self, metric: str, seconds: float, failed: bool) -> None:
        """One metric of one rating took `seconds` (fetching its facts included)."""

    def policy_refused(self, rules: Sequence[str]) -> None:
        """The ingest policy refused a model; `rules` are the rules it failed."""


class Unobserved:
    def ingest_finished(self, source: str, outcome: int, seconds: float, size: int) -> None:
        pass

    def rating_metric(self, metric: str, seconds: float, failed: bool) -> None:
        pass

    def policy_refused(self, rules: Sequence[str]) -> None:
        pass
