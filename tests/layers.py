"""Hand-built annotation layers over one short text, for agreement and adjudication tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from claimstance.corpus.annotation import canonicalize, empty_provenance
from claimstance.corpus.document import sha256

TEXT = "Mali accused Algeria of lying. Niger backed Mali. The AES met in Bamako."
DOC = "hand-built"


def sp(s: str, k: int = 0) -> tuple[int, int]:
    """Offsets of the k-th occurrence of s in TEXT."""
    i = -1
    for _ in range(k + 1):
        i = TEXT.index(s, i + 1)
    return i, i + len(s)


def layer(annotator: str, mentions: list[tuple[str, int, str]],
          claims: list[tuple[str, str, tuple[str, int] | None]],
          stances: list[tuple[tuple[str, int], str, str]]) -> dict[str, Any]:
    """mentions: (text, occurrence, type); claims: (text, type, claimant (text, occurrence));
    stances: (holder (text, occurrence), claim text, label)."""
    ms = []
    for i, (s, k, t) in enumerate(mentions, 1):
        a, b = sp(s, k)
        ms.append({"id": f"m{i}", "start": a, "end": b, "text": s, "type": t})

    def mid(ref: tuple[str, int]) -> str:
        a, b = sp(*ref)
        return str(next(m["id"] for m in ms if (m["start"], m["end"]) == (a, b)))

    cs = []
    for i, (s, t, who) in enumerate(claims, 1):
        a, b = sp(s)
        cs.append({"id": f"c{i}", "start": a, "end": b, "text": s, "type": t,
                   "claimant": mid(who) if who else None})
    ss = [{"id": f"s{i}", "holder": mid(h), "claim": next(c["id"] for c in cs if c["text"] == c_),
           "label": label} for i, (h, c_, label) in enumerate(stances, 1)]
    return canonicalize({
        "schema_version": "1.0", "document": {"id": DOC, "sha256": sha256(TEXT)},
        "annotator": annotator, "status": "submitted",
        "provenance": empty_provenance("manual") | {"updated_at": "2026-11-25"},
        "mentions": ms, "claims": cs, "stances": ss})


A = layer("ann-a",
          [("Mali", 0, "GPE"), ("Algeria", 0, "GPE"), ("Niger", 0, "GPE"), ("Mali", 1, "GPE"),
           ("AES", 0, "ORG"), ("Bamako", 0, "GPE")],
          [("lying", "accusation", ("Mali", 0)), ("The AES met in Bamako", "fact", None)],
          [(("Niger", 0), "lying", "support"), (("Algeria", 0), "The AES met in Bamako", "refute"),
           (("Bamako", 0), "lying", "neutral"), (("Mali", 1), "The AES met in Bamako", "neutral")])
B = layer("ann-b",
          [("Mali", 0, "GPE"), ("Algeria", 0, "PERSON"), ("Niger", 0, "GPE"),
           ("The AES", 0, "ORG"), ("Bamako", 0, "LOC")],
          [("of lying", "accusation", ("Mali", 0)),
           ("The AES met in Bamako", "evaluation", None)],
          [(("Niger", 0), "of lying", "refute"),
           (("Algeria", 0), "The AES met in Bamako", "refute"),
           (("Bamako", 0), "of lying", "neutral")])


def make_corpus(tmp_path: Path, layers: Iterable[dict[str, Any]]) -> Path:
    """A corpus of TEXT (ingested) with the given annotator layers written beside it."""
    from claimstance.ingest import ingest

    root = tmp_path / "c"
    (root / "seeds").mkdir(parents=True)
    src = tmp_path / "t.txt"
    src.write_text(TEXT)
    ingest(src, DOC, root, title="Hand-built", added="2026-11-25")
    folder = root / "annotations" / DOC
    folder.mkdir(parents=True)
    for layer_ in layers:
        (folder / f"{layer_['annotator']}.json").write_text(json.dumps(layer_, indent=2) + "\n")
    return root


def as_annotator(gold_path: Path, name: str, *, replace: bool = False) -> Path:
    """Copy (or, with replace, move) a gold layer to a submitted layer of `name`."""
    data = json.loads(gold_path.read_text(encoding="utf-8"))
    data["annotator"], data["status"] = name, "submitted"
    data["provenance"].pop("sources", None)
    target = gold_path.with_name(f"{name}.json")
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if replace:
        gold_path.unlink()
    return target
