"""Parsing Python source from one thread at a time.

CPython 3.11 before 3.11.8 can fail `ast.parse` with "SystemError: AST constructor
recursion depth mismatch" when several threads parse at once (gh-106905), and the
metrics run in parallel threads. Every parse (ours and pyflakes') takes this lock;
parsing is a small share of a rating, so little parallelism is lost.
"""

from __future__ import annotations

import ast
import threading

PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    with PARSE_LOCK:
        return ast.parse(source)
