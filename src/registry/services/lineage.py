"""The lineage graph of a model and the download cost of an artifact with its dependencies.

Both read the registry as it is at the time of the call: links are stored by upstream
identity and resolved to registry artifacts on every request, so a parent ingested
after its child appears, and a deleted one disappears, without touching the child.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.db.models import ArtifactLinkRow, ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import NotFound
from registry.domain.lineage import declared_links
from registry.domain.models import ArtifactType
from registry.services.metadata import stored_description
from registry.storage.blobs import BlobStore

# Sizes are reported in MB, where 1 MB = 1,000,000 bytes (SI, as storage vendors and
# AWS bill them), rounded to the byte (6 decimals).
BYTES_PER_MB = 1_000_000
_KIND_TYPES = {"model": ("model",), "dataset": ("dataset",), "code": ("code", "model")}


def mb(size: int) -> float:
    return round(size / BYTES_PER_MB, 6)


@dataclass
class _Graph:
    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)


class LineageService:
    def __init__(self, db: Database, blobs: BlobStore, *, hf_endpoint: str) -> None:
        self.db = db
        self.blobs = blobs
        self.hf_endpoint = hf_endpoint

    @staticmethod
    def _resolve(session: Session, link: ArtifactLinkRow) -> ArtifactRow | None:
        """The registry artifact a link points at: the first ingested of the right type."""
        candidates = session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.origin == link.target_origin)
            .where(ArtifactRow.type.in_(_KIND_TYPES[link.kind]))
            .options(selectinload(ArtifactRow.links), selectinload(ArtifactRow.files))
            .order_by(ArtifactRow.seq)
        ).all()
        preferred = [c for c in candidates if c.type == _KIND_TYPES[link.kind][0]]
        found = preferred or list(candidates)
        return found[0] if found else None

    def _model(self, session: Session, artifact_id: str) -> ArtifactRow:
        row = ArtifactRepository(session).get(artifact_id)
        if row is None or row.type != ArtifactType.MODEL.value:
            raise NotFound(f"no model with id {artifact_id}")
        return row

    # -- GET /artifact/model/{id}/lineage --------------------------------------

    def graph(self, artifact_id: str) -> dict[str, Any]:
        with self.db.read() as session:
            root = self._model(session, artifact_id)
            # The metadata must have the shapes the lineage reads (400 otherwise).
            description = stored_description(root, self.blobs, self.hf_endpoint)
            declared_links(
                config=description.config,
                adapter_config=description.adapter_config,
                card=description.card,
                readme=description.readme,
                own_id=description.ref.repo_id or description.ref.url,
                strict=True,
            )
            graph = _Graph()
            graph.nodes[root.seq] = _node(root, "registry")
            queue: deque[ArtifactRow] = deque([root])
            visited = {root.seq}
            while queue:
                child = queue.popleft()
                unresolved: list[str] = []
                for link in sorted(child.links, key=lambda lk: (lk.kind, lk.ref)):
                    parent = self._resolve(session, link)
                    if parent is None:
                        if link.kind == "model":
                            unresolved.append(link.ref)
                        continue
                    graph.nodes.setdefault(parent.seq, _node(parent, link.source))
                    graph.edges.append(
                        {
                            "from_node_artifact_id": parent.id,
                            "to_node_artifact_id": child.id,
                            "relationship": link.relationship,
                        }
                    )
                    if link.kind == "model" and parent.seq not in visited:
                        visited.add(parent.seq)
                        queue.append(parent)
                if unresolved:
                    graph.nodes[child.seq]["metadata"]["parents_not_in_registry"] = unresolved
        return {"nodes": list(graph.nodes.values()), "edges": graph.edges}

    # -- GET /artifact/{type}/{id}/cost -------------------------------------------

    def cost(
        self, artifact_type: ArtifactType, artifact_id: str, dependency: bool
    ) -> dict[str, Any]:
        with self.db.read() as session:
            root = ArtifactRepository(session).get(artifact_id)
            if root is None or root.type != artifact_type.value:
                raise NotFound(f"no {artifact_type.value} with id {artifact_id}")
            if not dependency:
                size = mb(root.bundle_size)
                return {root.id: {"standalone_cost": size, "total_cost": size}}
            closures: dict[int, list[ArtifactRow]] = {}
            members = self._closure(session, root, closures)
            result: dict[str, Any] = {}
            for row in members:
                own = self._closure(session, row, closures)
                result[row.id] = {
                    "standalone_cost": mb(row.bundle_size),
                    "total_cost": mb(sum(r.bundle_size for r in own)),
                }
            distinct = {f.sha256: f.size for r in members for f in r.files}
            result[root.id]["deduplicated_cost"] = mb(sum(distinct.values()))
        return result

    def _closure(
        self, session: Session, start: ArtifactRow, memo: dict[int, list[ArtifactRow]]
    ) -> list[ArtifactRow]:
        """`start` and everything it depends on, each once: parent models transitively and
        the datasets and code any of them names, when they are in the registry."""
        if start.seq in memo:
            return memo[start.seq]
        seen: dict[int, ArtifactRow] = {start.seq: start}
        queue: deque[ArtifactRow] = deque([start])
        while queue:
            row = queue.popleft()
            for link in row.links:
                target = self._resolve(session, link)
                if target is None or target.seq in seen:
                    continue
                seen[target.seq] = target
                if link.kind == "model":
                    queue.append(target)
        memo[start.seq] = list(seen.values())
        return memo[start.seq]


def _node(row: ArtifactRow, source: str) -> dict[str, Any]:
    return {
        "artifact_id": row.id,
        "name": row.name,
        "source": source,
        "metadata": {"type": row.type, "repository_url": row.source_url},
    }
