"""Write a valid synthetic corpus in the real format: python benchmarks/synth.py N OUT.

Deterministic (document k depends only on k), so two runs give byte-identical trees. Each
document has ~3,000 characters of text, including non-ASCII letters and astral characters
(emoji), 25 mentions, 8 claims with claimants and 8 stances, in one gold layer.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from claimstance.corpus.annotation import canonicalize, empty_provenance
from claimstance.corpus.document import sha256
from claimstance.corpus.writing import dumps

MENTIONS = [
    ("Mali", "GPE"), ("Algeria", "GPE"), ("Bamako", "GPE"), ("Algiers", "GPE"),
    ("Niger", "GPE"), ("Côte d'Ivoire", "GPE"), ("São Tomé", "GPE"), ("Zürich", "GPE"),
    ("the African Union", "ORG"), ("the United Nations", "ORG"), ("ECOWAS", "ORG"),
    ("the Malian army", "ORG"), ("Société Générale", "ORG"), ("the Sahel", "LOC"),
    ("the northern border", "LOC"), ("Tuareg separatists", "GROUP"),
    ("jihadist groups", "GROUP"), ("the 2020 military coup", "EVENT"),
    ("the Algiers accord", "EVENT"), ("Assimi Goïta", "PERSON"), ("Abdelmadjid Tebboune", "PERSON"),
    ("José Müller", "PERSON"), ("Zoë Çelik", "PERSON"), ("a senior official", "PERSON"),
]
CLAIMS = [
    ("the drone violated national airspace", "fact"),
    ("the neighbour is sponsoring terrorism", "accusation"),
    ("the talks were a complete failure 😞", "evaluation"),
    ("troops will be withdrawn next month", "intention"),
    ("the border posts were attacked twice", "fact"),
    ("officials covered up the incident", "accusation"),
    ("the agreement is deeply unfair 🤝", "evaluation"),
    ("an inquiry will open within weeks", "intention"),
]
VERBS = ["said", "claimed", "insisted", "argued", "stated", "alleged"]
FILLER = (
    "Observers in the region noted that tensions had grown steadily over the year 📈, "
    "with trade across the frontier falling and flights suspended. Analysts described a "
    "fragile calm — one that few expected to last — while residents waited for news. "
)
LABELS = ["support", "refute", "neutral"]


def document(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seed and gold layer of document k."""
    rng = random.Random(k)
    doc_id = f"synthetic-{k:07d}"
    parts: list[str] = []
    pos = 0
    mentions: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []

    def put(s: str) -> tuple[int, int]:
        nonlocal pos
        parts.append(s)
        start = pos
        pos += len(s)
        return start, pos

    def mention(name: str, kind: str) -> str:
        start, end = put(name)
        mid = f"m{len(mentions) + 1}"
        mentions.append({"id": mid, "start": start, "end": end, "text": name, "type": kind})
        return mid

    for i in range(8):
        name, kind = MENTIONS[rng.randrange(len(MENTIONS))]
        claimant = mention(name[0].upper() + name[1:], kind)
        put(f" {rng.choice(VERBS)} that ")
        text, ctype = CLAIMS[(i + k) % len(CLAIMS)]
        start, end = put(text)
        claims.append({"id": f"c{i + 1}", "start": start, "end": end, "text": text,
                       "type": ctype, "claimant": claimant})
        put(", according to ")
        mention(*MENTIONS[rng.randrange(len(MENTIONS))])
        put(" and ")
        mention(*MENTIONS[rng.randrange(len(MENTIONS))])
        put(". " + FILLER[: rng.randrange(120, len(FILLER))].rstrip() + "\n\n")
    while len(mentions) < 25:
        put("Meanwhile ")
        mention(*MENTIONS[rng.randrange(len(MENTIONS))])
        put(" declined to comment. ")
    text = "".join(parts).rstrip()
    text += "\n" + FILLER * max(0, (3000 - len(text)) // len(FILLER))
    text = text.rstrip()
    stances = []
    for i, c in enumerate(claims):
        holders = [m for m in mentions if m["id"] != c["claimant"]]
        holder = holders[(i * 7 + k) % len(holders)]
        stances.append({"id": f"s{i + 1}", "holder": holder["id"], "claim": c["id"],
                        "label": LABELS[(i + k) % 3]})
    digest = sha256(text)
    seed = {"id": doc_id, "text": text, "sha256": digest, "title": f"Synthetic article {k}",
            "source": None, "url": None, "published": None, "dateline": None,
            "language": "en", "license": "CC0-1.0", "added": "2026-11-25"}
    gold = canonicalize({
        "schema_version": "1.0", "document": {"id": doc_id, "sha256": digest},
        "annotator": "gold", "status": "gold",
        "provenance": empty_provenance("manual") | {"sources": []},
        "mentions": mentions, "claims": claims, "stances": stances,
    })
    return seed, gold


def write(n: int, out: Path, *, progress: bool = False) -> None:
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    it: Any = range(n)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="synthesising", unit="doc", mininterval=0.5)
    for k in it:
        seed, gold = document(k)
        (out / "seeds" / f"{seed['id']}.json").write_bytes(dumps(seed))
        folder = out / "annotations" / seed["id"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "gold.json").write_bytes(dumps(gold))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="example: python benchmarks/synth.py 1000 /tmp/corpus")
    ap.add_argument("n", type=int, help="number of documents")
    ap.add_argument("out", type=Path, help="folder to write (seeds/, annotations/)")
    args = ap.parse_args(argv)
    write(args.n, args.out, progress=sys.stderr.isatty())
    return 0


if __name__ == "__main__":
    sys.exit(main())
