"""The ingest benchmark's reference: `huggingface_hub` alone, in a process of its own.

Run as `python -m bench.hub_client ENDPOINT`; each line on stdin names a repository and
an empty folder ("repo_id folder"); the process downloads the whole repository there
with `snapshot_download` (the client's own way to fetch a model, files side by side)
and answers with the seconds the download took. A process of its own, like the
registry's worker: in the benchmark's process the client would share one interpreter
lock with the fake hub serving the bytes, and be slowed by it.
"""

from __future__ import annotations

import sys
import time

from huggingface_hub import snapshot_download


def main() -> None:
    endpoint = sys.argv[1]
    for line in sys.stdin:
        repo_id, folder = line.split()
        start = time.perf_counter()
        snapshot_download(repo_id, local_dir=folder, endpoint=endpoint, token=False)
        print(f"{time.perf_counter() - start:.6f}", flush=True)


if __name__ == "__main__":
    main()
