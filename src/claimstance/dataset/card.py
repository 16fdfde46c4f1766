"""The dataset card (README.md of the built folder): Hugging Face YAML metadata + prose.

Field tables and label definitions come from the features and the schema; the prose about
the data comes from DATASHEET.md, so nothing is written twice.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ..corpus.layout import Corpus
from ..corpus.neardup import SHINGLE
from ..corpus.release import Release
from ..corpus.schema import (
    LABEL_SETS,
    claim_types,
    label_set,
    load_schema,
    mention_types,
    stance_labels,
)
from ..corpus.segmentation import segmenter_version
from ..corpus.splits import RULE
from ..quality.agreement import table_markdown
from ..quality.evaluate import BLANK, Row, ScopeResult, fmt, rows
from ..quality.scoring import Tally, figures, total
from .datasheet import Facts, refresh
from .features import (
    CONFIGS,
    DEFAULT_CONFIG,
    DESCRIPTIONS,
    PRETTY_NAME,
    ClassLabel,
    Feature,
    List,
    Value,
    spec,
    yaml_list,
)
from .result import BuildResult, Reference
from .stats import stats_markdown
from .tokens import COUNTS

# Document licenses the Hub knows by a lower-case id; anything else is "other".
HUB_LICENSES = {"cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                "mit", "apache-2.0", "odc-by", "pddl", "odbl", "cdla-permissive-2.0"}


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def hub_license(licenses: set[str | None]) -> str:
    if not licenses or None in licenses:
        return "unknown"
    if len(licenses) == 1:
        (lic,) = licenses
        assert lic is not None
        return lic.lower() if lic.lower() in HUB_LICENSES else "other"
    return "other"


def metadata(result: BuildResult, licenses: set[str | None], languages: set[str]) -> dict[str, Any]:
    configs = []
    infos = []
    for config in CONFIGS:
        per = result.splits.get(config, {})
        entry: dict[str, Any] = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["data_files"] = [{"split": s, "path": f"data/{config}/{s}-*.parquet"} for s in per]
        configs.append(entry)
        info: dict[str, Any] = {"config_name": config}
        info["features"] = yaml_list(config)
        info["splits"] = [{"name": s, "num_bytes": result.num_bytes[config][s],
                           "num_examples": n} for s, n in per.items()]
        info["dataset_size"] = sum(result.num_bytes[config].values()) if per else 0
        infos.append(info)
    return {
        "pretty_name": PRETTY_NAME,
        "license": hub_license(licenses),
        "language": sorted(languages) or ["en"],
        "multilinguality": "monolingual",
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "fact-checking"],
        "size_categories": [size_category(result.documents)],
        "tags": ["claims", "stance-detection", "news", "entity-mentions"],
        "configs": configs,
        "dataset_info": infos,
    }


def _feature_type(f: Feature) -> str:
    if isinstance(f, ClassLabel):
        return "ClassLabel"
    if isinstance(f, Value):
        return str(f.dtype)
    inner = f.feature
    return "list of struct" if isinstance(inner, dict) else f"list of {_feature_type(inner)}"


def fields_section() -> str:
    out = ["## Configs and fields", ""]
    for config in CONFIGS:
        out += [f"### `{config}`" + (" (default)" if config == DEFAULT_CONFIG else ""), "",
                "| field | type | description |", "|---|---|---|"]
        for name, f in spec(config).items():
            out.append(f"| `{name}` | {_feature_type(f)} | {DESCRIPTIONS.get(name, '')} |")
            if isinstance(f, List) and isinstance(f.feature, dict):
                for sub, sf in f.feature.items():
                    out.append(f"| `{name}[].{sub}` | {_feature_type(sf)} | "
                               f"{DESCRIPTIONS.get(sub, '')} |")
        out.append("")
    return "\n".join(out)


def labels_markdown(heading: str = "##") -> str:
    """Label definitions, generated from the schema (also used in the docs)."""
    defs = load_schema("annotation.schema.json")["$defs"]
    out = [f"{heading} Label definitions", ""]
    for name in LABEL_SETS:
        out += [f"{heading}# {defs[name]['title']} (`{name}`)", "", defs[name]["description"], "",
                "| id | label | definition |", "|---|---|---|"]
        out += [f"| {i} | `{label}` | {desc} |"
                for i, (label, desc) in enumerate(label_set(name).items())]
        out.append("")
    return "\n".join(out)


def limitations_section(result: BuildResult) -> str:
    """What a reader must know before using the data; facts the build knows, stated plainly."""
    lines = ["## Limitations and biases", ""]
    n = result.documents
    lines.append(f"- **Size.** {n} document(s): " + (
        "far too few to train or evaluate a model; use it to test tools and read examples."
        if n < 1000 else "check the split sizes before relying on test-set figures."))
    if not result.agreement.documents:
        lines.append("- **One annotator per document.** No document was double-annotated, so "
                     "the labels' reliability is unmeasured; boundaries and types follow one "
                     "person's reading of GUIDELINES.md.")
    if None in result.licenses:
        lines.append("- **Unknown text licenses.** Some texts have no known license; this "
                     "build is not fit for public redistribution (`claimstance publish` "
                     "refuses it).")
    lines += [
        "- **Topic and source bias.** Documents are chosen by the maintainers, not sampled; the "
        "first ones concern a diplomatic dispute in the Sahel, so names of states co-occur "
        "with accusations and terrorism. A model may learn those associations.",
        "- **What the labels mean.** Annotations record what an article says and who says "
        "it, never whether a claim is true.",
        "",
    ]
    return "\n".join(lines)


def citation_section(release: Release) -> str:
    bib = release.bibtex()
    if bib is None:
        return "## Citation\n\nNo CITATION.cff in the corpus.\n"
    return ("## Citation\n\nFrom `CITATION.cff` in the corpus repository:\n\n```bibtex\n"
            f"{bib}\n```\n")


def changelog_section(release: Release) -> str:
    if not release.version:
        return "## Changelog\n\nNo CHANGELOG.md in the corpus.\n"
    return (f"## Changelog\n\nThis is version {release.version}"
            + (f" ({release.date})" if release.date else "") + ". What changed in it (all "
            "versions: `CHANGELOG.md` in the corpus repository):\n\n"
            + (release.changelog or "").replace("### ", "#### ") + "\n")


def agreement_section(result: BuildResult) -> str:
    """Agreement figures computed by `claimstance agree` over the documents in the corpus."""
    report = result.agreement
    head = "## Annotation and agreement\n\n"
    sources = (f"{result.documents - len(result.single)} document(s) come from an adjudicated "
               "gold layer")
    if result.single:
        sources += (f", {len(result.single)} from a single annotator's layer "
                    "(`annotation_source` = `single`)")
    if not report.documents:
        return (head + sources + ". No document has two or more annotator layers yet, so "
                "no inter-annotator agreement can be reported.\n")
    return (head + sources + f". Agreement between annotators over the "
            f"{len(report.documents)} document(s) with two or more layers, computed by "
            "`claimstance agree` (F1 over spans, exact and overlapping; Krippendorff's alpha, "
            "nominal, over matched items; n = items each figure rests on):\n\n"
            + table_markdown(report))


MEANINGFUL = 100  # documents a scope needs before its figures say much about a system


def _example_prediction(doc_id: str) -> str:
    """One line of a predictions file, labels taken from the schema."""
    line = {"doc_id": doc_id,
            "mentions": [{"id": "m1", "start": 0, "end": 4, "type": mention_types()[0]}],
            "claims": [{"start": 10, "end": 36, "type": claim_types()[0], "claimant": "m1"},
                       {"start": 57, "end": 91, "type": claim_types()[0], "claimant": None}],
            "stances": [{"holder": {"start": 38, "end": 45}, "claim": {"start": 10, "end": 36},
                         "label": stance_labels()[0]}]}
    return json.dumps(line, ensure_ascii=False)


def _cell(row: Row) -> str:
    _, p, r, f1, counts, _ = row
    figures = " / ".join(fmt(x) for x in (p, r, f1) if x != BLANK)
    return f"{figures} ({counts})"


def evaluation_section(result: BuildResult) -> str:
    """How to score predictions, what the figures mean, and the reference rows (a simple
    baseline and annotators against gold), scored by `claimstance score` at build time."""
    base, human = result.baseline, result.human
    where = ("the test split" if result.reference == "test" else
             "all documents (there is no test split yet)")

    def pooled(ref: Reference) -> tuple[Tally, int, int]:
        """The build scored only the reference split: everything it holds is in scope."""
        return (total(ref.tallies.values()), sum(ref.documents.values()),
                sum(ref.layers.values()))

    b_tally, n_docs, _ = pooled(base)
    columns = [("baseline", rows(ScopeResult("baseline", [], figures(b_tally, n_docs))))]
    h_tally, h_docs, h_layers = pooled(human)
    if h_docs:
        columns.append((f"annotators vs gold ({h_layers} layers, {h_docs} documents)",
                        rows(ScopeResult("human", [], figures(h_tally, h_docs)))))
    table = ["| figure | " + " | ".join(name for name, _ in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for k, row in enumerate(columns[0][1]):
        table.append(f"| {row[0]} | " + " | ".join(_cell(c[k]) for _, c in columns) + " |")
    caution = (f"**No figure here is meaningful yet**: they rest on {n_docs} document(s), "
               f"far too few to compare systems (we suggest at least {MEANINGFUL}). The rows "
               "show what will be reported and check the pipeline end to end."
               if n_docs < MEANINGFUL else
               f"They rest on {n_docs} documents; `claimstance score --bootstrap 1000` gives "
               "95% intervals.")
    human_note = ("Human performance: every annotator's layers of the documents that two or "
                  "more annotators made the gold of, scored against that gold "
                  "(`claimstance agree --against gold`)." if h_docs else
                  "No document has both gold and two or more annotators' layers yet, so "
                  "there is no human row; `claimstance agree --against gold` will give it.")
    return f"""## Evaluation

**Predictions** are JSON Lines, one object per document, shaped like an annotation layer
(`schema/prediction.schema.json` in the repository): `doc_id`, then `mentions`, `claims`
and `stances`, each optional. Item ids are optional; a claimant or a stance's holder is a
mention id, a `{{"start", "end"}}` span, or (claimant only) `null` for the article itself;
a stance's claim is a claim id or a predicted claim's span. Offsets are code points into
`text`, end exclusive. For example:

```json
{_example_prediction("a-document-id")}
```

**Scoring**, with the package of the corpus repository (`pip install -e '.[dataset]'` in a
checkout):

```sh
claimstance score --pred predictions.jsonl --gold dist --dist path/to/this/folder --split test
claimstance score --pred predictions.jsonl --gold dist --dist path/to/this/folder --bootstrap 1000
claimstance score --pred predictions.jsonl --gold dist --dist path/to/this/folder --mode newsclaims
```

A line that is not valid (broken JSON, an unknown `doc_id`, offsets past the text, a
reference that does not resolve) is reported with its line number and a problem code, and
nothing is scored. A document without a line is scored as an empty prediction.

**Definitions.** Items are paired one to one by one matcher: *exact* (same offsets) or
*overlap* (at least one character in common, the larger overlap first; ties in text
order). P = correct / predicted, R = correct / gold, F1 = 2 correct / (predicted + gold),
n/a when there is nothing to divide by; every figure comes with its counts, micro-averaged
over the documents of a split.
- *mentions, strict*: same offsets and type; *span*: same offsets; and per type.
- *claims, exact* and *overlap*; *tokens*: P = tokens shared by paired claims / tokens of
  all predicted claims, R = the same / tokens of all gold claims (the tokens of the
  `tokens` config).
- *claim type*: accuracy and macro-F1 over overlapping claim pairs.
- *claimant attribution*: a paired claim whose claimants are both `null`, or whose gold
  claimant is linked to the predicted one (mentions are linked by overlap).
- *stance triples*: holder linked, claim paired and the same label; *stance label*:
  accuracy and macro-F1 over stances whose holder and claim are paired.
- `--mode newsclaims` scores what NewsClaims' official scripts (Reddy et al., 2022) read,
  and prints what they print: claim sentences, claim span (inclusive ends, F1 of mean P
  and R) and claimer (SQuAD token F1, `<AUTHOR>` for the article's own claims).
  `claimstance export --format newsclaims OUT --pred FILE` writes those files. What the
  mode loses: NewsClaims holds one claim per sentence, so a sentence's later gold claims
  are not scored (they are counted), a sentence's prediction is the one predicted claim
  starting in it that overlaps its gold claim most, and claim types and stances are not
  scored (claimstance stances are third parties' positions, not the claimer's). A figure
  the official script cannot compute (it divides by zero or prints nan) is n/a, with why.

**Reference figures**, computed by `claimstance score` when this folder was built, over
{where}. {caution}

The baseline (`claimstance.quality.baseline`): for each sentence with a reporting verb
("said", "accused", "denied", ...), the quoted text in it, or else the words after the
verb, is a claim, attributed to the nearest capitalised words before the verb; no other
mention, no stance, every mention and claim given the schema's first type. {human_note}

{chr(10).join(table)}
"""


def tokens_section(result: BuildResult) -> str:
    """How sentences and tokens were made, and what the BIO tags could not hold."""
    out = ["## Sentences, tokens and BIO tags", "",
           f"Sentences and tokens come from one segmenter (`{segmenter_version()}`): spaCy's "
           "rule-based English tokenizer and sentencizer (no model), with three rules of "
           "ours: no token boundary inside a character (emoji, flags, combining marks), a "
           "sentence also starts after a line break, and sentences tile the text (each "
           "ends where the next begins). Every mention and claim has the `sentence` it "
           "starts in. The `tokens` config has one row per sentence; its BIO tags hold one "
           "span per token, so a span inside (or overlapping) another is not tagged, nor is "
           "one on whitespace alone (it covers no token), nor one that crosses a sentence "
           "boundary. They are counted here and stay in the `mentions` and `claims` "
           "configs:", "",
           "| spans | total | tagged | nested or overlapping (not tagged) | on whitespace "
           "alone, no token (not tagged) | crossing a sentence (not tagged) | boundary inside "
           "a token (tagged by whole tokens) |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for kind in ("mentions", "claims"):
        c = result.bio.get(kind, {})
        out.append(f"| {kind} | {' | '.join(str(c.get(k, 0)) for k in COUNTS)} |")
    return "\n".join(out) + "\n"


def datasheet_sections(root: Path) -> str:
    """DATASHEET.md as sections of the card, its generated facts counted afresh from the
    corpus (so the datasheet part agrees with the figures above it)."""
    corpus = Corpus(root)
    sheet = corpus.root_text("DATASHEET.md")
    if sheet is None:
        return "## Datasheet\n\nNo DATASHEET.md in the corpus.\n"
    text = refresh(sheet, Facts.of(corpus), keep_markers=False)
    text = re.sub(r"\A# .*\n", "", text)  # the card has its own title
    return "## Datasheet\n" + re.sub(r"^(#+) ", r"\1# ", text, flags=re.M)


def interchange_section() -> str:
    """How to get the annotations into other tools (`claimstance export`, see the README)."""
    return """## Other formats

The corpus's own tools export the same layers for other annotation and NLP tools, relations
and claim types included: `claimstance export --format brat OUT` (standoff + annotation.conf),
`--format conll` (mention and claim BIO columns), `--format spacy` (a `DocBin`, spans in
`doc.spans`) and `--format doccano` (JSONL with relations); add `--dist DIR` to export this
built folder, `--split S` for one split. `claimstance import --format brat|doccano` reads
brat and doccano annotations back as an annotator's layer.
"""


SHOWN_GROUPS = 200  # groups listed by name; manifest.json lists them all


def groups_section(result: BuildResult) -> str:
    """The near-duplicate groups, their sizes and splits (what keeps test data unseen)."""
    head = "### Near-duplicate groups\n\n"
    rule = (f"Two texts are near-duplicates when the Jaccard index of their sets of "
            f"{SHINGLE}-word shingles (words case-folded, punctuation and spacing ignored) is "
            f"at least {result.near_threshold} (`claimstance.toml`); a group is what such "
            "pairs connect.")
    if not result.groups:
        return head + rule + " No document of this dataset has a near-duplicate.\n"
    members = [result.built_in(g) for g in result.groups]
    sizes = Counter(map(len, members))
    shown = list(zip(result.groups, members, strict=True))[:SHOWN_GROUPS]
    rows = "\n".join(f"| `{g[0]}`{'' if g[0] in here else ' *'} | {len(here)} | "
                     f"{result.assigned[here[0]]} | "
                     f"{', '.join(f'`{d}`' for d in here if d != g[0])} |" for g, here in shown)
    more = (f"\n\n{len(result.groups) - len(shown)} more groups are listed in "
            "`manifest.json` (`near_duplicates`)." if len(result.groups) > len(shown) else "")
    outside = ("\n\n\\* Not in this dataset (not annotated yet), but in the group: its id "
               "is the group's split key." if any(g[0] not in here for g, here in shown)
               else "")
    return (head + rule + f" {len(result.groups)} group(s) hold "
            f"{sum(sizes[n] * n for n in sizes)} documents of this dataset (sizes: "
            + ", ".join(f"{n} of {size} documents" for size, n in sorted(sizes.items()))
            + "); every group sits in one split.\n\n"
            "| group (smallest id: the split key) | documents here | split | others |\n"
            "|---|---|---|---|\n" + rows + more + outside + "\n")


def render(corpus: Corpus, result: BuildResult, licenses: set[str | None],
           languages: set[str]) -> str:
    meta = yaml.safe_dump(metadata(result, licenses, languages), sort_keys=False,
                          allow_unicode=True, width=100)
    split_rows = "\n".join(
        f"| {config} | " + " | ".join(str(result.splits.get(config, {}).get(s, 0))
                                      for s in ("train", "validation", "test")) + " |"
        for config in CONFIGS)
    release = result.release
    version = (f"**Version {release.version}**" + (f" ({release.date})" if release.date else "")
               + ". " if release.version else "")
    body = f"""# {PRETTY_NAME}

{version}News articles annotated with **entity mentions**, **claims** (with their claimant
and type) and **stances** (who supports, refutes or is neutral towards which claim).
Offsets are Python code-point offsets into the article text: `text[start:end]` is the span.

This folder was built by `claimstance build` from {result.documents} document(s) with an
adjudicated gold layer{f"; {len(result.excluded)} without gold were excluded" if result.excluded
else ""}. License of the texts: **{hub_license(licenses)}** (see the datasheet below).

## How to load

```python
from datasets import load_dataset

docs = load_dataset("path/to/this/folder")            # config "documents" (default)
claims = load_dataset("path/to/this/folder", "claims")
tokens = load_dataset("path/to/this/folder", "tokens")  # one row per sentence, BIO tags
split = next(iter(docs))
doc = docs[split][0]
m = doc["mentions"][0]
assert doc["text"][m["start"]:m["end"]] == m["text"]
names = docs[split].features["mentions"].feature["type"].names   # ClassLabel names
```

{interchange_section()}
{fields_section()}
{labels_markdown()}
## Splits

Splits are assigned by a stable hash of the document id, per near-duplicate group, so two
versions of one story (a syndicated copy, a correction, an update) never sit in different
splits, and a document keeps its split as the corpus grows unless a new version of it
joins its group: `{RULE}`. Small corpora may lack some splits.

| config | train | validation | test |
|---|---|---|---|
{split_rows}

{groups_section(result)}
{tokens_section(result)}
{stats_markdown(result.stats)}
{agreement_section(result)}
{evaluation_section(result)}
{limitations_section(result)}
{citation_section(release)}
{changelog_section(release)}
{datasheet_sections(corpus.root)}"""
    return f"---\n{meta}---\n\n{body.rstrip()}\n"


def write_card(corpus: Corpus, out: Path, result: BuildResult) -> None:
    text = render(corpus, result, result.licenses, result.languages)
    (out / "README.md").write_text(text, encoding="utf-8")
