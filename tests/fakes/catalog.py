"""The declarative catalogue of fake upstream content, and the default one the tests use.

A ``Catalog`` is plain data: the Hub, GitHub and file-server fakes only read it, so a test may
build its own (or append to ``default_catalog()``) before starting ``FakeUpstream``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .card_content import card_datasets, card_github_repos, card_hf_repos
from .family_content import family_github_repos, family_hf_repos
from .github_content import github_repos
from .hf_content import hf_repos
from .kaggle_content import FakeKaggleDataset, kaggle_datasets
from .link_content import link_github_repos, link_hf_repos
from .records import (
    CHUNK_SIZE,
    FAULT_NOT_FOUND,
    FAULT_SERVER_ERROR,
    FAULT_SLOW_DOWNLOAD,
    FAULT_WEB_PAGE,
    ZIP_ATTACKS,
    ZIP_SYMLINK,
    FakeCommit,
    FakeDownload,
    FakeFile,
    FakeGhCommit,
    FakeGitHubRepo,
    FakeHfRepo,
    FakePull,
    ZipEntry,
    build_zip,
    json_file,
    readme_file,
    render_readme,
    safetensors_file,
    text_file,
)

__all__ = [
    "CHUNK_SIZE",
    "FAULT_NOT_FOUND",
    "FAULT_SERVER_ERROR",
    "FAULT_SLOW_DOWNLOAD",
    "FAULT_WEB_PAGE",
    "ZIP_ATTACKS",
    "ZIP_SYMLINK",
    "Catalog",
    "FakeCommit",
    "FakeDownload",
    "FakeFile",
    "FakeGhCommit",
    "FakeGitHubRepo",
    "FakeHfRepo",
    "FakePull",
    "ZipEntry",
    "build_zip",
    "default_catalog",
    "json_file",
    "readme_file",
    "render_readme",
    "safetensors_file",
    "text_file",
]


@dataclass
class Catalog:
    hf_repos: list[FakeHfRepo] = field(default_factory=list)
    github_repos: list[FakeGitHubRepo] = field(default_factory=list)
    downloads: list[FakeDownload] = field(default_factory=list)
    kaggle_datasets: list[FakeKaggleDataset] = field(default_factory=list)
    # Legacy one-segment ids the Hub redirects to their organisation's repo.
    aliases: dict[tuple[str, str], str] = field(
        default_factory=lambda: {
            ("dataset", "bookcorpus"): "bookcorpus/bookcorpus",
            ("dataset", "wikipedia"): "wikimedia/wikipedia",
            ("model", "bert-base-uncased"): "google-bert/bert-base-uncased",
        }
    )

    # Lookups scan the lists (they are tiny) so that tests may append after construction.
    def hf_repo(self, repo_id: str, repo_type: str = "model") -> FakeHfRepo | None:
        return next(
            (r for r in self.hf_repos if r.repo_id == repo_id and r.repo_type == repo_type), None
        )

    def github_repo(self, owner: str, name: str) -> FakeGitHubRepo | None:
        # GitHub treats owner and repo names case-insensitively.
        wanted = f"{owner}/{name}".lower()
        return next((r for r in self.github_repos if r.full_name.lower() == wanted), None)

    def kaggle_dataset(self, ref: str) -> FakeKaggleDataset | None:
        # Kaggle treats owner and dataset slugs case-insensitively.
        return next((d for d in self.kaggle_datasets if d.ref.lower() == ref.lower()), None)

    def download(self, path: str) -> FakeDownload | None:
        return next((d for d in self.downloads if d.path == path), None)


def _downloads() -> list[FakeDownload]:
    bundle = build_zip(
        [
            readme_file({"license": "mit"}, "# Bundled model\n\nShipped as a zip.\n"),
            json_file("config.json", {"architectures": ["BertModel"], "model_type": "bert"}),
            safetensors_file("model.safetensors", [("weight", "F32", [64, 64])], seed="bundle"),
        ]
    )
    hostile = {
        f"evil-{attack}.zip": build_zip([text_file("README.md", "# evil\n")], raw_entries=[entry])
        for attack, entry in {**ZIP_ATTACKS, "symlink": ZIP_SYMLINK}.items()
    }
    return [
        FakeDownload("/files/weights.bin", size=1 << 20, seed="files/weights.bin"),
        FakeDownload(
            "/files/bundle.zip",
            content=bundle,
            content_type="application/zip",
            filename="bundle.zip",
        ),
        *(
            FakeDownload(f"/files/{name}", content=data, content_type="application/zip")
            for name, data in hostile.items()
        ),
        FakeDownload(
            "/files/page",
            content=b"<!DOCTYPE html>\n<html><body>Download page</body></html>\n",
            content_type="text/html; charset=utf-8",
            fault=FAULT_WEB_PAGE,
        ),
        FakeDownload(
            "/files/disguised-page.bin",
            content=b"\n  <html><head><title>Sign in</title></head></html>\n",
            content_type="application/octet-stream",
            fault=FAULT_WEB_PAGE,
        ),
        # A download link whose path says nothing: only Content-Disposition names the file.
        FakeDownload(
            "/files/fetch/7f3a",
            content=safetensors_file(
                "tiny-model.safetensors", [("weight", "F32", [32, 32])], seed="files/fetch"
            ).read(),
            filename="tiny-model.safetensors",
        ),
        # A hostile host: the name it gives climbs out of the folder; only its last part counts.
        FakeDownload("/files/fetch/up", size=64, seed="files/up", filename="..\\../escape.bin"),
        FakeDownload("/files/error", content=b"", fault=FAULT_SERVER_ERROR),
        FakeDownload("/files/notfound", content=b"", fault=FAULT_NOT_FOUND),
    ]


def default_catalog() -> Catalog:
    """A fresh catalogue (each call builds new objects, so tests may mutate theirs)."""
    return Catalog(
        hf_repos=[
            *hf_repos(),
            *family_hf_repos(),
            *card_hf_repos(),
            *card_datasets(),
            *link_hf_repos(),
        ],
        github_repos=[
            *github_repos(),
            *family_github_repos(),
            *card_github_repos(),
            *link_github_repos(),
        ],
        downloads=_downloads(),
        kaggle_datasets=kaggle_datasets(),
    )
