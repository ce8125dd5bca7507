"""The literal text an RE2 pattern's matches must contain, for the search index.

A regex search first asks a trigram index for the artifacts whose name or README holds
the literals every match needs, then confirms each candidate with RE2. That is only
correct if the literals are truly required: for any text the pattern matches, the text
contains them. So this module errs one way only: whatever it does not fully understand
it treats as "could match anything" (no requirement), and a pattern whose syntax it
cannot follow, or whose required literals are all shorter than a trigram, gets `None`:
the caller then scans every text under the search budget, as before.

The analysis follows Russ Cox's "Regular Expression Matching with a Trigram Index"
in a reduced form: each piece of the pattern is described by the set of strings it
matches exactly (when that set is small) and by a condition (literals combined with
AND and OR) that any text it matches satisfies.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

MIN_LITERAL = 3  # a trigram index cannot look up anything shorter
_MAX_EXACT = 16  # strings kept in an exact set before it becomes a condition
_MAX_TERMS = 64  # literals in one condition; beyond that, the pattern is scanned
_MAX_COPIES = 16  # a counted repetition expanded into copies

_ESCAPED_CHARS = {"a": "\a", "f": "\f", "t": "\t", "n": "\n", "r": "\r", "v": "\v"}
_CLASS_ESCAPES = set("dDsSwWC")
_ASSERT_ESCAPES = set("bBAz")
_HEX = set("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class And:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Query, ...]


Query = Lit | And | Or
# `None` in a condition position means "no requirement" (any text).
Cond = Query | None


class _Unsupported(Exception):
    """Syntax this analysis does not follow; the caller scans instead."""


def _and(*conds: Cond) -> Cond:
    parts: list[Query] = []
    for c in conds:
        if c is None:
            continue
        parts.extend(c.parts if isinstance(c, And) else (c,))
    unique = tuple(dict.fromkeys(parts))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else And(unique)


def _or(*conds: Cond) -> Cond:
    parts: list[Query] = []
    for c in conds:
        if c is None:
            return None  # one branch needs nothing, so the whole needs nothing
        parts.extend(c.parts if isinstance(c, Or) else (c,))
    unique = tuple(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else Or(unique)


def _of_exact(strings: frozenset[str]) -> Cond:
    """Any text matching one of `strings` contains one of them: an OR, unless one is
    too short to look up (then nothing can be required). A NUL splits a string into
    pieces looked up separately (PostgreSQL text cannot hold one)."""
    branches: list[Cond] = []
    for s in sorted(strings):
        pieces = [p for p in s.split("\0") if len(p) >= MIN_LITERAL]
        if not pieces:
            return None
        branches.append(_and(*(Lit(p) for p in pieces)))
    return _or(*branches)


@dataclass(frozen=True)
class _Info:
    exact: frozenset[str] | None  # every string the piece matches, if few
    cond: Cond  # what any text the piece matches contains

    def requirement(self) -> Cond:
        return _and(self.cond, None if self.exact is None else _of_exact(self.exact))


_ANY = _Info(None, None)
_EMPTY = _Info(frozenset({""}), None)


def _concat(items: list[_Info]) -> _Info:
    cond: Cond = None
    run: frozenset[str] | None = frozenset({""})
    whole = True  # every piece so far joined one exact run
    for item in items:
        cond = _and(cond, item.cond)
        if run is not None and item.exact is not None and len(run) * len(item.exact) <= _MAX_EXACT:
            run = frozenset(a + b for a, b in product(run, item.exact))
            continue
        whole = False
        if run is not None:
            cond = _and(cond, _of_exact(run))
        run = item.exact
    if whole:
        return _Info(run, cond)
    if run is not None:
        cond = _and(cond, _of_exact(run))
    return _Info(None, cond)


def _alternate(items: list[_Info]) -> _Info:
    if all(i.exact is not None for i in items):
        union = frozenset().union(*(i.exact for i in items if i.exact is not None))
        if len(union) <= _MAX_EXACT:
            return _Info(union, _or(*(i.cond for i in items)) if items else None)
    return _Info(None, _or(*(i.requirement() for i in items)))


class _Parser:
    """A recursive-descent reader of RE2 syntax, for the analysis only (RE2 itself has
    already accepted the pattern, so malformed input never reaches here)."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        # Case folding, as RE2 scopes it: `(?i)` holds until the enclosing group ends,
        # across `|` too, so it is the parser's state rather than a branch's.
        self.fold = False

    def peek(self, n: int = 0) -> str:
        j = self.i + n
        return self.p[j] if j < len(self.p) else ""

    def parse(self) -> _Info:
        info = self.alternation()
        if self.i != len(self.p):
            raise _Unsupported("unbalanced parenthesis")
        return info

    def alternation(self) -> _Info:
        branches = [self.concatenation()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.concatenation())
        return branches[0] if len(branches) == 1 else _alternate(branches)

    def concatenation(self) -> _Info:
        items: list[_Info] = []
        while self.peek() not in ("", "|", ")"):
            if self.peek() == "(" and self.peek(1) == "?" and self._flags_end(self.i + 2) == ")":
                self.i = self._read_flags(self.i + 2) + 1
                continue
            items.append(self.repeat(self.atom()))
        return _concat(items) if items else _EMPTY

    def repeat(self, info: _Info) -> _Info:
        while True:
            c = self.peek()
            if c in ("*", "+", "?"):
                self.i += 1
                low = 1 if c == "+" else 0
                high: int | None = 1 if c == "?" else None
            elif c == "{" and (bounds := self._bounds()) is not None:
                low, high = bounds
            else:
                return info
            if self.peek() == "?":
                self.i += 1  # non-greedy: the same strings
            if low == 0:
                info = (
                    _Info(info.exact | {""}, None) if high == 1 and info.exact is not None else _ANY
                )
            elif low <= _MAX_COPIES:
                # x{n,m} is n copies of x, then maybe more: the copies join exact runs.
                info = _concat([info] * low + ([] if high == low else [_ANY]))
            else:
                info = _Info(None, info.requirement())

    def _bounds(self) -> tuple[int, int | None] | None:
        """`{n}`, `{n,}` or `{n,m}` at the cursor (consumed), else None (a literal `{`)."""
        j = self.i + 1
        start = j
        while j < len(self.p) and self.p[j].isdigit():
            j += 1
        if j == start or j >= len(self.p):
            return None
        low = int(self.p[start:j])
        high: int | None = low
        if self.p[j] == ",":
            j += 1
            start = j
            while j < len(self.p) and self.p[j].isdigit():
                j += 1
            high = int(self.p[start:j]) if j > start else None
        if j >= len(self.p) or self.p[j] != "}":
            return None
        self.i = j + 1
        return low, high

    def _flags_end(self, j: int) -> str:
        """The character after a run of flag letters starting at `j` (":" or ")" for a
        flag group), or "" when there are no flag letters there."""
        k = j
        while k < len(self.p) and self.p[k] in "imsU-":
            k += 1
        return self.p[k] if j < k < len(self.p) else ""

    def _read_flags(self, j: int) -> int:
        """Apply the flags starting at `j` to the case folding; the index after them."""
        on = True
        while self.p[j] in "imsU-":
            if self.p[j] == "-":
                on = False
            elif self.p[j] == "i":
                self.fold = on
            j += 1
        return j

    def atom(self) -> _Info:
        c = self.peek()
        if c == "(":
            return self._group()
        if c == "[":
            self._skip_class()
            return _ANY
        if c in ("*", "+", "?"):
            raise _Unsupported("repetition without an operand")
        self.i += 1
        if c == ".":
            return _ANY
        if c in ("^", "$"):
            return _EMPTY
        if c == "\\":
            return self._escape()
        return self._char(c)

    def _char(self, c: str) -> _Info:
        # Under (?i) a letter may match other letters (RE2 folds Unicode, K with the
        # Kelvin sign, s with the long s); only ASCII that has no case stays literal.
        if self.fold and not (c.isascii() and c.lower() == c.upper()):
            return _ANY
        return _Info(frozenset({c}), None)

    def _group(self) -> _Info:
        self.i += 1  # (
        outer = self.fold
        if self.peek() == "?":
            if self.peek(1) == ":":
                self.i += 2
            elif (self.peek(1) == "P" and self.peek(2) == "<") or self.peek(1) == "<":
                end = self.p.find(">", self.i)
                if end < 0:
                    raise _Unsupported("unterminated group name")
                self.i = end + 1
            elif self._flags_end(self.i + 1) == ":":
                self.i = self._read_flags(self.i + 1) + 1
            else:
                raise _Unsupported("unknown group syntax")
        info = self.alternation()
        if self.peek() != ")":
            raise _Unsupported("unterminated group")
        self.i += 1
        self.fold = outer
        return info

    def _skip_class(self) -> None:
        j = self.i + 1
        if j < len(self.p) and self.p[j] == "^":
            j += 1
        if j < len(self.p) and self.p[j] == "]":
            j += 1  # a leading ] is a member
        while j < len(self.p) and self.p[j] != "]":
            if self.p[j] == "\\":
                j += 1
                if j < len(self.p) and self.p[j] in "xpP" and self.p[j + 1 : j + 2] == "{":
                    j = self.p.find("}", j)
                    if j < 0:
                        raise _Unsupported("unterminated escape in a class")
            elif self.p.startswith("[:", j):
                end = self.p.find(":]", j + 2)
                if end < 0:
                    raise _Unsupported("unterminated named class")
                j = end + 1
            j += 1
        if j >= len(self.p):
            raise _Unsupported("unterminated class")
        self.i = j + 1

    def _escape(self) -> _Info:
        c = self.peek()
        if not c:
            raise _Unsupported("trailing backslash")
        self.i += 1
        if c in _CLASS_ESCAPES:
            return _ANY
        if c in _ASSERT_ESCAPES:
            return _EMPTY
        if c in ("p", "P"):
            if self.peek() == "{":
                end = self.p.find("}", self.i)
                if end < 0:
                    raise _Unsupported("unterminated property")
                self.i = end + 1
            else:
                self.i += 1
            return _ANY
        if c in _ESCAPED_CHARS:
            return self._char(_ESCAPED_CHARS[c])
        if c == "x":
            return self._char(self._hex())
        if c == "Q":
            end = self.p.find("\\E", self.i)
            text = self.p[self.i :] if end < 0 else self.p[self.i : end]
            self.i = len(self.p) if end < 0 else end + 2
            return _concat([self._char(ch) for ch in text])
        if c.isascii() and not c.isalnum():
            return self._char(c)
        raise _Unsupported(f"escape \\{c}")

    def _hex(self) -> str:
        if self.peek() == "{":
            end = self.p.find("}", self.i)
            digits = self.p[self.i + 1 : end] if end > 0 else ""
            self.i = end + 1
        else:
            digits = self.p[self.i : self.i + 2]
            self.i += 2
        if not digits or not set(digits) <= _HEX:
            raise _Unsupported("malformed hex escape")
        return chr(int(digits, 16))


def _size(cond: Query) -> int:
    return 1 if isinstance(cond, Lit) else sum(_size(p) for p in cond.parts)


def required_literals(pattern: str) -> Query | None:
    """What every text matching `pattern` contains, or None when nothing of at least
    `MIN_LITERAL` characters is required (or the syntax is beyond this analysis)."""
    try:
        cond = _Parser(pattern).parse().requirement()
    except (_Unsupported, IndexError, ValueError):
        return None
    if cond is None or _size(cond) > _MAX_TERMS:
        return None
    return cond
