"""The lineage graph laid out for an SVG drawn on the server (no script needed).

The model is at the bottom; each row above holds the artifacts one step further up
its lineage (parents, their datasets and code, their parents...). Positions only: the
template draws them, so every label goes through Jinja's escaping. At most
`MAX_NODES` are drawn; the list beside the drawing always has them all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 220, 46, 24, 64, 12
MAX_NODES = 60
MAX_LABEL = 26


@dataclass(frozen=True)
class Box:
    id: str
    label: str  # shortened to fit the box
    name: str  # the whole name, for the tooltip and the list
    type: str
    private: bool  # a private artifact the viewer may not see: no link
    is_root: bool
    x: int
    y: int


@dataclass(frozen=True)
class Arrow:
    x1: int
    y1: int
    x2: int
    y2: int
    relationship: str


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]
    omitted: int  # nodes left out of the drawing (the list has them)


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def _depths(root: str, edges: list[dict[str, Any]]) -> dict[str, int]:
    parents: dict[str, list[str]] = {}
    for edge in edges:
        parents.setdefault(edge["to_node_artifact_id"], []).append(edge["from_node_artifact_id"])
    depth = {root: 0}
    queue = deque([root])
    while queue:
        child = queue.popleft()
        for parent in parents.get(child, []):
            if parent not in depth:
                depth[parent] = depth[child] + 1
                queue.append(parent)
    return depth


def layout(graph: dict[str, Any], root: str) -> Drawing:
    nodes = {n["artifact_id"]: n for n in graph.get("nodes", [])}
    edges = list(graph.get("edges", []))
    depth = _depths(root, edges)
    for node_id in nodes:
        depth.setdefault(node_id, 1)  # not reached from the model: one row up
    drawn = sorted(nodes, key=lambda i: (depth[i], nodes[i].get("name", ""), i))[:MAX_NODES]
    rows: dict[int, list[str]] = {}
    for node_id in drawn:
        rows.setdefault(depth[node_id], []).append(node_id)
    top = max(rows) if rows else 0
    widest = max((len(r) for r in rows.values()), default=1)
    width = PAD * 2 + widest * NODE_W + (widest - 1) * GAP_X
    height = PAD * 2 + (top + 1) * NODE_H + top * GAP_Y
    boxes: dict[str, Box] = {}
    for level, ids in rows.items():
        row_width = len(ids) * NODE_W + (len(ids) - 1) * GAP_X
        x0 = (width - row_width) // 2
        y = PAD + (top - level) * (NODE_H + GAP_Y)
        for i, node_id in enumerate(ids):
            node = nodes[node_id]
            name = str(node.get("name", node_id))
            boxes[node_id] = Box(
                id=node_id,
                label=_short(name),
                name=name,
                type=str(node.get("metadata", {}).get("type", "")),
                private=bool(node.get("metadata", {}).get("private")),
                is_root=node_id == root,
                x=x0 + i * (NODE_W + GAP_X),
                y=y,
            )
    arrows = [
        Arrow(
            x1=boxes[e["from_node_artifact_id"]].x + NODE_W // 2,
            y1=boxes[e["from_node_artifact_id"]].y + NODE_H,
            x2=boxes[e["to_node_artifact_id"]].x + NODE_W // 2,
            y2=boxes[e["to_node_artifact_id"]].y,
            relationship=str(e.get("relationship", "")),
        )
        for e in edges
        if e["from_node_artifact_id"] in boxes and e["to_node_artifact_id"] in boxes
    ]
    return Drawing(width, height, list(boxes.values()), arrows, len(nodes) - len(drawn))
