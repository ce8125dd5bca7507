"""``python -m tests.fakes``: run the fake upstreams in the foreground for a demo, until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from .server import FakeUpstream

EXAMPLES = [
    "https://huggingface.co/google-bert/bert-base-uncased",
    "https://huggingface.co/acme/bert-finetuned-sst2",
    "https://huggingface.co/acme/noncommercial-model",
    "https://huggingface.co/datasets/bookcorpus/bookcorpus",
    "https://huggingface.co/datasets/stanfordnlp/sst2",
    "https://github.com/google-research/bert",
    "https://github.com/openai/whisper",
    "https://www.kaggle.com/datasets/uciml/iris",
    "https://www.kaggle.com/datasets/hliang001/flickr2k",
]


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
        print("\nExample URLs to ingest (the registry maps them onto the fakes):\n")
        for url in EXAMPLES:
            print(f"  {url}")
        for download in upstream.catalog.downloads:
            if download.fault is None:
                print(f"  {upstream.files_url}{download.path}")
        pages = [d.path for d in upstream.catalog.downloads if d.fault == "web-page"]
        print("\nWeb pages, refused with 400: " + ", ".join(upstream.files_url + p for p in pages))
        print("\nFault repos: huggingface.co/fault/server-error, fault/slow-download,")
        print("fault/unsafe-dotdot, fault/unsafe-absolute, fault/unsafe-climb;")
        print("github.com/fault/zip-slip-{dotdot,absolute,drive,backslash}, fault/zip-symlink,")
        print("fault/server-error.")
        print("\nPress Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nStopping.")


if __name__ == "__main__":
    main()
