"""POST /artifact/model/{id}/license-check: may this GitHub project's code fine-tune the
model and then run it for inference or generation?"""

from __future__ import annotations

from typing import Protocol

from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import ArtifactType, User
from registry.rating.compatibility import Verdict, decide
from registry.rating.licenses import classify, declared
from registry.sources.base import SourceKind
from registry.sources.resolver import parse_source_url


class Licensed(Protocol):
    @property
    def license_spdx(self) -> str | None:
        """The repository's licence as an SPDX id ("other" when unrecognised)."""
        ...


class CodeRepositories(Protocol):
    """Where the licence of a code repository is looked up (GitHub, wired by app.py)."""

    def repo(self, full_name: str) -> Licensed:
        """`owner/name` -> the repository; UpstreamNotFound (404) or UpstreamError (502)."""
        ...


class LicenseCheckService:
    def __init__(self, db: Database, github: CodeRepositories, *, hf_endpoint: str) -> None:
        self.db = db
        self.github = github
        self.hf_endpoint = hf_endpoint

    def check(self, artifact_id: str, github_url: str, viewer: User) -> Verdict:
        wrong = BadRequest(
            f"github_url must name a GitHub repository, e.g. https://github.com/owner/repo; "
            f"got {github_url!r}"
        )
        try:
            ref = parse_source_url(github_url, ArtifactType.CODE, self.hf_endpoint)
        except BadRequest as exc:  # its advice is about ingesting, not about this check
            raise wrong from exc
        if ref.kind is not SourceKind.GITHUB or ref.repo_id is None:
            raise wrong
        with self.db.read() as session:
            row = ArtifactRepository(session, viewer).get(artifact_id)
            if row is None or row.type != ArtifactType.MODEL.value:
                raise NotFound(f"no model with id {artifact_id}")
            model_license = declared(
                (row.card or {}).get("license"), (row.upstream or {}).get("license")
            )
        repo = self.github.repo(ref.repo_id)  # 404 unknown repository, 502 GitHub failure
        return decide(classify(model_license), classify(repo.license_spdx))
