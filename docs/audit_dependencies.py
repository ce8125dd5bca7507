"""Audit the installed dependencies for known vulnerabilities (`make security-lint`).

Runs pip-audit over the virtualenv the registry runs in (its own editable install left
out) and fails on any known vulnerability. pip-audit asks a vulnerability service
(PyPI's JSON API by default) about every installed version; where that service cannot
be reached or answers for none of them (an offline machine, a mirror that serves only
the package index), nothing was audited, and this says so and skips instead of
reporting a clean result it does not have.

    .venv/bin/python -m docs.audit_dependencies
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
TIMEOUT_SECONDS = 300  # the whole audit
SOCKET_TIMEOUT = "10"  # each request of pip-audit's


def _run() -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report, or None and why there is none."""
    cmd = [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "--format", "json"]
    cmd += ["--timeout", SOCKET_TIMEOUT]
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argv, no shell
            cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"pip-audit did not finish within {TIMEOUT_SECONDS} s"
    try:
        return json.loads(done.stdout), ""
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"pip-audit stopped (exit {done.returncode}): {last}"


def main() -> int:
    report, why = _run()
    if report is None:
        print(f"pip-audit SKIPPED: the vulnerability service cannot be reached ({why})")
        return 0
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    skipped = [d for d in deps if "skip_reason" in d]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no dependencies listed"
        print(
            f"pip-audit SKIPPED: the vulnerability service answered for none of the "
            f"{len(skipped)} installed packages (e.g. {reason}); nothing was audited"
        )
        return 0
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    note = f"; {len(skipped)} not found by the service" if skipped else ""
    print(f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable{note}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
