"""A layer's items with references as list indexes: what matching and scoring compare.

Annotation layers refer to items by id (m1, c1); predictions may use their own ids, none at
all, or give a claimant or holder as a span. Both become `Items`, so the scorer, agreement
and the baseline never look at ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Span = tuple[int, int]
Labelled = tuple[int, int, str]  # (start, end, label)


@dataclass(frozen=True)
class Items:
    """Mentions, claims and stances of one document.

    `claimants[k]` is the claimant of claim k and a stance's holder is an index into
    `mentions + implicit`; `implicit` holds spans named only as a claimant or holder (a
    prediction may name one without predicting it as a mention): they take part in linking
    a claimant or holder to gold, never in the mention figures.
    """

    mentions: list[Labelled] = field(default_factory=list)
    claims: list[Labelled] = field(default_factory=list)
    claimants: list[int | None] = field(default_factory=list)
    stances: list[tuple[int, int, str]] = field(default_factory=list)  # (holder, claim, label)
    implicit: list[Span] = field(default_factory=list)

    def people(self) -> list[Span]:
        """Spans of everything a claimant or holder index may point to."""
        return [(s, e) for s, e, _ in self.mentions] + self.implicit


def from_layer(layer: dict[str, Any]) -> Items:
    """Items of a valid annotation layer (references resolve: the validator checked them)."""
    mid = {m["id"]: k for k, m in enumerate(layer["mentions"])}
    cid = {c["id"]: k for k, c in enumerate(layer["claims"])}
    return Items(
        mentions=[(m["start"], m["end"], m["type"]) for m in layer["mentions"]],
        claims=[(c["start"], c["end"], c["type"]) for c in layer["claims"]],
        claimants=[None if c["claimant"] is None else mid[c["claimant"]]
                   for c in layer["claims"]],
        stances=[(mid[s["holder"]], cid[s["claim"]], s["label"]) for s in layer["stances"]],
    )


def to_layer(items: Items, text: str) -> dict[str, list[dict[str, Any]]]:
    """The layer-shaped mentions, claims and stances of `items` over `text`, ids m1.., c1..,
    s1.. in the items' order (what Label Studio is shown as suggestions, and what agreement
    compares). A claimant or holder named only by a span (`implicit`) is no mention, so it is
    left out: the claim gets no claimant, the stance is dropped (`implicit_links` counts
    them)."""
    n = len(items.mentions)
    return {
        "mentions": [{"id": f"m{k}", "start": s, "end": e, "text": text[s:e], "type": t}
                     for k, (s, e, t) in enumerate(items.mentions, 1)],
        "claims": [{"id": f"c{k}", "start": s, "end": e, "text": text[s:e], "type": t,
                    "claimant": f"m{who + 1}" if who is not None and who < n else None}
                   for k, ((s, e, t), who) in enumerate(zip(items.claims, items.claimants,
                                                            strict=True), 1)],
        "stances": [{"id": f"s{k}", "holder": f"m{h + 1}", "claim": f"c{c + 1}", "label": label}
                    for k, (h, c, label) in enumerate([x for x in items.stances if x[0] < n],
                                                      1)],
    }


def implicit_links(items: Items) -> int:
    """Claimants and stance holders named only by a span: `to_layer` cannot keep them."""
    n = len(items.mentions)
    return (sum(1 for who in items.claimants if who is not None and who >= n)
            + sum(1 for h, _, _ in items.stances if h >= n))
