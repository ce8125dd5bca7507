"""The lineage graph of a model and the download cost of an artifact with its dependencies.

Both read the registry as it is at the time of the call: links are stored by upstream
identity and resolved to registry artifacts on every request, so a parent ingested
after its child appears, and a deleted one disappears, without touching the child.

Both answer for one viewer. A dependency private to groups the viewer is not in is
never named: the lineage shows a placeholder node (`private-1`, no name, no id) and
does not follow its own parents (they are its private metadata); the cost leaves it
out of every figure and counts it in the root's `hidden_dependencies`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.db.access import visible_seqs
from registry.db.models import ArtifactLinkRow, ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import NotFound
from registry.domain.lineage import declared_links
from registry.domain.models import ArtifactType, User
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
    nodes: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)  # target origin -> placeholder id

    def placeholder(self, origin: str, source: str) -> str:
        """The node standing for a private artifact: the same one for every link to it."""
        if origin not in self.hidden:
            ident = f"private-{len(self.hidden) + 1}"
            self.hidden[origin] = ident
            self.nodes[ident] = {
                "node": ident,
                "artifact_id": ident,
                "name": "private artifact",
                "source": source,
                "metadata": {"private": True},
            }
        return self.hidden[origin]


@dataclass(frozen=True)
class _Resolved:
    row: ArtifactRow | None  # what the link points at, when the viewer may see it
    hidden: bool  # the registry has it, but only as artifacts the viewer may not see


class LineageService:
    def __init__(self, db: Database, blobs: BlobStore, *, hf_endpoint: str) -> None:
        self.db = db
        self.blobs = blobs
        self.hf_endpoint = hf_endpoint

    @staticmethod
    def _resolve(session: Session, link: ArtifactLinkRow, viewer: User) -> _Resolved:
        """The registry artifact a link points at: the first ingested of the right type
        among those `viewer` may see."""
        candidates = session.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.origin == link.target_origin)
            .where(ArtifactRow.type.in_(_KIND_TYPES[link.kind]))
            .options(selectinload(ArtifactRow.links), selectinload(ArtifactRow.files))
            .order_by(ArtifactRow.seq)
        ).all()
        seen = visible_seqs(session, [c.seq for c in candidates], viewer)
        visible = [c for c in candidates if c.seq in seen]
        preferred = [c for c in visible if c.type == _KIND_TYPES[link.kind][0]]
        found = preferred or visible
        return _Resolved(found[0] if found else None, hidden=bool(candidates) and not found)

    def _model(self, session: Session, artifact_id: str, viewer: User) -> ArtifactRow:
        row = ArtifactRepository(session, viewer).get(artifact_id)
        if row is None or row.type != ArtifactType.MODEL.value:
            raise NotFound(f"no model with id {artifact_id}")
        return row

    # -- GET /artifact/model/{id}/lineage --------------------------------------

    def graph(self, artifact_id: str, viewer: User) -> dict[str, Any]:
        with self.db.read() as session:
            root = self._model(session, artifact_id, viewer)
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
                    resolved = self._resolve(session, link, viewer)
                    parent = resolved.row
                    if parent is None:
                        if resolved.hidden:
                            hidden = graph.placeholder(link.target_origin, link.source)
                            graph.edges.append(_edge(hidden, child.id, link.relationship))
                        elif link.kind == "model":
                            unresolved.append(link.ref)
                        continue
                    graph.nodes.setdefault(parent.seq, _node(parent, link.source))
                    graph.edges.append(_edge(parent.id, child.id, link.relationship))
                    if link.kind == "model" and parent.seq not in visited:
                        visited.add(parent.seq)
                        queue.append(parent)
                if unresolved:
                    graph.nodes[child.seq]["metadata"]["parents_not_in_registry"] = unresolved
        return {"nodes": list(graph.nodes.values()), "edges": graph.edges}

    # -- GET /artifact/{type}/{id}/cost -------------------------------------------

    def cost(
        self, artifact_type: ArtifactType, artifact_id: str, dependency: bool, viewer: User
    ) -> dict[str, Any]:
        with self.db.read() as session:
            root = ArtifactRepository(session, viewer).get(artifact_id)
            if root is None or root.type != artifact_type.value:
                raise NotFound(f"no {artifact_type.value} with id {artifact_id}")
            if not dependency:
                size = mb(root.bundle_size)
                return {root.id: {"standalone_cost": size, "total_cost": size}}
            closures: dict[int, list[ArtifactRow]] = {}
            hidden: set[str] = set()
            members = self._closure(session, root, closures, viewer, hidden)
            result: dict[str, Any] = {}
            for row in members:
                own = self._closure(session, row, closures, viewer, hidden)
                result[row.id] = {
                    "standalone_cost": mb(row.bundle_size),
                    "total_cost": mb(sum(r.bundle_size for r in own)),
                }
            distinct = {f.sha256: f.size for r in members for f in r.files}
            result[root.id]["deduplicated_cost"] = mb(sum(distinct.values()))
            if hidden:
                result[root.id]["hidden_dependencies"] = len(hidden)
        return result

    def _closure(
        self,
        session: Session,
        start: ArtifactRow,
        memo: dict[int, list[ArtifactRow]],
        viewer: User,
        hidden: set[str],
    ) -> list[ArtifactRow]:
        """`start` and everything it depends on, each once: parent models transitively and
        the datasets and code any of them names, when they are in the registry and
        `viewer` may see them (the origins of the others are added to `hidden`)."""
        if start.seq in memo:
            return memo[start.seq]
        seen: dict[int, ArtifactRow] = {start.seq: start}
        queue: deque[ArtifactRow] = deque([start])
        while queue:
            row = queue.popleft()
            for link in row.links:
                resolved = self._resolve(session, link, viewer)
                target = resolved.row
                if resolved.hidden:
                    hidden.add(link.target_origin)
                if target is None or target.seq in seen:
                    continue
                seen[target.seq] = target
                if link.kind == "model":
                    queue.append(target)
        memo[start.seq] = list(seen.values())
        return memo[start.seq]


def _edge(parent_id: str, child_id: str, relationship: str) -> dict[str, str]:
    return {
        "from_node_artifact_id": parent_id,
        "to_node_artifact_id": child_id,
        "relationship": relationship,
    }


def _node(row: ArtifactRow, source: str) -> dict[str, Any]:
    return {
        "node": row.id,  # the contract's ArtifactLineageNode requires it: the node's id
        "artifact_id": row.id,
        "name": row.name,
        "source": source,
        "metadata": {"type": row.type, "repository_url": row.source_url},
    }
