"""The layers every interchange round trip runs on: every layer of the corpus, every layer of
the test fixtures that validates without errors (tests/cases, warnings included: spans on
whitespace, inside words, ...), the hand-built layers A and B, and layers over texts with
emoji, a combining mark and line breaks, and one with the same mention twice."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from claimstance.corpus.annotation import canonicalize, empty_provenance
from claimstance.corpus.document import sha256
from claimstance.interchange.common import to_layer
from claimstance.validation.run import validate

from .conftest import CASES as CASE_DIR
from .conftest import REPO
from .layers import DOC, TEXT, A, B

Seed = dict[str, Any]
Layer = dict[str, Any]

# 🇲🇱 is two regional indicators (4 UTF-16 units), 😞 one astral code point (2 units), and
# "Sɛ̀gu" has a combining grave accent with no precomposed form (NFC keeps it).
EMOJI_TEXT = ("Mali 🇲🇱 accused Algeria of lying 😞.\n"
              "The governor of S\u025b\u0300gu backed Mali.\nAlgeria denied it.")
BREAKS_TEXT = "Mali lied.\n\nAlgeria denied it.\u2028Niger agreed."
# a ZWJ family emoji (five code points, 8 UTF-16 units), a flag, precomposed and combining
# accents, a tab, a form feed, a no-break space and line breaks that claims run across
SPECIAL_TEXT = ("Ségou 👩\u200d👩\u200d👧 backed Mali 🇲🇱.\tThe governor of Se\u0301gou said\x0c"
                "Algeria lied.\nKidal\u00a0officials agreed\nwith him.")


def seed_of(doc_id: str, text: str) -> Seed:
    return {"id": doc_id, "text": text, "sha256": sha256(text), "title": doc_id}


def _find(text: str, s: str, k: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(k + 1):
        i = text.index(s, i + 1)
    return i, i + len(s)


def emoji_layer() -> Layer:
    t = EMOJI_TEXT

    def m(i: int, s: str, typ: str, k: int = 0, qid: str | None = None) -> dict[str, Any]:
        a, b = _find(t, s, k)
        return {"id": f"m{i}", "start": a, "end": b, "text": s, "type": typ} | (
            {"entity": qid} if qid else {})

    def c(i: int, s: str, typ: str, who: str | None) -> dict[str, Any]:
        a, b = _find(t, s)
        return {"id": f"c{i}", "start": a, "end": b, "text": s, "type": typ, "claimant": who}

    mentions = [m(1, "Mali", "GPE", qid="Q912"), m(2, "🇲🇱", "GPE", qid="Q912"),
                m(3, "Algeria", "GPE", qid="Q262"),
                m(4, "The governor of S\u025b\u0300gu", "PERSON"), m(5, "S\u025b\u0300gu", "GPE"),
                m(6, "Mali", "GPE", 1), m(7, "Algeria", "GPE", 1)]
    claims = [c(1, "of lying 😞", "accusation", "m1"),
              c(2, "Mali 🇲🇱 accused Algeria of lying 😞.\nThe governor of S\u025b\u0300gu backed "
                   "Mali", "fact", None)]
    stances = [{"id": "s1", "holder": "m4", "claim": "c1", "label": "support"},
               {"id": "s2", "holder": "m7", "claim": "c1", "label": "refute"}]
    return canonicalize({
        "schema_version": "1.0", "document": {"id": "emoji-text", "sha256": sha256(t)},
        "annotator": "ann-e", "status": "submitted",
        "provenance": empty_provenance("manual"),
        "mentions": mentions, "claims": claims, "stances": stances})


def breaks_layer() -> Layer:
    """Claims that start or end on line breaks, or run across them (brat cuts them)."""
    text = BREAKS_TEXT
    spans = [("lied.\n", "fact"), ("\n\nAlgeria", "fact"), ("lied.\n\nAlgeria denied", "fact"),
             ("it.\u2028Niger", "evaluation")]
    claims = [{"id": f"c{i}", "start": text.index(s), "end": text.index(s) + len(s), "text": s,
               "type": t, "claimant": None} for i, (s, t) in enumerate(spans, 1)]
    return to_layer(seed_of("breaks", text), "ann-x",
                    {"mentions": [], "claims": claims, "stances": []})


def special_layer() -> Layer:
    """Mentions on each special character's neighbours, claims across the tab, the form feed
    and a line break."""
    t = SPECIAL_TEXT
    mentions = [("Ségou", "GPE", 0), ("👩\u200d👩\u200d👧", "GROUP", 0), ("Mali", "GPE", 0),
                ("🇲🇱", "GPE", 0), ("The governor of Se\u0301gou", "PERSON", 0),
                ("Se\u0301gou", "GPE", 0), ("Algeria", "GPE", 0),
                ("Kidal\u00a0officials", "GROUP", 0), ("Kidal", "GPE", 0)]
    ms = []
    for k, (s, typ, n) in enumerate(mentions, 1):
        a, b = _find(t, s, n)
        ms.append({"id": f"m{k}", "start": a, "end": b, "text": s, "type": typ}
                  | ({"entity": "Q912"} if s == "Mali" else {}))
    claims = [("backed Mali 🇲🇱.\tThe governor", "fact", "m2"),
              ("said\x0cAlgeria lied", "accusation", "m5"),
              ("officials agreed\nwith him", "evaluation", "m8")]
    cs = []
    for k, (s, typ, who) in enumerate(claims, 1):
        a, b = _find(t, s)
        cs.append({"id": f"c{k}", "start": a, "end": b, "text": s, "type": typ, "claimant": who})
    stances = [{"id": "s1", "holder": "m7", "claim": "c2", "label": "refute"}]
    return to_layer(seed_of("special-text", t), "ann-s",
                    {"mentions": ms, "claims": cs, "stances": stances})


def two_malis(qid_on: int = 2) -> tuple[Seed, Layer]:
    """The same mention twice (the same span and type): one has the QID and the claim, the
    other a stance (M16: doccano's round trip moved the QID to the other one)."""
    seed = seed_of("two-malis", "Mali said Algeria lied.")
    mali: dict[str, Any] = {"start": 0, "end": 4, "text": "Mali", "type": "GPE"}
    qid = {"entity": "Q912"}
    mentions = [{"id": "m1", **mali} | (qid if qid_on == 1 else {}),
                {"id": "m2", **mali} | (qid if qid_on == 2 else {}),
                {"id": "m3", "start": 10, "end": 17, "text": "Algeria", "type": "GPE"}]
    items = {"mentions": mentions,
             "claims": [{"id": "c1", "start": 10, "end": 22, "text": "Algeria lied",
                         "type": "accusation", "claimant": "m2"}],
             "stances": [{"id": "s1", "holder": "m1", "claim": "c1", "label": "support"}]}
    return seed, to_layer(seed, "ann-m", items)


def _roots() -> list[Path]:
    return [REPO, *sorted({p.parents[2] for p in CASE_DIR.rglob("annotations/*/*.json")})]


def _from(root: Path) -> dict[str, tuple[Seed, Layer]]:
    """The layers of a corpus (or a case folder) that validates without errors."""
    out: dict[str, tuple[Seed, Layer]] = {}
    if validate(root).errors:
        return out
    name = "corpus" if root == REPO else root.relative_to(CASE_DIR).as_posix()
    for path in sorted(root.glob("annotations/*/*.json")):
        seed = json.loads((root / "seeds" / f"{path.parent.name}.json").read_text("utf-8"))
        layer = json.loads(path.read_text("utf-8"))
        out[f"{name}/{path.parent.name}/{path.stem}"] = (seed, layer)
    return out


TWO_MALIS = "two-malis/ann-m"


@functools.cache
def all_cases() -> dict[str, tuple[Seed, Layer]]:
    cases: dict[str, tuple[Seed, Layer]] = {}
    for root in _roots():
        cases |= _from(root)
    hand = seed_of(DOC, TEXT)
    cases |= {"hand-built/A": (hand, A), "hand-built/B": (hand, B),
              "emoji-text/ann-e": (seed_of("emoji-text", EMOJI_TEXT), emoji_layer()),
              "breaks/ann-x": (seed_of("breaks", BREAKS_TEXT), breaks_layer()),
              "special-text/ann-s": (seed_of("special-text", SPECIAL_TEXT), special_layer()),
              TWO_MALIS: two_malis()}
    return cases


CASES = all_cases()
GOLD_CASE = "corpus/mali-accuses-algeria-downed-drone/gold"
