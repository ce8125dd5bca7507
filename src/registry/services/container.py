"""The wired set of services one registry instance runs with."""

from __future__ import annotations

from dataclasses import dataclass

from registry.db.session import Database
from registry.limits.guards import RateLimiter
from registry.observability.components import HealthReport
from registry.observability.telemetry import Telemetry
from registry.services.accounts import AccountService
from registry.services.artifacts import ArtifactService
from registry.services.audit import AuditService
from registry.services.blobs import BlobJanitor
from registry.services.details import DetailsService
from registry.services.download import DownloadService
from registry.services.groups import GroupService
from registry.services.hub_mirror import HubMirrorService
from registry.services.ingest import IngestService
from registry.services.license_check import LicenseCheckService
from registry.services.lineage import LineageService
from registry.services.monitors import MonitorService
from registry.services.rating import RatingService
from registry.services.search import SearchService
from registry.services.uploads import UploadService
from registry.services.users import UserService
from registry.settings import Settings
from registry.storage.blobs import BlobStore


@dataclass
class Registry:
    settings: Settings
    db: Database
    blobs: BlobStore
    users: UserService
    artifacts: ArtifactService
    ingest: IngestService
    search: SearchService
    downloads: DownloadService
    janitor: BlobJanitor
    ratings: RatingService
    lineage: LineageService
    licenses: LicenseCheckService
    hub: HubMirrorService
    uploads: UploadService
    telemetry: Telemetry
    health: HealthReport
    accounts: AccountService
    groups: GroupService
    audit: AuditService
    monitors: MonitorService
    details: DetailsService  # the facts the artifact page and /details show
    # Requests per minute on expensive operations, per token and address (api.limits).
    rate_limits: RateLimiter | None = None

    def close(self) -> None:
        self.telemetry.close()
        self.db.dispose()
