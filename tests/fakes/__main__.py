"""``python -m tests.fakes``: run the fake upstreams in the foreground for a demo, until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from registry.settings import DEFAULT_INGEST_POLICY

from .server import FakeUpstream
from .verdicts import NOT_RATED, VERDICTS

HF = "https://huggingface.co"
# Models first, in the order the README's walkthrough ingests them.
MODELS = [
    "google-bert/bert-base-uncased",
    "acme/bert-finetuned-sst2",
    "acme/bert-sst2-quantized",
    "acme/sentence-links",
    "acme/dead-links",
    "acme/roberta-style",
    "acme/no-card-model",
    "acme/noncommercial-model",
    "acme/tinyllama-lora",
    "acme/flaky-dataset-model",
]
OTHERS = [
    f"{HF}/datasets/bookcorpus/bookcorpus",
    f"{HF}/datasets/stanfordnlp/sst2",
    "https://github.com/google-research/bert",
    "https://github.com/openai/whisper",
    "https://www.kaggle.com/datasets/uciml/iris",
    "https://www.kaggle.com/datasets/hliang001/flickr2k",
]


def describe_examples() -> str:
    """The example URLs, and what the default policy is meant to do with each model."""
    admitted = [f"  {HF}/{repo}" for repo in MODELS if repo in VERDICTS and VERDICTS[repo].admitted]
    refused = [
        f"  {HF}/{repo}\n      refused (424): {VERDICTS[repo].why}"
        for repo in MODELS
        if repo in VERDICTS and not VERDICTS[repo].admitted
    ]
    failing = [f"  {HF}/{repo}\n      {NOT_RATED[repo]}" for repo in MODELS if repo in NOT_RATED]
    return "\n".join(
        [
            f"Models the default policy ({DEFAULT_INGEST_POLICY}) admits:",
            *admitted,
            "",
            "Models it is meant to refuse, and why:",
            *refused,
            "",
            "Models that cannot be rated as things stand (no verdict, 502):",
            *failing,
            "",
            "Datasets and code (not rated):",
            *(f"  {url}" for url in OTHERS),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--hf-port", type=int, default=8901)
    parser.add_argument("--github-port", type=int, default=8902)
    parser.add_argument("--files-port", type=int, default=8903)
    parser.add_argument("--kaggle-port", type=int, default=8904)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    upstream = FakeUpstream(
        host=args.host,
        hf_port=args.hf_port,
        github_port=args.github_port,
        files_port=args.files_port,
        kaggle_port=args.kaggle_port,
        quiet=not args.verbose,
    )
    with upstream:
        print("Fake upstreams running. Point the registry at them with:\n")
        for name, value in upstream.env().items():
            print(f"  export {name}={value}")
        print("\nExample URLs to ingest (the registry maps them onto the fakes).\n")
        print(describe_examples())
        for download in upstream.catalog.downloads:
            if download.fault is None:
                print(f"  {upstream.files_url}{download.path}")
        pages = [d.path for d in upstream.catalog.downloads if d.fault == "web-page"]
        print("\nWeb pages, refused with 400: " + ", ".join(upstream.files_url + p for p in pages))
        print("\nEvery model of the fake hub and its intended verdict: docs/rating.md.")
        print("Fault repos: huggingface.co/fault/server-error, fault/slow-download,")
        print("fault/broken-download, fault/gzip-text,")
        print("fault/unsafe-dotdot, fault/unsafe-absolute, fault/unsafe-climb,")
        print("fault/pickle-os-system (424), fault/corrupt-safetensors (400), fault/torch-pickle;")
        print("github.com/fault/zip-slip-{dotdot,absolute,drive,backslash}, fault/zip-symlink,")
        print("fault/server-error.")
        print("\nPress Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nStopping.")


if __name__ == "__main__":
    main()
