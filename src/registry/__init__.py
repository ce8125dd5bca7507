"""Trustworthy Model Registry.

`huggingface_hub` reads its switches from the environment once, when it is first
imported, so they are set here: every way into the registry (the `registry`
command, `registry.wsgi`, tests, benchmarks) imports this package before any of
its modules imports the library. An operator's own value wins (setdefault).
"""

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # no usage reports to Hugging Face
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no tqdm bars in server logs
