"""POST /artifact/model/{id}/license-check: may this GitHub project's code fine-tune the
model and then run it for inference or generation?"""

from __future__ import annotations

from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import ArtifactType
from registry.rating.compatibility import Verdict, decide
from registry.rating.licenses import classify, declared
from registry.sources.base import SourceKind
from registry.sources.github_client import GitHubClient
from registry.sources.resolver import parse_source_url


class LicenseCheckService:
    def __init__(self, db: Database, github: GitHubClient, *, hf_endpoint: str) -> None:
        self.db = db
        self.github = github
        self.hf_endpoint = hf_endpoint

    def check(self, artifact_id: str, github_url: str) -> Verdict:
        ref = parse_source_url(github_url, ArtifactType.CODE, self.hf_endpoint)
        if ref.kind is not SourceKind.GITHUB or ref.repo_id is None:
            raise BadRequest(
                "github_url must name a GitHub repository, e.g. https://github.com/owner/repo"
            )
        with self.db.read() as session:
            row = ArtifactRepository(session).get(artifact_id)
            if row is None or row.type != ArtifactType.MODEL.value:
                raise NotFound(f"no model with id {artifact_id}")
            model_license = declared(
                (row.card or {}).get("license"), (row.upstream or {}).get("license")
            )
        repo = self.github.repo(ref.repo_id)  # 404 unknown repository, 502 GitHub failure
        return decide(classify(model_license), classify(repo.license_spdx))
