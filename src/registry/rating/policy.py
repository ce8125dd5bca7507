"""The ingest policy: which ratings may enter the registry (INGEST_POLICY).

Grammar: a comma-separated list of rules `<metric><op><number>`, where metric is a
ModelRating field (`net_score`, `license`, ...), `size_score.<device>`, `size_score`
(its best device), `all` (every metric but the latencies and net_score, skipping
the -1 of "not applicable"), or `pickle_safety` (the scan of the artifact's pickles,
`rating/pickle_safety.py`, judged for every artifact type); op is one of >=, >, <=, <.
`none` admits everything.
Examples: `license>=0.5,net_score>=0.35,pickle_safety>=0.5` (the default,
`settings.DEFAULT_INGEST_POLICY`),
`all>=0.5`, `net_score>=0.6`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.rating.engine import METRIC_ORDER

_RULE = re.compile(r"^\s*([a-z_]+(?:\.[a-z_]+)?)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_DEVICES = ("raspberry_pi", "jetson_nano", "desktop_pc", "aws_server")


class PolicyError(ValueError):
    """INGEST_POLICY cannot be parsed."""


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.threshold:g}"


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]

    @classmethod
    def parse(cls, text: str) -> Policy:
        if text.strip().lower() in {"", "none", "off"}:
            return cls(())
        rules = []
        valid = {*METRIC_ORDER, "net_score", "all", "pickle_safety"} | {
            f"size_score.{d}" for d in _DEVICES
        }
        for part in text.split(","):
            match = _RULE.match(part)
            if not match:
                raise PolicyError(
                    f"INGEST_POLICY rule {part.strip()!r} is not <metric><op><number>"
                )
            metric, op, number = match.groups()
            if metric not in valid:
                raise PolicyError(f"INGEST_POLICY names unknown metric {metric!r}")
            rules.append(Rule(metric, op, float(number)))
        return cls(tuple(rules))

    def undecided(self, errors: Mapping[str, str]) -> list[str]:
        """The metrics the rules read that could not be computed: without them the policy
        cannot judge the model (net_score reads every metric)."""
        read: dict[str, None] = {}
        for rule in self.rules:
            names = list(METRIC_ORDER) if rule.metric == "all" else [rule.metric]
            read.update((name.split(".", 1)[0], None) for name in names)
        return [name for name in read if name in errors]

    def violations(self, rating: Mapping[str, Any], errors: Mapping[str, str]) -> list[str]:
        """Human-readable reasons the rating fails the policy; empty when it passes."""
        found: list[str] = []
        for rule in self.rules:
            names = list(METRIC_ORDER) if rule.metric == "all" else [rule.metric]
            for name in names:
                base = name.split(".", 1)[0]
                if base in errors:
                    found.append(f"{name} could not be computed ({errors[base]})")
                    continue
                value = _value(rating, name)
                if value is None or (rule.metric == "all" and value == -1):
                    continue
                if not _OPS[rule.op](value, rule.threshold):
                    found.append(f"{name}={value:g} fails {name}{rule.op}{rule.threshold:g}")
        return found

    def failing_rules(self, rating: Mapping[str, Any], errors: Mapping[str, str]) -> list[str]:
        """The rules (as written) that the rating fails."""
        return [str(r) for r in self.rules if Policy((r,)).violations(rating, errors)]

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.rules) or "none"


def _value(rating: Mapping[str, Any], name: str) -> float | None:
    if name.startswith("size_score"):
        sizes = rating.get("size_score") or {}
        if "." in name:
            return float(sizes.get(name.split(".", 1)[1], 0.0))
        return max((float(v) for v in sizes.values()), default=0.0)
    value = rating.get(name)
    return None if value is None else float(value)
