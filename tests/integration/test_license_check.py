"""The licence check against any CodeRepositories: the service needs no GitHub client."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.domain.errors import BadRequest, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.rating.licenses import LicenseCategory
from registry.services.container import Registry
from registry.services.license_check import LicenseCheckService
from tests.conftest import ADMIN_USER, BERT

ADMIN = ADMIN_USER


@dataclass(frozen=True)
class Repo:
    license_spdx: str | None


class Repositories:
    def __init__(self, licenses: dict[str, str | None]) -> None:
        self.licenses = licenses
        self.asked: list[str] = []

    def repo(self, full_name: str) -> Repo:
        self.asked.append(full_name)
        if full_name not in self.licenses:
            raise UpstreamNotFound(f"no repository {full_name}")
        return Repo(self.licenses[full_name])


@pytest.fixture
def bert(registry: Registry) -> str:
    return registry.ingest.create(ArtifactType.MODEL, BERT, None, ADMIN).id


def _service(registry: Registry, repos: Repositories) -> LicenseCheckService:
    return LicenseCheckService(registry.db, repos, hf_endpoint=registry.settings.hf_endpoint)


def test_the_verdict_pairs_the_model_licence_with_the_repository_licence(
    registry: Registry, bert: str
) -> None:
    repos = Repositories({"acme/service": "AGPL-3.0-only", "acme/tool": None})
    service = _service(registry, repos)
    agpl = service.check(bert, "https://github.com/acme/service", ADMIN)
    assert (agpl.model_license, agpl.code_license) == ("Apache-2.0", "AGPL-3.0-only")
    assert agpl.code_category is LicenseCategory.NETWORK_COPYLEFT
    assert agpl.compatible
    unlicensed = service.check(bert, "https://github.com/acme/tool", ADMIN)
    assert not unlicensed.compatible
    assert repos.asked == ["acme/service", "acme/tool"]


def test_an_unknown_repository_and_a_non_github_url_are_refused(
    registry: Registry, bert: str
) -> None:
    repos = Repositories({})
    service = _service(registry, repos)
    with pytest.raises(UpstreamNotFound):
        service.check(bert, "https://github.com/acme/gone", ADMIN)
    with pytest.raises(BadRequest, match="GitHub repository"):
        service.check(bert, "https://huggingface.co/acme/model", ADMIN)
    assert repos.asked == ["acme/gone"]
