"""Problems are values: a stable code, a level, a location and a message.

Nothing in the library raises for bad *data*: checks return problems, collected into a
`Report`; a command that declines to act raises `Refused`, which carries them. `Code` is the
one place a code is defined (typed, so a misspelt code is a mypy error); the docs and
`validate --list-codes` are generated from it. A leaf module: every layer may import it.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


E, W = Level.ERROR, Level.WARNING


class Code(str, enum.Enum):
    """Every problem code: (code, level, title, description[, stage])."""

    level: Level
    headline: str
    description: str
    stage: str  # which command reports it: validate, ls, publish, build, ...

    def __new__(cls, code: str, level: Level, title: str, description: str,
                stage: str = "validate") -> Code:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.level, obj.headline, obj.description, obj.stage = level, title, description, stage
        return obj

    def __str__(self) -> str:
        return str(self.value)

    # files and encodings
    FILE_NOT_FOUND = ("file-not-found", E, "File not found",
        "A path given on the command line, or a seed an annotation refers to, does not exist.")
    NOT_A_FILE = ("not-a-file", E, "Not a regular file",
        "A directory (or other non-file) stands where a JSON file is expected.")
    OUTSIDE_ROOT = ("outside-root", E, "Path outside the corpus",
        "The path, or the target of a symlink, lies outside the corpus root.")
    INVALID_FILE_NAME = ("invalid-file-name", E, "Invalid file name",
        "File names must be <slug>.json (seeds) or <doc_id>/<annotator>.json (annotations), "
        "lower-case letters, digits, '-' and '_' only.")
    UNEXPECTED_FILE = ("unexpected-file", W, "File not part of the corpus layout",
        "A file under seeds/ or annotations/ that is not a corpus JSON file; it is ignored.")
    EMPTY_FILE = ("empty-file", E, "Empty file", "The file has no content.")
    FILE_TOO_LARGE = ("file-too-large", E, "File too large",
        "The file exceeds the size limit; split the article or raise --max-bytes.")
    BOM = ("bom", E, "Byte-order mark", "Files must be UTF-8 without a byte-order mark.")
    INVALID_ENCODING = ("invalid-encoding", E, "Not UTF-8",
        "The file is not valid UTF-8 (UTF-16 and Latin-1 files are common culprits).")
    INVALID_JSON = ("invalid-json", E, "Invalid JSON", "The file does not parse as JSON.")
    DUPLICATE_KEY = ("duplicate-key", E, "Duplicate object key",
        "A JSON object has the same key twice; parsers silently keep only one of them.")
    UNSUPPORTED_SCHEMA_VERSION = ("unsupported-schema-version", E, "Unsupported schema version",
        "schema_version names a version this validator does not know.")
    MISSING_FIELD = ("missing-field", E, "Missing field", "A required field is absent.")
    UNKNOWN_FIELD = ("unknown-field", E, "Unknown field", "A field the schema does not define.")
    WRONG_TYPE = ("wrong-type", E, "Wrong type", "A value has the wrong JSON type.")
    UNKNOWN_LABEL = ("unknown-label", E, "Unknown label",
        "A label or enum value not in the schema's label set.")
    INVALID_VALUE = ("invalid-value", E, "Invalid value",
        "A value breaks a pattern or bound in the schema (ids, dates, hashes, offsets).")
    TEXT_NOT_NORMALIZED = ("text-not-normalized", E, "Text not normalized",
        "Seed text must be NFC, use \\n line ends and have no trailing whitespace; "
        "re-run `claimstance ingest`.")
    TEXT_HASH_MISMATCH = ("text-hash-mismatch", E, "Seed sha256 does not match its text",
        "The seed's sha256 is not the hash of its text: the text was edited by hand.")
    ID_MISMATCH = ("id-mismatch", E, "Id does not match file name",
        "A seed's id or an annotation's annotator must equal the file stem, and an "
        "annotation's document.id the folder it is in.")
    DOCUMENT_NOT_FOUND = ("document-not-found", E, "Document not found",
        "The annotation refers to a document with no seeds/<id>.json.")
    DOCUMENT_SHA256_MISMATCH = ("document-sha256-mismatch", E, "Seed changed after annotation",
        "The annotation's document.sha256 differs from the seed's: the text changed since it "
        "was annotated, so offsets may be wrong. Re-annotate or re-pull.")
    STATUS_MISMATCH = ("status-mismatch", E, "Status does not match annotator",
        "gold.json must have status 'gold'; every other layer status 'submitted'.")
    OFFSET_OUT_OF_RANGE = ("offset-out-of-range", E, "Offset out of range",
        "A span's end lies beyond the end of the document text.")
    REVERSED_SPAN = ("reversed-span", E, "Empty or reversed span",
        "A span's start is not before its end.")
    SPAN_TEXT_MISMATCH = ("span-text-mismatch", E, "Span text mismatch",
        "A span's text differs from document.text[start:end].")
    SPAN_SPLITS_CHARACTER = ("span-splits-character", E, "Span splits a character",
        "A span boundary falls inside a user-perceived character (a combining sequence, an "
        "emoji sequence or a surrogate pair).")
    DUPLICATE_ID = ("duplicate-id", E, "Duplicate id", "Two items of one file share an id.")
    DANGLING_REFERENCE = ("dangling-reference", E, "Dangling reference",
        "A claimant, holder or claim refers to an id that does not exist in the file.")
    WRONG_REFERENCE_KIND = ("wrong-reference-kind", E, "Reference to the wrong kind of item",
        "A claimant or holder must be a mention id (m..), a stance's claim a claim id (c..).")
    DUPLICATE_STANCE = ("duplicate-stance", E, "Duplicate stance",
        "The same holder has two stances towards the same claim.")
    DUPLICATE_SPAN = ("duplicate-span", W, "Duplicate span",
        "Two mentions (or two claims) have the same offsets and type.")
    SPAN_WHITESPACE = ("span-whitespace", W, "Span starts or ends with whitespace",
        "Spans should not include surrounding whitespace.")
    SPAN_INSIDE_WORD = ("span-inside-word", W, "Span boundary inside a word",
        "A span starts or ends between two letters or digits (e.g. 'Algeria' inside "
        "'Algerian'); spans cover whole words.")
    SELF_STANCE = ("self-stance", W, "Stance of a claimant on its own claim",
        "The claimant's own claim needs no stance (see GUIDELINES.md).")
    CLAIM_UNATTRIBUTED = ("claim-unattributed", W, "Judgement without claimant or stance",
        "An accusation, evaluation or intention that the article itself makes and nobody "
        "takes a stance on; news articles rarely do that, so check that no claimant was "
        "missed. (Unattributed facts are normal and not reported.)")
    ANNOTATOR_NOT_PSEUDONYM = ("annotator-not-pseudonym", W, "Layer not named by a pseudonym",
        "Annotator layers are named by a pseudonym ('a' + 10 hex digits, as `ls pull` makes "
        "them) or 'gold', and so are the sources a gold layer names in provenance.sources, "
        "so no real name reaches the dataset; build and publish refuse any other name. "
        "Rename the file and its annotator field, or fix the source.")
    IDS_NOT_CANONICAL = ("ids-not-canonical", W, "Ids not in text order",
        "Ids are numbered m1.., c1.., s1.. in text order; rewrite with `claimstance fmt`.")
    NEAR_DUPLICATE = ("near-duplicate", W, "Near-duplicate articles",
        "Two seeds' texts share so many 5-word shingles (Jaccard index at or above the "
        "threshold in claimstance.toml, 0.7 by default) that they are versions of one article "
        "(a syndicated copy, a correction, an update). They are kept in one split; remove one "
        "if the corpus should hold a single version.")
    INVALID_CONFIG = ("invalid-config", E, "Invalid claimstance.toml",
        "The corpus's settings file is not TOML, names an unknown setting, gives a value "
        "out of its range, or a value where a table belongs; the message says which.")
    LS_INVALID_EXPORT = ("ls-invalid-export", E, "Not a Label Studio JSON export",
        "The export (or one task, annotation or result in it) is not shaped like Label "
        "Studio's JSON export of a `claimstance ls push` project.", "ls")
    LS_TASK_TEXT_CHANGED = ("ls-task-text-changed", E, "Task text differs from the seed",
        "The task's text or sha256 is not the seed's any more, so its offsets cannot be "
        "trusted; the annotations are refused. Re-push and re-annotate.", "ls")
    LS_CLAIM_WITHOUT_TYPE = ("ls-claim-without-type", E, "Claim without a claim type",
        "A CLAIM region has no claim_type choice; choose one in Label Studio.", "ls")
    LS_BAD_RELATION = ("ls-bad-relation", E, "Relation between the wrong regions",
        "Relations go from a mention to a claim (claimant, support, refute, neutral).", "ls")
    LS_MULTIPLE_CLAIMANTS = ("ls-multiple-claimants", E, "Claim with several claimants",
        "A claim has more than one claimant relation; keep one.", "ls")
    LS_UNLABELLED_RELATION = ("ls-unlabelled-relation", W, "Relation without a label",
        "A relation with no label means nothing to the corpus and is ignored.", "ls")
    LS_WOULD_OVERWRITE = ("ls-would-overwrite", E, "Pulled layer differs from an edited file",
        "The annotation file differs from what Label Studio gives, and it was edited by hand "
        "since a pull wrote it (or no pull wrote it); it is kept. Files a pull wrote and "
        "nobody edited are updated. Merge by hand, or re-run with --force to replace it.",
        "ls")
    LS_UNKNOWN_USER = ("ls-unknown-user", E, "Annotation author unknown",
        "The export names the annotation's author by a numeric Label Studio user id whose "
        "e-mail is not known, so no pseudonym can be made (a second one for the same person "
        "would be wrong). Pull from the server, or give --users with the JSON of "
        "<server>/api/users/.", "ls")
    LS_INVALID_USERS = ("ls-invalid-users", E, "Not a Label Studio user list",
        "The --users file must be the JSON list that <server>/api/users/ returns (objects "
        "with id and email).", "ls")
    LS_MENTION_AND_CLAIM = ("ls-mention-and-claim", E, "Region is both a mention and a claim",
        "One region carries a mention label and CLAIM (a label key was pressed while it was "
        "selected); select it and press the key of the label it must not have (CLAIM's, or "
        "the mention type's) to take that label off, which keeps its QID and relations; "
        "press Esc before the next label key.",
        "ls")
    LS_DROPPED_VALUE = ("ls-dropped-value", W, "Optional value dropped",
        "An optional value (the Wikidata QID box) is malformed, or was typed on a claim; it "
        "was left out and the rest of the annotation was kept.", "ls")
    LS_EDITED_BY_OTHER = ("ls-edited-by-other", E, "Annotation last changed by someone else",
        "Label Studio records that someone other than its author last updated the "
        "annotation (they edited a colleague's tab and pressed Update). The author's last "
        "pulled file is kept. The author opens the task in Label Studio, clicks their own "
        "tab, checks it and presses Update (which makes it theirs again), or the maintainers "
        "pull with --accept-edits-by-others to take the edit as the author's.", "ls")
    LS_STALE_EXPORT = ("ls-stale-export", E, "Export older than the last pull",
        "The annotation in the export was last updated before the version an earlier pull "
        "wrote (the record of pulls holds the newer time): an old export would replace newer "
        "work. The file is kept; pull from the server or a newer export (--force takes the "
        "older version anyway).", "ls")
    LS_DAMAGED_PULL_RECORD = ("ls-damaged-pull-record", W, "Unreadable line in the pull records",
        "A line of .claimstance/ls-pulls.jsonl is not a pull record (cut short, or a merge "
        "left conflict markers); it is dropped, so the file it described counts as not "
        "written by `ls pull` and is kept if it differs from Label Studio's version. A "
        "project's last-pull line that cannot be read is dropped too, and that project's next "
        "pull exports every task.", "ls")
    PUBLISH_INVALID = ("publish-invalid", E, "Corpus not valid",
        "Validation finds errors; nothing is published from an invalid corpus.", "publish")
    PUBLISH_NOT_BUILT = ("publish-not-built", E, "Dataset not built",
        "The folder has no manifest.json: build it with `python build_dataset.py`.",
        "publish")
    PUBLISH_STALE = ("publish-stale", E, "Built dataset is stale",
        "The built folder was made from other seeds, annotations, schema or prose than the "
        "corpus has now, or was edited after the build; rebuild.", "publish")
    PUBLISH_NO_VERSION = ("publish-no-version", E, "No dataset version",
        "CHANGELOG.md has no '## [X.Y.Z] - date' entry with a semantic version.", "publish")
    PUBLISH_LICENSE = ("publish-license", E, "License unknown or not redistributable",
        "A document's license is null or not on the allow-list of SPDX ids; only private "
        "repositories accept --allow-unlicensed.", "publish")
    PUBLISH_NO_GOLD = ("publish-no-gold", E, "Document without gold",
        "A document has no adjudicated gold layer; adjudicate it or use --allow-single.",
        "publish")
    PUBLISH_PERSONAL_DATA = ("publish-personal-data", E, "Personal data in the output",
        "An e-mail address, an annotator's real name, or an annotator id that is not a "
        "pseudonym appears in what would be published.", "publish")
    PUBLISH_VERSION_EXISTS = ("publish-version-exists", E, "Version already published",
        "The target already holds this version with other contents; add a new version to "
        "CHANGELOG.md and rebuild.", "publish")
    PUBLISH_BAD_MANIFEST = ("publish-bad-manifest", E, "manifest.json not written by a build",
        "The built folder's manifest.json is not what `claimstance build` writes (not JSON, "
        "no build marker, or a listed file outside the folder); rebuild.", "publish")
    PUBLISH_NAMES_UNREADABLE = ("publish-names-unreadable", E, "Names file unreadable",
        "$CLAIMSTANCE_ANNOTATOR_NAMES names a file that cannot be read as UTF-8 text, so the "
        "real-name check cannot run; fix the file or unset the variable.", "publish")
    PUBLISH_SPLIT_MOVE = ("publish-split-move", E, "Published document changes split",
        "A document already published in one split would be published in another (it joined "
        "a near-duplicate group whose smallest id hashes elsewhere), so the earlier test set "
        "would leak into training. Publish with --allow-split-moves to accept it, and say so "
        "in CHANGELOG.md.", "publish")
    PUBLISH_HUB_ERROR = ("publish-hub-error", E, "The Hub refused",
        "The Hugging Face Hub answered with an error (no token, no rights, or it is "
        "unreachable); the message quotes it.", "publish")
    # predictions (claimstance score); the codes above are reported for them too
    DUPLICATE_DOCUMENT = ("duplicate-document", E, "Document predicted twice",
        "Two lines of a predictions file have the same doc_id; keep one line per document.",
        "score")
    UNRESOLVED_SPAN_REFERENCE = ("unresolved-span-reference", E,
        "Span names no predicted claim",
        "A stance's claim given as a span must have the offsets of a claim predicted on the "
        "same line (or give the claim's id).", "score")
    NO_GOLD = ("no-gold", E, "Nothing to score against",
        "No document has gold annotations in the chosen scope: the corpus (or the built "
        "dataset, --gold dist) has none in this split; adjudicate or build first, or choose "
        "another --split.", "score")
    # claimstance import: another tool's annotations of a seed -> an annotator layer
    IMPORT_UNREADABLE = ("import-unreadable", E, "Import input cannot be read",
        "A file to import is missing, is not UTF-8, or is not in the format at all (a brat "
        ".ann without its .txt, a doccano line that is not a JSON object with a 'text' "
        "string); nothing is imported.", "import")
    IMPORT_TEXT_MISMATCH = ("import-text-mismatch", E, "Imported text is not a seed's text",
        "The .txt (or the record's text) is not the text of any seed: its sha256 differs, so "
        "its offsets cannot be trusted and nothing is imported. Annotate the seed's own text, "
        "as `claimstance export` writes it (\\n line ends, nothing added).", "import")
    IMPORT_DUPLICATE_DOCUMENT = ("import-duplicate-document", E, "Two inputs for one seed",
        "Two files or records of one import hold the same seed's text and would write the "
        "same layer; nothing is imported. Import them one at a time, under different "
        "--annotator names.", "import")
    IMPORT_BAD_LINE = ("import-bad-line", E, "Not in the format's syntax",
        "A brat .ann line, or an entity, relation or link of a doccano record, is not in the "
        "format's syntax or repeats an id; it is not imported, the rest is.", "import")
    IMPORT_BAD_OFFSETS = ("import-bad-offsets", E, "Span offsets do not fit the text",
        "A span's offsets are empty, out of order, beyond the text or inside a character, or "
        "its quoted text is not the text at its offsets; it is not imported.", "import")
    IMPORT_UNKNOWN_LABEL = ("import-unknown-label", E, "Label not in the schema",
        "A span type is neither a mention type nor a claim type, or a relation type is not "
        "claimant or a stance label; it is not imported (see docs/labels.md).", "import")
    IMPORT_BAD_RELATION = ("import-bad-relation", E, "Relation that a layer cannot hold",
        "A relation does not link a mention and a claim, refers to a span that was not "
        "imported, gives a claim a second claimant or a holder a second stance; it is not "
        "imported.", "import")
    IMPORT_BAD_LINK = ("import-bad-link", E, "Entity link that a layer cannot hold",
        "An entity link is not a Wikidata QID, is on a claim or on no imported span, or "
        "contradicts another link of the same mention; it is not imported.", "import")
    IMPORT_UNSUPPORTED = ("import-unsupported", W, "Not representable in a layer",
        "The format can say it, a layer cannot: brat events, equivalences, attributes, notes "
        "and discontinuous spans, links to other knowledge bases, doccano comments. It is "
        "left out and counted.", "import")
    # claimstance export: layers -> brat, CoNLL, spaCy, doccano
    EXPORT_INTO_CORPUS = ("export-into-corpus", E, "Export folder inside the corpus",
        "OUT is, contains or lies inside the corpus's seeds/ or annotations/ (or the --dist "
        "folder read from): exported files there would replace or pass for corpus files. "
        "Choose a folder elsewhere.", "export")
    EXPORT_NOTHING = ("export-nothing", E, "Nothing to export",
        "No document has a layer of --source (in --split, if given); nothing was written.",
        "export")
    EXPORT_PERSONAL_DATA = ("export-personal-data", E, "Annotator name in an export",
        "--source names a layer by something other than a pseudonym or gold: the name would be "
        "written into the exported files (doccano's annotator, the CoNLL comment, the export "
        "marker); nothing is exported. Rename the layer to its pseudonym.", "export")
    EXPORT_BAD_DIST = ("export-bad-dist", E, "Not a built dataset folder",
        "The built folder read by export --dist or score --gold dist has no manifest.json "
        "from a build, its documents Parquet files are missing, differ from what the build "
        "wrote or cannot be read as a build's, or a row breaks the corpus's rules (reported "
        "with that rule's code at /<row>/<field>, or repeats a document); rebuild it with "
        "`claimstance build`.", "export")
    # claimstance ingest --from: a file or folder of articles -> seeds
    INGEST_UNREADABLE = ("ingest-unreadable", E, "Articles cannot be read",
        "The input is missing, is not UTF-8 (the line is named), is not JSON Lines, CSV or a "
        "folder of .txt files, its CSV header names a column twice, or --map names a column "
        "it does not have; nothing is ingested.", "ingest")
    INGEST_BAD_ROW = ("ingest-bad-row", E, "Row is not an article",
        "A line that is not a JSON object (or names a key twice), a CSV row with more fields "
        "than the header, a sidecar .json that is not an object, or a field that is not "
        "text.", "ingest")
    INGEST_MISSING_TEXT = ("ingest-missing-text", E, "Article without text",
        "The row has no text, or only whitespace.", "ingest")
    INGEST_BAD_DATE = ("ingest-bad-date", E, "Publication date not understood",
        "published must be an ISO 8601 date (YYYY-MM-DD, or a date and time whose date part "
        "is kept) that exists in the calendar; leave it empty when unknown.", "ingest")
    INGEST_UNKNOWN_LICENSE = ("ingest-unknown-license", E, "License not on the SPDX list",
        "license must name one license of the SPDX License List (case is free, spaces may "
        "stand for hyphens: 'cc by 4.0' is CC-BY-4.0); leave it empty when unknown.",
        "ingest")
    INGEST_BAD_ID = ("ingest-bad-id", E, "No usable document id",
        "The id is not a slug (3-81 characters from a-z, 0-9 and '-'), or the row has neither "
        "an id nor a title (nor, in a folder, a file name) to make one from.", "ingest")
    INGEST_DUPLICATE_ID = ("ingest-duplicate-id", E, "Id used twice",
        "Two rows have the same id (given, or slugged from the same title), or a seed with "
        "this id already holds another article; give the row an id of its own.", "ingest")
    INGEST_DUPLICATE_TEXT = ("ingest-duplicate-text", E, "Same text twice",
        "The text, once normalized (NFC, \\n line ends, no trailing whitespace), is exactly "
        "that of an earlier row or of a seed already in the corpus (the same sha256).",
        "ingest")
    INGEST_NOTHING = ("ingest-nothing", E, "No article written",
        "The input holds no article (an empty JSON Lines file, a CSV with its header only, a "
        "folder without .txt files), or with --skip-bad every article has problems: nothing "
        "was written, and the command exits 1 so that a script notices.", "ingest")
    # refusals of commands that write (ingest, fmt, build, adjudicate, view, ...)
    WOULD_OVERWRITE = ("would-overwrite", E, "File exists with other content",
        "The command would replace a file that holds something else; it was kept. Re-run "
        "with --force to replace it.", "command")
    OUTPUT_NOT_OURS = ("output-not-ours", E, "Output folder not made by claimstance",
        "The output folder exists, is not empty and was not written by this command; choose "
        "another folder, or --force to replace it.", "command")
    OUTPUT_IN_CORPUS = ("output-in-corpus", E, "Output overlaps the corpus",
        "The output is, contains or lies inside the corpus's inputs (the root, seeds/, "
        "annotations/, schema/, review/, .claimstance/, .git), the project's own folders "
        "(src/, tests/, docs/, benchmarks/, .github/, .ci/) or a folder git tracks files in, "
        "or holds a repository or a corpus anywhere in its tree, or is or lies inside a "
        "repository's own folder (a .git, a bare repository) or another corpus's seeds/ or "
        "annotations/; refused even with --force. "
        "Choose a folder of its own, such as dist/.", "command")
    CORPUS_LOCKED = ("corpus-locked", E, "Another command is writing to the corpus",
        "One command at a time writes to a corpus (build, publish --to, ingest, fmt, "
        "adjudicate, docs, ls pull, export, import); wait for the other to finish and run "
        "this one again.",
        "command")
    IO_ERROR = ("io-error", E, "A file or folder could not be read or written",
        "The system refused a read or a write (no permission, read-only or full disk, a "
        "broken link); the message names the path and the reason. Nothing half-written was "
        "left behind.", "any command")
    BUILD_PERSONAL_DATA = ("build-personal-data", E, "Annotator name in the build",
        "A layer is named by something other than a pseudonym, so the name would reach the "
        "dataset card and manifest; nothing is built. Rename the layer to its pseudonym.",
        "command")
    BUILD_INVALID = ("build-invalid", E, "Corpus not valid",
        "Validation finds errors; nothing is built from an invalid corpus.", "command")
    FMT_WOULD_BE_INVALID = ("fmt-would-be-invalid", E, "Formatting would make the file "
        "invalid", "Written in the corpus style (two-space indent), the file would be one "
        "`validate` refuses, most often larger than its size limit (a layer kept on one "
        "line); it was left as it is. Split the layer, or keep it in its present style.",
        "fmt")
    FMT_NOT_A_LAYER = ("fmt-not-a-layer", E, "Not an annotation layer",
        "fmt rewrites annotation layers (annotations/<doc_id>/<annotator>.json); this file is "
        "a seed (in seeds/, or shaped as one), which `ingest` writes and nothing rewrites. "
        "It was left as it is; run `claimstance validate` on it instead.", "fmt")
    TOO_FEW_LAYERS = ("too-few-layers", E, "Not enough annotator layers",
        "Adjudication merges two or more annotators' layers of a document.", "command")
    # review files (review/<doc_id>.json), read by adjudicate
    REVIEW_DUPLICATE_CONFLICT = ("review-duplicate-conflict", E, "Conflict resolved twice",
        "The review file lists one conflict twice, so one of its resolutions would silently "
        "win; keep one entry for it.", "adjudicate")
    REVIEW_UNKNOWN_CONFLICT = ("review-unknown-conflict", E, "Resolution of no conflict",
        "The review file resolves a conflict this merge does not have: its id was edited, or "
        "the layers changed since the file was written. Correct the id, or remove the entry "
        "and run adjudicate again to see the conflicts as they are now.", "adjudicate")
    REVIEW_OTHER_DOCUMENT = ("review-other-document", E, "Review file of another document",
        "The review file's \"document\" is not the document it is named after; restore it, "
        "or delete the file to start the review again.", "adjudicate")
    REVIEW_UNRESOLVABLE = ("review-unresolvable", E, "Resolution that cannot take effect",
        "A resolution keeps a claim whose claimant, or a stance whose holder or claim, the "
        "other resolutions leave out of gold; keep that item too, or drop this one.",
        "adjudicate")
    # agreement
    AGREEMENT_TOO_MANY_LAYERS = ("agreement-too-many-layers", W,
        "Too many layers to compare",
        "Agreement compares every pair of a document's annotator layers (K layers, K(K-1)/2 "
        "pairs) and keeps each pair's figures; a document with more than 50 is left out of "
        "the figures (agree, and the dataset card), saying so.", "agree")
    # talking to Label Studio
    LS_NO_CREDENTIALS = ("ls-no-credentials", E, "No Label Studio URL or API key",
        "Give --url and --api-key, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY.",
        "ls-server")
    LS_UNREACHABLE = ("ls-unreachable", E, "Label Studio not reachable",
        "No answer from the server; start it (`claimstance ls up`) or check the URL.",
        "ls-server")
    LS_API_ERROR = ("ls-api-error", E, "Label Studio refused a request",
        "The server answered with an error; the message quotes it.", "ls-server")
    LS_NO_PROJECT = ("ls-no-project", E, "No such Label Studio project",
        "No project (or more than one) has this title; run `claimstance ls push` or pass "
        "--project.", "ls-server")
    LS_NO_SALT = ("ls-no-salt", E, "No pseudonym salt",
        "Pseudonyms need the maintainers' shared secret: set CLAIMSTANCE_PSEUDONYM_SALT or "
        "create ~/.config/claimstance/pseudonym-salt.", "ls-server")
    LS_SERVER = ("ls-server", E, "Label Studio server could not be installed, started or "
        "stopped", "The message says why; the server log is in its data folder.", "ls-server")
    LS_DATABASE = ("ls-database", E, "Label Studio's PostgreSQL database not usable",
        "The database URL of `ls up --database` (or CLAIMSTANCE_LS_DATABASE) is malformed, "
        "or PostgreSQL refused the connection; the message says which. Nothing was started.",
        "ls-server")


CATALOGUE: dict[str, Code] = {c.value: c for c in Code}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    pointer: str
    code: Code
    message: str
    line: int | None = None
    column: int | None = None

    @property
    def level(self) -> Level:
        return self.code.level

    @property
    def location(self) -> str:
        return f"{self.path}::{self.pointer}" if self.pointer else self.path

    def at(self, line: int | None, column: int | None) -> Problem:
        return Problem(self.path, self.pointer, self.code, self.message, line, column)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "level": self.level.value,
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


_SURROGATE = re.compile("[\ud800-\udfff]")


def displayable(s: str) -> str:
    """`s` as text any UTF-8 output can carry: a byte a file name did not decode (Python
    keeps it as a lone surrogate) is shown as \\xNN, so JSON output stays valid UTF-8."""
    if s.isascii() or not _SURROGATE.search(s):
        return s
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}"
                          if 0xDC80 <= ord(m.group()) <= 0xDCFF else "\ufffd", s)


def problem(code: Code, path: str, pointer: str, message: str) -> Problem:
    return Problem(path=displayable(path), pointer=displayable(pointer), code=code,
                   message=displayable(message))


@dataclass
class Report:
    """Every problem found (or, with keep=False, only their counts: a report of a large
    corpus streams its problems out instead of holding them), and what was looked at.
    `valid` derives from the counts."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    annotations: int = 0
    strict: bool = False
    keep: bool = True
    by_code: Counter[Code] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.by_code.update(p.code for p in self.problems)

    def extend(self, problems: Iterable[Problem]) -> None:
        problems = list(problems)
        self.by_code.update(p.code for p in problems)
        if self.keep:
            self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=sort_key)

    def failing(self, p: Problem) -> bool:
        return p.level is Level.ERROR or self.strict

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.by_code.items() if code.level is Level.ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for code, n in self.by_code.items() if code.level is Level.WARNING)

    @property
    def valid(self) -> bool:
        return not (self.errors or (self.strict and self.warnings))

    def stats(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "documents": self.documents,
            "annotations": self.annotations,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_code": {c.value: n for c, n in sorted(self.by_code.items(),
                                                     key=lambda kv: kv[0].value)},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "stats": self.stats(),
            "problems": [p.to_dict() for p in self.sorted()],
        }


def sort_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.path, p.line or 0, p.pointer, p.code.value)


class Refused(Exception):
    """A command declined to act. `problems` say why, each with its code and location;
    `report` is the whole validation report when that was the reason."""

    def __init__(self, message: str, problems: Iterable[Problem] = (),
                 report: Report | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.report = report


def refuse(code: Code, path: str, message: str, pointer: str = "") -> Refused:
    """A refusal for one coded problem (the message says what to do)."""
    return Refused(message, [problem(code, path, pointer, message)])
