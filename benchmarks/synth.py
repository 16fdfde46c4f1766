"""Write a synthetic corpus in the real format: python benchmarks/synth.py N OUT [--mix M].

Deterministic (document k depends only on k), so two runs give byte-identical trees. Each
document has ~3,000 characters of text, including non-ASCII letters and astral characters
(emoji), and a gold layer of 25 mentions, 8 claims with claimants and 8 stances.

Mixes (`--mix`), shaped like real corpora rather than perfectly clean ones:
- `realistic` (default): 85% of layers carry one or two warnings of the kinds real annotation
  produces (a judgement nobody is said to make, whitespace at a span edge, a duplicate span);
  30% of documents also have two or three layers by annotators of a team of eight (each
  differing from gold as
  annotators do: a missed mention, another type, a claim boundary moved, a stance
  forgotten); 1% of layers carry an error (a span whose text does not match its offsets, or a
  reference to nothing). What `validate` meets.
- `valid`: the same without the errors, so it builds. What `build` meets.
- `clean`: gold layers only, no warnings, no errors (the old benchmark corpus).

`--annotators K` gives every document exactly K annotator layers (beside gold) instead of
the mix's 30% with two or three: the corpus `agree` and `adjudicate` are measured on
(`quality_bench.py`, `--mix valid --annotators 3`).

Writers' styles (`--styles`): real files are not all written by claimstance. By default
(`mixed`) each file is written in one of six styles, chosen by a hash of its path, one
sixth each (`STYLES`): the corpus's own (`writing.dumps`, what `ls pull`, `import` and
`fmt` write); Python's `json.dump(indent=4)` (ASCII escapes, no final newline); an editor's
formatter (tabs, CRLF line ends); one line without spaces (`separators=(",", ":")`, as jq
`-c` or a minified export); orjson at indent 2 without a final newline; and a hand edit of
the corpus style (one item's keys reordered, or one line re-indented). `--styles own` writes
every file in the corpus's own style (the benchmark corpus before the styles).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import orjson

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
# Filler prose is drawn word by word from a generated vocabulary, so that no two documents
# are near-duplicates of each other (real articles share names and phrases, not paragraphs).
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "sel", "dar", "en", "bri", "tor",
              "al", "is", "ux", "pe", "gan", "fi", "mo", "zé", "hal", "qu", "rü", "so"]
WORDS = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "n", "ra", "ø")]
COMMON = ["the", "of", "in", "to", "and", "a", "on", "for", "that", "with", "over", "as"]


def filler(rng: random.Random, size: int) -> str:
    """About `size` characters of sentences (one in four with a 📈), different for each rng."""
    out: list[str] = []
    n = 0
    while n < size:
        words = [rng.choice(COMMON) if rng.random() < 0.35 else rng.choice(WORDS)
                 for _ in range(rng.randint(8, 16))]
        sentence = " ".join(words).capitalize() + (" 📈." if rng.random() < 0.25 else ".")
        out.append(sentence)
        n += len(sentence) + 1
    return " ".join(out)
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
        put(". " + filler(rng, rng.randrange(120, 240)) + "\n\n")
    while len(mentions) < 25:
        put("Meanwhile ")
        mention(*MENTIONS[rng.randrange(len(MENTIONS))])
        put(" declined to comment. ")
    text = "".join(parts).rstrip()
    text += "\n" + filler(rng, 3000 - len(text)) if len(text) < 3000 else ""
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


MIXES = ("realistic", "valid", "clean")
TEAM = [f"a{random.Random(f'annotator-{i}').getrandbits(40):010x}" for i in range(8)]
WARNING_SHARE = 0.85
MULTI_SHARE = 0.30
ERROR_SHARE = 0.01


def _warn(layer: dict[str, Any], text: str, rng: random.Random) -> None:
    """One warning of a kind real annotation produces."""
    kind = rng.randrange(3)
    if kind == 0:  # a judgement with no claimant and nobody's stance: claim-unattributed
        judgements = [c for c in layer["claims"] if c["type"] != "fact"]
        if judgements:
            c = rng.choice(judgements)
            c["claimant"] = None
            layer["stances"] = [s for s in layer["stances"] if s["claim"] != c["id"]]
            return
    if kind in (0, 1):  # the space after a mention swept into it: span-whitespace
        for m in rng.sample(layer["mentions"], len(layer["mentions"])):
            if m["end"] < len(text) and text[m["end"]] == " ":
                m["end"] += 1
                m["text"] = text[m["start"]:m["end"]]
                return
    m = rng.choice(layer["mentions"])  # the same mention marked twice: duplicate-span
    layer["mentions"].append(dict(m, id=f"m{10**6 + len(layer['mentions'])}"))


def _error(layer: dict[str, Any], rng: random.Random) -> None:
    """One error: a span text that does not match, or a stance on nothing."""
    if rng.random() < 0.5 or not layer["stances"]:
        m = rng.choice(layer["mentions"])
        m["text"] = m["text"].upper() + "x"
    else:
        layer["stances"][0]["claim"] = f"c{len(layer['claims']) + 9}"


def _annotator(gold: dict[str, Any], text: str, name: str, rng: random.Random,
               ) -> dict[str, Any]:
    """An annotator's layer: gold as one person would have done it, differing a little."""
    layer: dict[str, Any] = json.loads(json.dumps(gold))
    layer["annotator"], layer["status"] = name, "submitted"
    layer["provenance"] = empty_provenance("label-studio") | {
        "tool_version": "1.23.2", "project": "claimstance", "task": rng.randrange(1, 10**6),
        "annotation": rng.randrange(1, 10**6), "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:30:00Z", "lead_time_s": round(rng.uniform(60, 900), 1)}
    referenced = {c["claimant"] for c in layer["claims"]} | {s["holder"]
                                                             for s in layer["stances"]}
    loose = [m for m in layer["mentions"] if m["id"] not in referenced]
    if loose:
        layer["mentions"].remove(rng.choice(loose))  # a missed mention
    rng.choice(layer["mentions"])["type"] = rng.choice(["ORG", "GPE", "PERSON"])
    c = rng.choice(layer["claims"])  # a claim boundary moved by a word
    cut = text.find(" ", c["start"] + 1, c["end"])
    if cut > 0:
        c["start"] = cut + 1
        c["text"] = text[c["start"]:c["end"]]
    if layer["stances"] and rng.random() < 0.5:
        layer["stances"].pop(rng.randrange(len(layer["stances"])))  # a forgotten stance
    return layer


def layers(k: int, mix: str = "realistic", annotators: int | None = None,
           ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The seed of document k and its layers (gold and annotators), in the given mix;
    `annotators`: every document has exactly that many annotator layers."""
    seed, gold = document(k)
    out = {"gold": gold}
    if mix == "clean":
        return seed, out
    rng = random.Random(f"mix-{k}")
    text = seed["text"]
    multi = rng.random() < MULTI_SHARE  # drawn either way: the rest of the draws stay put
    if annotators is not None:
        names = sorted(rng.sample(TEAM, annotators))
    elif multi:
        names = sorted(rng.sample(TEAM, rng.choice((2, 3))))
    else:
        names = []
    if names:
        for name in names:
            out[name] = _annotator(gold, text, name, rng)
        gold["provenance"]["sources"] = names
    for name, layer in out.items():
        if rng.random() < WARNING_SHARE:
            for _ in range(rng.choice((1, 2))):
                _warn(layer, text, rng)
        if mix == "realistic" and rng.random() < ERROR_SHARE:
            _error(layer, rng)
        out[name] = canonicalize(layer)
    return seed, out


def _hand_edit(data: Any, h: int) -> bytes:
    """The corpus style after a person's edit: one item's keys moved to the end of its
    object, or one line indented by two more spaces (both still valid JSON)."""
    items = [x for key in ("mentions", "claims", "stances") for x in data.get(key, [])]
    if items and h % 2:
        item = items[h // 2 % len(items)]
        first = next(iter(item))
        item[first] = item.pop(first)  # the first key written last
        return dumps(data)
    lines = dumps(data).split(b"\n")
    k = 1 + h // 2 % max(1, len(lines) - 2)
    lines[k] = b"  " + lines[k]
    return b"\n".join(lines)


def _tabs_crlf(data: Any) -> bytes:
    text = json.dumps(data, indent="\t", ensure_ascii=False)
    return (text.replace("\n", "\r\n") + "\r\n").encode()  # newlines in strings are \n


#: Each writer's style (name -> how it writes the data; the int is a per-file hash).
STYLES: dict[str, Any] = {
    "own": lambda data, h: dumps(data),
    "json-indent4": lambda data, h: json.dumps(data, indent=4).encode(),
    "tabs-crlf": lambda data, h: _tabs_crlf(data),
    "one-line": lambda data, h: json.dumps(data, separators=(",", ":"),
                                           ensure_ascii=False).encode(),
    "orjson-indent2": lambda data, h: orjson.dumps(data, option=orjson.OPT_INDENT_2),
    "hand-edit": _hand_edit,
}
STYLE_CHOICES = ("mixed", *STYLES)


def _hash(rel: str) -> int:
    return int.from_bytes(hashlib.sha256(rel.encode()).digest()[:8], "big")


def style_of(rel: str, styles: str = "mixed") -> str:
    """The style the file `rel` is written in: the one given, or the one its hash picks."""
    return styles if styles != "mixed" else list(STYLES)[_hash(rel) % len(STYLES)]


def serialise(data: Any, rel: str, styles: str = "mixed") -> bytes:
    """`data` as the file `rel` holds it."""
    return STYLES[style_of(rel, styles)](data, _hash(rel) >> 8)  # type: ignore[no-any-return]


def write(n: int, out: Path, *, mix: str = "realistic", annotators: int | None = None,
          progress: bool = False, styles: str = "mixed") -> None:
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    it: Any = range(n)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"synthesising ({mix})", unit="doc", mininterval=0.5)
    for k in it:
        seed, found = layers(k, mix, annotators)
        rel = f"seeds/{seed['id']}.json"
        (out / rel).write_bytes(serialise(seed, rel, styles))
        folder = out / "annotations" / seed["id"]
        folder.mkdir(parents=True, exist_ok=True)
        for name, layer in found.items():
            rel = f"annotations/{seed['id']}/{name}.json"
            (out / rel).write_bytes(serialise(layer, rel, styles))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="example: python benchmarks/synth.py 1000 /tmp/corpus "
                                        "--mix valid")
    ap.add_argument("n", type=int, help="number of documents")
    ap.add_argument("out", type=Path, help="folder to write (seeds/, annotations/)")
    ap.add_argument("--mix", choices=MIXES, default="realistic",
                    help="realistic (warnings, several annotators, 1%% errors), valid (the "
                    "same without errors) or clean (gold only, no problems)")
    ap.add_argument("--annotators", type=int, default=None, metavar="K",
                    help=f"every document has exactly K annotator layers (2-{len(TEAM)}) beside "
                    "gold, instead of the mix's 30%% with two or three")
    ap.add_argument("--styles", choices=STYLE_CHOICES, default="mixed",
                    help="mixed (each file in one of the writers' styles, by its path's hash; "
                    "the default) or one style for every file (own: the corpus's own)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    if args.annotators is not None and (args.mix == "clean"
                                        or not 2 <= args.annotators <= len(TEAM)):
        ap.error(f"--annotators takes 2 to {len(TEAM)}, with the realistic or valid mix")
    write(args.n, args.out, mix=args.mix, annotators=args.annotators,
          progress=sys.stderr.isatty(), styles=args.styles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
