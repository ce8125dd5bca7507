"""Running a model card's example in the jail (RATING_EXECUTE_EXAMPLES=true).

The example runs with the standard library only (`python -I -S`), offline, as the jail's
unprivileged user, under the jail's limits (registry.sandbox). A host that cannot build
the jail refuses to start with examples enabled, so there is no weaker path here.
"""

from __future__ import annotations

from functools import cache

from registry.rating.context import ExampleRun
from registry.sandbox import BadJailFile, Jail, JailUnavailable

_SCRIPT = "example.py"
_ENV = {"PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
_LIMITS = {
    "time": "time limit",
    "memory": "memory limit",
    "output": "output limit",
    "cpu": "CPU limit",
}


@cache
def _default_jail() -> Jail:
    return Jail()


def run_example(
    code: str, *, timeout_seconds: float = 30.0, jail: Jail | None = None
) -> ExampleRun:
    jail = jail or _default_jail()
    try:
        result = jail.run(
            [*jail.python_argv(), f"/jail/{_SCRIPT}"],
            timeout=timeout_seconds,
            files={_SCRIPT: code.encode("utf-8")},
            env=_ENV,
            merge_output=True,
        )
    except (JailUnavailable, BadJailFile) as exc:
        return ExampleRun(
            code=code, returncode=None, output_tail=f"the jail could not run it: {exc}"
        )
    lines = result.output.strip().splitlines()[-8:]
    hit = [word for key, word in _LIMITS.items() if key in result.limits_hit]
    if hit:
        lines.append(f"[stopped by the jail: {', '.join(hit)}]")
    tail = "\n".join(lines)
    return ExampleRun(
        code=code,
        returncode=None if result.killed else result.exit_code,
        output_tail=tail[-2000:],
    )
