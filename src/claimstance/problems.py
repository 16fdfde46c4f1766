"""Problems are values: a stable code, a level, a location and a message.

Nothing in the library raises for bad *data*; it returns problems, collected into a
`Report`. Formatters (see `report`) only format. The catalogue below is the one place a
code is defined; docs and `validate --list-codes` are generated from it.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    level: Level
    title: str
    description: str
    stage: str = "validate"  # which command reports it: validate, ls (push/pull)


def _c(code: str, level: Level, title: str, description: str, stage: str = "validate") -> Code:
    return Code(code, level, title, description, stage)


E, W = Level.ERROR, Level.WARNING

CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        # files and encodings
        _c("file-not-found", E, "File not found",
           "A path given on the command line, or a seed an annotation refers to, does not exist."),
        _c("not-a-file", E, "Not a regular file",
           "A directory (or other non-file) stands where a JSON file is expected."),
        _c("outside-root", E, "Path outside the corpus",
           "The path, or the target of a symlink, lies outside the corpus root."),
        _c("invalid-file-name", E, "Invalid file name",
           "File names must be <slug>.json (seeds) or <doc_id>/<annotator>.json (annotations), "
           "lower-case letters, digits, '-' and '_' only."),
        _c("unexpected-file", W, "File not part of the corpus layout",
           "A file under seeds/ or annotations/ that is not a corpus JSON file; it is ignored."),
        _c("empty-file", E, "Empty file", "The file has no content."),
        _c("file-too-large", E, "File too large",
           "The file exceeds the size limit; split the article or raise --max-bytes."),
        _c("bom", E, "Byte-order mark", "Files must be UTF-8 without a byte-order mark."),
        _c("invalid-encoding", E, "Not UTF-8",
           "The file is not valid UTF-8 (UTF-16 and Latin-1 files are common culprits)."),
        _c("invalid-json", E, "Invalid JSON", "The file does not parse as JSON."),
        _c("duplicate-key", E, "Duplicate object key",
           "A JSON object has the same key twice; parsers silently keep only one of them."),
        # schema
        _c("unsupported-schema-version", E, "Unsupported schema version",
           "schema_version names a version this validator does not know."),
        _c("missing-field", E, "Missing field", "A required field is absent."),
        _c("unknown-field", E, "Unknown field", "A field the schema does not define."),
        _c("wrong-type", E, "Wrong type", "A value has the wrong JSON type."),
        _c("unknown-label", E, "Unknown label",
           "A label or enum value not in the schema's label set."),
        _c("invalid-value", E, "Invalid value",
           "A value breaks a pattern or bound in the schema (ids, dates, hashes, offsets)."),
        # documents
        _c("text-not-normalized", E, "Text not normalized",
           "Seed text must be NFC, use \\n line ends and have no trailing whitespace; "
           "re-run `claimstance ingest`."),
        _c("text-hash-mismatch", E, "Seed sha256 does not match its text",
           "The seed's sha256 is not the hash of its text: the text was edited by hand."),
        _c("id-mismatch", E, "Id does not match file name",
           "A seed's id or an annotation's annotator must equal the file stem, and an "
           "annotation's document.id the folder it is in."),
        # annotations against their seed
        _c("document-not-found", E, "Document not found",
           "The annotation refers to a document with no seeds/<id>.json."),
        _c("document-sha256-mismatch", E, "Seed changed after annotation",
           "The annotation's document.sha256 differs from the seed's: the text changed since it "
           "was annotated, so offsets may be wrong. Re-annotate or re-pull."),
        _c("status-mismatch", E, "Status does not match annotator",
           "gold.json must have status 'gold'; every other layer status 'submitted'."),
        _c("offset-out-of-range", E, "Offset out of range",
           "A span's end lies beyond the end of the document text."),
        _c("reversed-span", E, "Empty or reversed span", "A span's start is not before its end."),
        _c("span-text-mismatch", E, "Span text mismatch",
           "A span's text differs from document.text[start:end]."),
        _c("span-splits-character", E, "Span splits a character",
           "A span boundary falls inside a user-perceived character (a combining sequence, an "
           "emoji sequence or a surrogate pair)."),
        _c("duplicate-id", E, "Duplicate id", "Two items of one file share an id."),
        _c("dangling-reference", E, "Dangling reference",
           "A claimant, holder or claim refers to an id that does not exist in the file."),
        _c("wrong-reference-kind", E, "Reference to the wrong kind of item",
           "A claimant or holder must be a mention id (m..), a stance's claim a claim id (c..)."),
        _c("duplicate-stance", E, "Duplicate stance",
           "The same holder has two stances towards the same claim."),
        _c("duplicate-span", W, "Duplicate span",
           "Two mentions (or two claims) have the same offsets and type."),
        _c("span-whitespace", W, "Span starts or ends with whitespace",
           "Spans should not include surrounding whitespace."),
        _c("span-inside-word", W, "Span boundary inside a word",
           "A span starts or ends between two letters or digits (e.g. 'Algeria' inside "
           "'Algerian'); spans cover whole words."),
        _c("self-stance", W, "Stance of a claimant on its own claim",
           "The claimant's own claim needs no stance (see GUIDELINES.md)."),
        _c("claim-unattributed", W, "Judgement without claimant or stance",
           "An accusation, evaluation or intention that the article itself makes and nobody "
           "takes a stance on; news articles rarely do that, so check that no claimant was "
           "missed. (Unattributed facts are normal and not reported.)"),
        _c("ids-not-canonical", W, "Ids not in text order",
           "Ids are numbered m1.., c1.., s1.. in text order; rewrite with `claimstance fmt`."),
        # Label Studio round trip (claimstance ls push / pull)
        _c("ls-invalid-export", E, "Not a Label Studio JSON export",
           "The export (or one task, annotation or result in it) is not shaped like Label "
           "Studio's JSON export of a `claimstance ls push` project.", "ls"),
        _c("ls-task-text-changed", E, "Task text differs from the seed",
           "The task's text or sha256 is not the seed's any more, so its offsets cannot be "
           "trusted; the annotations are refused. Re-push and re-annotate.", "ls"),
        _c("ls-claim-without-type", E, "Claim without a claim type",
           "A CLAIM region has no claim_type choice; choose one in Label Studio.", "ls"),
        _c("ls-bad-relation", E, "Relation between the wrong regions",
           "Relations go from a mention to a claim (claimant, support, refute, neutral).", "ls"),
        _c("ls-multiple-claimants", E, "Claim with several claimants",
           "A claim has more than one claimant relation; keep one.", "ls"),
        _c("ls-unlabelled-relation", W, "Relation without a label",
           "A relation with no label means nothing to the corpus and is ignored.", "ls"),
        _c("ls-would-overwrite", E, "Pulled layer differs from the file",
           "The annotation file in the corpus differs from what the export gives; it is kept. "
           "Re-run with --force to replace it.", "ls"),
        # publishing (claimstance publish)
        _c("publish-invalid", E, "Corpus not valid",
           "Validation finds errors; nothing is published from an invalid corpus.", "publish"),
        _c("publish-not-built", E, "Dataset not built",
           "The folder has no manifest.json: build it with `python build_dataset.py`.",
           "publish"),
        _c("publish-stale", E, "Built dataset is stale",
           "The built folder was made from other seeds, annotations, schema or prose than the "
           "corpus has now, or was edited after the build; rebuild.", "publish"),
        _c("publish-no-version", E, "No dataset version",
           "CHANGELOG.md has no '## [X.Y.Z] - date' entry with a semantic version.", "publish"),
        _c("publish-license", E, "License unknown or not redistributable",
           "A document's license is null or not on the allow-list of SPDX ids; only private "
           "repositories accept --allow-unlicensed.", "publish"),
        _c("publish-no-gold", E, "Document without gold",
           "A document has no adjudicated gold layer; adjudicate it or use --allow-single.",
           "publish"),
        _c("publish-personal-data", E, "Personal data in the output",
           "An e-mail address, an annotator's real name, or an annotator id that is not a "
           "pseudonym appears in what would be published.", "publish"),
        _c("publish-version-exists", E, "Version already published",
           "The target already holds this version with other contents; add a new version to "
           "CHANGELOG.md and rebuild.", "publish"),
    ]
}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    pointer: str
    code: str
    message: str
    line: int | None = None
    column: int | None = None

    @property
    def level(self) -> Level:
        return CATALOGUE[self.code].level

    @property
    def location(self) -> str:
        return f"{self.path}::{self.pointer}" if self.pointer else self.path

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": self.level.value,
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


def problem(code: str, path: str, pointer: str, message: str) -> Problem:
    if code not in CATALOGUE:  # a programming error, not a data error
        raise KeyError(f"problem code {code!r} is not in the catalogue")
    return Problem(path=path, pointer=pointer, code=code, message=message)


@dataclass
class Report:
    """Every problem found, and what was looked at; `valid` derives from the problems."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    annotations: int = 0
    strict: bool = False

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.path, p.line or 0, p.pointer, p.code))

    def failing(self, p: Problem) -> bool:
        return p.level is Level.ERROR or self.strict

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.level is Level.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.level is Level.WARNING)

    @property
    def valid(self) -> bool:
        return not any(self.failing(p) for p in self.problems)

    def stats(self) -> dict[str, object]:
        by_code = Counter(p.code for p in self.problems)
        return {
            "files": self.files,
            "documents": self.documents,
            "annotations": self.annotations,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_code": dict(sorted(by_code.items())),
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "stats": self.stats(),
            "problems": [p.to_dict() for p in self.sorted()],
        }
