"""Request and response bodies of the HTTP API (pydantic v2), as the spec defines them.

Models are strict: a number where the spec wants a string is a 400, not a silent
conversion.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.domain.models import Artifact, ArtifactSummary, ArtifactType

# JSON has no enum type: a type name arrives as a string, which strict mode would refuse.
TypeName = Annotated[ArtifactType, Field(strict=False)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class UserIn(Strict):
    name: str
    is_admin: bool  # required by the contract's User, though sign-in does not use it


class SecretIn(Strict):
    password: str


class AuthenticationRequest(Strict):
    user: UserIn
    secret: SecretIn


class VisibilityIn(Strict):
    """REGISTRY EXTENSION: the groups an artifact is private to ([]: public)."""

    groups: list[str] = Field(max_length=32)


class ArtifactDataIn(Strict):
    url: str
    name: str | None = None
    visibility: VisibilityIn | None = None


class ArtifactQueryIn(Strict):
    name: str
    types: list[TypeName] = Field(default_factory=list)  # []: every type; null is no list


class ArtifactMetadataModel(Strict):
    name: str
    id: str
    type: TypeName


class ArtifactDataUpdateIn(Strict):
    url: str


class ArtifactUpdateIn(Strict):
    metadata: ArtifactMetadataModel
    data: ArtifactDataUpdateIn


class ArtifactRegexIn(Strict):
    regex: str


class LicenseCheckIn(Strict):
    github_url: str


class ArtifactDataOut(BaseModel):
    url: str
    download_url: str


class ArtifactOut(BaseModel):
    metadata: ArtifactMetadataModel
    data: ArtifactDataOut

    @classmethod
    def of(cls, artifact: Artifact, download_url: str) -> ArtifactOut:
        return cls(
            metadata=ArtifactMetadataModel(name=artifact.name, id=artifact.id, type=artifact.type),
            data=ArtifactDataOut(url=artifact.source_url, download_url=download_url),
        )


def metadata_list(items: list[ArtifactSummary]) -> list[dict[str, str]]:
    return [{"name": a.name, "id": a.id, "type": a.type.value} for a in items]
