"""The time budget of one regex search, kept inside each artifact's text too.

RE2 matches in time linear in the text, but the constant is the size of the compiled
program: when its DFA gives up (patterns such as `a.{999}c` over text full of `a`s and
`b`s), RE2 simulates the NFA, which costs up to one step per program instruction per
byte. One 1 MiB README then takes 18 s for `a.{999}c` and 85 s for
`(?:a|b){0,1000}a.{999}c` here, and a budget checked only between artifacts cannot stop
that. So:

- only the first REGEX_MAX_SCAN_BYTES of each README are searched (names whole);
- before each text, its worst case (bytes x program size x NS_PER_STEP) must fit in
  what is left of the budget, or the search stops there with a 400 naming the budget;
  a pattern whose worst case over one capped README exceeds the whole budget is refused
  before anything is scanned. Most patterns' worst case is tiny (a literal's program
  has a few dozen instructions), so they are bounded by the clock alone.
- RE2's own memory for the program and its DFA is capped (`MAX_PROGRAM_MEMORY`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from registry.domain.errors import BadRequest

MAX_PROGRAM_MEMORY = 64 << 20
# Seconds per (byte x instruction) of RE2's NFA at its slowest, measured on the issue's
# patterns over random text of `a`s and `b`s (8 ns here), with margin.
NS_PER_STEP = 10e-9


def program_size(compiled: Any) -> int:
    """The compiled pattern's instruction count (its NFA's width)."""
    regexp = getattr(compiled, "_regexp", None)
    size = regexp.ProgramSize() if regexp is not None else 0
    return max(1, int(size))


class SearchBudget:
    def __init__(
        self,
        compiled: Any,
        *,
        seconds: float,
        max_scan_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.compiled = compiled
        self.seconds = seconds
        self.max_scan_bytes = max_scan_bytes
        self.clock = clock
        self.steps = program_size(compiled)
        self.now = clock()  # read once per artifact, after it (see `done`)
        self.deadline = self.now + seconds
        self.scanned = 0  # artifacts
        self.scanned_bytes = 0
        worst = max_scan_bytes * self.steps * NS_PER_STEP
        if worst > seconds:
            raise self._over(
                f"the pattern compiles to {self.steps} RE2 instructions: one README "
                f"(up to REGEX_MAX_SCAN_BYTES, {max_scan_bytes} bytes) could take "
                f"{worst:.1f} s to search"
            )

    def _over(self, why: str) -> BadRequest:
        return BadRequest(
            f"the search would pass its {self.seconds:g} s budget (REGEX_BUDGET_SECONDS): "
            f"{why}; use a more specific pattern (fewer or smaller repetitions)"
        )

    def clip(self, text: str) -> str:
        """The part of `text` that is searched: its first `max_scan_bytes` bytes (UTF-8)."""
        if len(text) * 4 <= self.max_scan_bytes:
            return text  # cannot be longer than the cap in UTF-8
        return text.encode("utf-8")[: self.max_scan_bytes].decode("utf-8", "ignore")

    def search(self, text: str) -> bool:
        """Whether `text` (clipped) holds a match; refuses to start what might not end in
        time."""
        text = self.clip(text)
        size = len(text.encode("utf-8")) if len(text) * 4 > 4096 else len(text) * 4
        if size * self.steps * NS_PER_STEP > self.deadline - self.now:
            raise self._over(f"it stopped after {self.scanned} artifacts")
        self.scanned_bytes += size
        return self.compiled.search(text) is not None

    def done(self) -> None:
        """One more artifact searched: stop if that took the search past its budget."""
        self.scanned += 1
        self.now = self.clock()
        if self.now > self.deadline:
            raise BadRequest(
                f"the search passed its {self.seconds:g} s budget after {self.scanned} "
                "artifacts; use a more specific pattern"
            )
