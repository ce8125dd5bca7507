"""The lineage drawing: the model at the bottom, each ancestor a row higher."""

from __future__ import annotations

from registry.web.lineage_svg import MAX_LABEL, MAX_NODES, NODE_H, layout


def _node(ident: str, name: str, kind: str = "model") -> dict[str, object]:
    return {"artifact_id": ident, "name": name, "metadata": {"type": kind}}


def _edge(parent: str, child: str) -> dict[str, str]:
    return {"from_node_artifact_id": parent, "to_node_artifact_id": child, "relationship": "r"}


def test_parents_sit_above_their_children_and_arrows_join_them() -> None:
    graph = {
        "nodes": [
            _node("c", "child"),
            _node("p", "parent"),
            _node("g", "grandparent"),
            _node("d", "data", "dataset"),
        ],
        "edges": [_edge("p", "c"), _edge("g", "p"), _edge("d", "c")],
    }
    drawing = layout(graph, "c")
    boxes = {b.id: b for b in drawing.boxes}
    assert boxes["c"].is_root and boxes["c"].y > boxes["p"].y > boxes["g"].y
    assert boxes["d"].y == boxes["p"].y and boxes["d"].x != boxes["p"].x
    assert drawing.height >= boxes["c"].y + NODE_H
    assert all(b.x >= 0 and b.x < drawing.width for b in drawing.boxes)
    assert len(drawing.arrows) == 3 and all(a.y1 < a.y2 for a in drawing.arrows)
    assert drawing.omitted == 0


def test_long_names_are_shortened_and_huge_graphs_bounded() -> None:
    many = [_node(f"n{i}", "x" * 100) for i in range(MAX_NODES + 5)]
    graph = {
        "nodes": [_node("root", "root"), *many],
        "edges": [_edge(f"n{i}", "root") for i in range(MAX_NODES + 5)],
    }
    drawing = layout(graph, "root")
    assert len(drawing.boxes) == MAX_NODES and drawing.omitted == 6
    assert all(len(b.label) <= MAX_LABEL for b in drawing.boxes)
    assert any(b.name == "x" * 100 for b in drawing.boxes)  # the whole name, for the tooltip


def test_a_private_parent_is_drawn_without_a_name_to_follow() -> None:
    graph = {
        "nodes": [
            _node("c", "child"),
            {"artifact_id": "private-1", "name": "private artifact", "metadata": {"private": True}},
        ],
        "edges": [_edge("private-1", "c")],
    }
    boxes = {b.id: b for b in layout(graph, "c").boxes}
    assert boxes["private-1"].private and not boxes["c"].private
