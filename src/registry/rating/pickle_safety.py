"""pickle_safety: whether loading the artifact's pickles would run code, from a static scan.

Inputs: what ingest recorded of the scan of every file a pickle loader would read
(`upstream["file_scan"]`, made by `rating/file_scan.py`): the `.bin`, `.pt`, `.pth`,
`.ckpt`, `.pkl`, `.pickle`, `.joblib`, `.dat` and `.data` files, compressed ones
(gzip, bz2, xz, zlib) through their decompressor, torch's zip-packed files member by
member, and any other file that starts like a pickle (protocol 2 to 5). picklescan lists
the imports (`GLOBAL`, `INST`, `STACK_GLOBAL`) each would make, without unpickling
anything, and classes each one:

    innocuous    on picklescan's list of what weights need (collections.OrderedDict,
                 torch._utils._rebuild_tensor_v2, torch.FloatStorage, numpy arrays ...)
    dangerous    on its list of what runs code (os.system, posix.system, subprocess,
                 builtins.eval/exec/getattr, runpy, webbrowser ...), or an import whose
                 name the scan could not read (an evasion)
    suspicious   anything else: a class the loader would construct, not known to be safe

Formula: 1.0 when no file imports anything dangerous or suspicious (a model without
pickles: 1.0); 0.5 when the worst import is suspicious, or a file starts like torch's
zip format but is no readable zip (a loader fails on it; a strict policy,
`pickle_safety>=1`, refuses it in case another zip reader would read it); 0.0 when any
file imports
something dangerous, or a file a loader would read could not be scanned (it ran past
the scan's time or memory limit, or does not decompress): a pickle no one has read is
not trusted.

The default INGEST_POLICY holds `pickle_safety>=0.5`: an artifact with a dangerous import
is refused (424) naming the file and the import, for every artifact type. Nothing of the
registry ever unpickles an upstream file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.rating.metrics.base import MetricResult

NAME = "pickle_safety"
STATES = {
    "absent": "1 (no file a pickle loader reads)",
    "unknown": "0.5 (imports picklescan does not know; an unreadable torch zip)",
    "error": "0 (a pickle that could not be scanned)",
}


def _describe(entry: Mapping[str, Any]) -> tuple[float, list[str]]:
    path = str(entry.get("path"))
    if "error" in entry:
        return 0.0, [f"{path}: could not be scanned ({entry['error']})"]
    if "unreadable" in entry:
        return 0.5, [f"{path}: {entry['unreadable']}; a loader would refuse it too"]
    imports = [i for i in entry.get("imports", []) if isinstance(i, Mapping)]
    dangerous = [f"{i['module']}.{i['name']}" for i in imports if i["safety"] == "dangerous"]
    suspicious = [f"{i['module']}.{i['name']}" for i in imports if i["safety"] == "suspicious"]
    if dangerous:
        return 0.0, [f"{path}: dangerous import {name}" for name in dangerous]
    if suspicious:
        return 0.5, [f"{path}: import picklescan does not know: {', '.join(suspicious)}"]
    what = f"{len(imports)} known-safe imports" if imports else "no imports"
    return 1.0, [f"{path}: {what}"]


def score(file_scan: Mapping[str, Any] | None) -> MetricResult | None:
    """The score and its evidence; None when the artifact was never scanned (stored
    before the registry scanned pickles)."""
    if not isinstance(file_scan, Mapping):
        return None
    pickles = [p for p in file_scan.get("pickles", []) if isinstance(p, Mapping)]
    if not pickles:
        return MetricResult(1.0, ("no file a pickle loader would read",))
    worst = 1.0
    evidence: list[str] = []
    for entry in pickles:
        value, lines = _describe(entry)
        worst = min(worst, value)
        evidence += lines
    scanner = str(file_scan.get("scanner", "picklescan"))
    summary = f"{len(pickles)} pickle file(s) scanned by {scanner}, never unpickled"
    return MetricResult(worst, (summary, *evidence))


def dangerous_findings(file_scan: Mapping[str, Any] | None) -> list[str]:
    """The evidence lines that make the score 0 (each names the file and the import)."""
    result = score(file_scan)
    if result is None:
        return []
    return [line for line in result.evidence if "dangerous import" in line or "could not" in line]
