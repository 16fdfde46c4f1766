"""Compile seeds + gold layers into a Hugging Face dataset folder.

Rows are streamed one document at a time into per-(config, split) Parquet writers that flush
in batches and roll over to a new shard by size, so memory stays flat at any corpus size.
Everything is written into a fresh folder beside the target and swapped in at the end: a
failed build leaves the previous `dist/` as it was. No timestamps, sorted inputs, fixed
writer options: the same inputs give byte-identical files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from .. import __version__
from ..corpus import cache
from ..corpus.items import from_layer
from ..corpus.layout import Corpus
from ..corpus.lock import corpus_lock
from ..corpus.naming import GOLD
from ..corpus.parallel import CHUNK, chunks, gc_paused, map_chunks
from ..corpus.release import read_release
from ..corpus.segmentation import Segmentation
from ..corpus.segments import segments_many
from ..corpus.splits import SPLITS, Splits, corpus_splits
from ..corpus.writing import (
    claim_output,
    io_refused,
    output_lock,
    staged_output,
)
from ..problems import Code, Problem, Refused, Report, refuse
from ..quality.agreement import Agreement, AgreementReport, agreement
from ..quality.baseline import predict
from ..quality.evaluate import human_tallies
from ..quality.scoring import Tally, tally
from ..quality.unitizing import Unitizing
from ..validation.plan import Work, plan_for, unpack
from ..validation.reader import MAX_BYTES, file_sha256
from ..validation.run import Checked, DocResult, check_docs, read_doc
from .columns import Columns
from .features import CONFIGS, LabelIndex, arrow_schema
from .manifest import GENERATOR, MANIFEST, input_hashes, is_build, load_manifest
from .parquet import SHARD_BYTES, ShardedWriter, name_shards
from .result import BuildResult, Reference
from .stats import Stats
from .tokens import BioCounts


@dataclass
class DocWork:
    """A valid document's part of a build, apart from its rows: what it adds to the card's
    figures (agreement of its annotators, statistics, the baseline and human rows scored
    against its gold) and the layer it is built from. Kept in the cache, keyed by the
    document's files: what costs most in a build is done once per version of a document."""

    source: str | None  # "gold", "single" (a lone layer, --allow-single), None: left out
    stats: Stats
    agreement: AgreementReport | None = None  # with two or more annotator layers
    baseline: list[Tally] = field(default_factory=list)  # scored: the card's split
    human: list[Tally] = field(default_factory=list)


#: What a cached `DocWork` is made of (the cache's unpickler builds nothing else).
WORK_TYPES = (DocWork, Stats, AgreementReport, Agreement, Unitizing, Tally, Counter, Fraction)


@dataclass
class ChunkOut:
    """What one worker gives back for a chunk of documents."""

    checked: Checked
    hashes: dict[str, str]
    stats: Stats
    excluded: list[str]
    licenses: set[str | None]
    languages: set[str]
    documents: int
    agreement: AgreementReport = field(default_factory=AgreementReport)
    single: list[str] = field(default_factory=list)
    bio: dict[str, BioCounts] = field(default_factory=lambda: {"mentions": BioCounts(),
                                                               "claims": BioCounts()})
    baseline: Reference = field(default_factory=Reference)
    human: Reference = field(default_factory=Reference)

    def add(self, res: DocResult, split: str, work: DocWork) -> None:
        """Count one valid document's part (in `split`: splits follow near-duplicate
        groups, so a document's split is not its own work)."""
        self.stats.merge(work.stats)
        if work.agreement is not None:
            self.agreement.merge(work.agreement)
        self.baseline.add(split, work.baseline)
        self.human.add(split, work.human)
        if work.source is None:
            self.excluded.append(res.doc_id)
            return
        if work.source == "single":
            self.single.append(res.doc_id)
        self.documents += 1
        self.licenses.add(res.seed.get("license"))
        self.languages.add(res.seed.get("language") or "en")


def source_of(res: DocResult, allow_single: bool) -> str | None:
    """Which layer a valid document is built from: "gold", a lone layer ("single", with
    `allow_single`), or None (left out)."""
    if GOLD in res.annotators:
        return GOLD
    return "single" if allow_single and len(res.annotators) == 1 else None


def doc_work(res: DocResult, source: str | None, seg: Segmentation | None) -> DocWork:
    """A valid document's part of the build, computed (`seg`: its segmentation, when its
    baseline and human rows are scored)."""
    layers = res.layers
    stats = Stats(per_document=False)
    stats.add(res.doc_id, layers, gold_figures=False)
    work = DocWork(source, stats)
    annotators = {a: x for a, x in layers.items() if a != GOLD}
    if len(annotators) > 1:
        work.agreement = agreement([(res.doc_id, annotators)],
                                   {res.doc_id: len(res.seed["text"])})
    if seg is not None and source is not None:
        layer = layers[GOLD] if source == GOLD else next(iter(layers.values()))
        work.baseline = [tally(from_layer(layer), predict(res.seed["text"], seg), seg.tokens)]
        work.human = list(human_tallies(seg, layers, 2).values())
    return work


def build_chunk(corpus: Corpus, max_bytes: int, allow_single: bool, reference: str | None,
                splits: Splits, part: Sequence[Work], columns: dict[str, Columns]) -> ChunkOut:
    """Check and count a chunk of documents, reading each file once, and gather their items
    into `columns` (per split) for conversion to Arrow by the caller.

    The documents that go into the dataset are segmented together (one cache lookup), then
    added with their sentences and tokens; those of the `reference` split (every split when
    None) are scored too: the baseline against gold, and each annotator against gold where
    two or more annotators made the gold. Each valid document's part (`DocWork`) is taken
    from the cache when its files are unchanged, and computed and kept there otherwise.
    Only a document's items outlive its check (in `columns`, until the caller converts
    them). The caller (`build_group`) rests the cyclic garbage collector around all of it.
    """
    ix = LabelIndex()
    out = ChunkOut(Checked(), {}, Stats(per_document=False), [], set(), set(), 0)
    valid: list[tuple[DocResult, str, str | None, bool]] = []
    for res in check_docs(corpus, part, max_bytes, keep=True):
        out.checked.add(res)
        out.hashes |= res.hashes
        if not res.has_errors:
            split = splits(res.doc_id)
            valid.append((res, split, source_of(res, allow_single), reference in (None, split)))
    kept = [(res, split, source) for res, split, source, _ in valid if source is not None]
    segs = dict(zip([res.doc_id for res, _, _ in kept],
                    segments_many([res.seed["text"] for res, _, _ in kept]), strict=True))
    keys = [cache.key(__name__, "build", res.read, allow_single, scored) if res.read else None
            for res, _, _, scored in valid]
    known = cache.fetch([k for k in keys if k], WORK_TYPES)
    found = iter(known)
    new = []
    for (res, split, source, scored), k in zip(valid, keys, strict=True):
        work = next(found) if k else None
        if work is None:
            work = doc_work(res, source, segs.get(res.doc_id) if scored else None)
            if k:
                new.append((k, work))
        out.add(res, split, work)
    cache.store(new)
    for res, split, source in kept:
        if split not in columns:
            columns[split] = Columns(ix)
        layer = res.data(res.layer_path(GOLD if source == GOLD else res.annotators[0]))
        columns[split].add(res.seed, layer, segs[res.doc_id], source)
    return out


GROUPS = 16  # units of parallel work (each writes its own shards): enough to keep cores busy
MAX_GROUP = 8192  # documents per group at most, so memory stays flat


def group_size(n_docs: int) -> int:
    """Documents per group: a function of the corpus alone (never of the processes), so the
    output is the same with one process or many."""
    return min(MAX_GROUP, max(CHUNK, -(-n_docs // GROUPS // CHUNK) * CHUNK))
TABLE_DOCS = 1024  # documents of one split converted to Arrow at a time


@dataclass
class GroupOut:
    """A group's chunk results (without tables) and the shards it wrote."""

    chunks: list[ChunkOut]
    # (config, split) -> [(path under the staging folder, rows, nbytes)]
    shards: dict[tuple[str, str], list[tuple[str, int, int]]]

    def digests(self) -> dict[str, str]:
        """path -> sha256 of every corpus file the group read."""
        return {rel: d for out in self.chunks for rel, d in out.hashes.items()}


#: What a cached group is made of (the cache's unpickler builds nothing else).
GROUP_TYPES = (*WORK_TYPES, GroupOut, ChunkOut, Checked, Problem, Code, Reference, BioCounts)


def _group_key(corpus: Corpus, index: int, docs: Sequence[Work], max_bytes: int,
               *options: str | int | bool | None) -> tuple[bytes, cache.Inputs] | None:
    """The key of a group's whole output (its figures and the bytes of its shards), from
    one reading of every file of its documents; None when a file cannot be read."""
    reads, listed = [], []
    for w in docs:
        res = read_doc(corpus, *unpack(w), max_bytes)
        read = res.inputs()
        if read is None:
            return None
        reads.append(read)
        listed += [(p.code.value, p.path) for _, found in res.found for p in found]
    read = cache.Inputs.union(reads)
    return cache.key(__name__, "group", read, index, max_bytes, *options, repr(listed)), read


def build_group(corpus: Corpus, max_bytes: int, allow_single: bool, reference: str | None,
                splits: Splits, staging: Path, shard_bytes: int,
                part: Sequence[tuple[int, Sequence[Work]]]) -> GroupOut:
    """Check and convert a group of documents and write their Parquet shards, in a worker.

    Groups have a fixed size whatever the number of processes, and each group's shards are
    named after it, so the output does not depend on how the work was shared. A group none
    of whose files (nor the code, nor the options) changed since an earlier build is taken
    from the cache whole: its figures and its shards' bytes (a rebuild after one edit
    converts one group). It is kept there only if its files did not change while it was
    built (they are read twice: once for the key, once for the work).
    """
    ((index, docs),) = part
    # splits follow near-duplicate groups across the corpus: each document's is an input
    placed = repr([splits(w[0]) for w in docs])
    found = (_group_key(corpus, index, docs, max_bytes, allow_single, reference, shard_bytes,
                        placed) if cache.enabled() else None)
    if found is not None:
        (hit,) = cache.fetch([found[0]], GROUP_TYPES)
        if hit is not None:
            out, files = hit
            for rel, data in files.items():
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                (staging / rel).write_bytes(data)
            return out  # type: ignore[no-any-return]
    out = _convert_group(corpus, max_bytes, allow_single, reference, splits, staging,
                         shard_bytes, index, docs)
    if found is not None and out.digests() == {k: v for k, v in found[1].digests
                                               if v != cache.ABSENT}:
        cache.store([(found[0], (out, {rel: (staging / rel).read_bytes()
                                       for shards in out.shards.values()
                                       for rel, _, _ in shards}))])
    return out


def _convert_group(corpus: Corpus, max_bytes: int, allow_single: bool, reference: str | None,
                   splits: Splits, staging: Path, shard_bytes: int, index: int,
                   docs: Sequence[Work]) -> GroupOut:
    ix = LabelIndex()
    writers: dict[tuple[str, str], ShardedWriter] = {}
    columns: dict[str, Columns] = {}
    outs: list[ChunkOut] = []

    def flush(split: str) -> None:
        tables = columns.pop(split).tables(outs[-1].bio)
        outs[-1].stats.add_tables(tables, ix)
        for config, table in tables.items():
            w = writers.get((config, split))
            if w is None:
                folder = staging / "data" / config
                folder.mkdir(parents=True, exist_ok=True)
                w = writers[(config, split)] = ShardedWriter(folder, split, table.schema,
                                                             shard_bytes, f"-{index:05d}")
            w.add(table)

    with gc_paused():  # parsed JSON and the items gathered from it make no cycles
        for sub in chunks(docs):
            outs.append(build_chunk(corpus, max_bytes, allow_single, reference, splits, sub,
                                    columns))
            for split in [k for k, v in columns.items() if len(v) >= TABLE_DOCS]:
                flush(split)
        for split in sorted(columns):
            flush(split)
    shards = {}
    for key, w in writers.items():
        paths = [p.relative_to(staging).as_posix() for p in w.close()]
        shards[key] = [(paths[0], w.rows, w.nbytes)] + [(p, 0, 0) for p in paths[1:]]
    return GroupOut(outs, shards)


def build(
    root: str | Path | None = None,
    out: str | Path | None = None,
    *,
    progress: bool = False,
    force: bool = False,
    shard_bytes: int = SHARD_BYTES,
    site: bool = False,
    jobs: int | None = None,
    max_bytes: int = MAX_BYTES,
    allow_single: bool = False,
    use_cache: bool = True,
) -> BuildResult:
    """Validate and build in one reading of the corpus; refuse (`Refused`) on any error.

    Everything is written to a staging folder that replaces `out` only when all went well,
    under the corpus's write lock; what an earlier, killed build left is cleaned up first.
    `use_cache`: take each unchanged document's validation and part of the build from the
    cache (`corpus/cache.py`), and keep what had to be computed there.
    """
    corpus = Corpus.at(root)
    out_dir = Path(out).absolute() if out else corpus.root / "dist"
    with corpus_lock(corpus.root, "build"), \
            output_lock(corpus.root, out_dir, "--out", "build"):
        try:
            claim_output(corpus.root, out_dir, "--out", ours=is_build, force=force,
                         ours_is=f"a claimstance build (a {MANIFEST} written by `claimstance "
                         "build` that lists every file in it)")
        except OSError as e:
            raise io_refused(e, "build") from None
        previous, _ = load_manifest(out_dir)  # what moved since: the build summary says
        with staged_output(out_dir, "build", corpus.rel(out_dir)) as staging, \
                cache.disabled(not use_cache):
            result = _write(corpus, staging, progress, shard_bytes, site, jobs, max_bytes,
                            allow_single, previous)
    result.out = out_dir
    return result


def _refuse_names(report: Report) -> None:
    """A layer (or a gold layer's source) named by anything but a pseudonym would put that
    name in the card's table of annotators, the data and the manifest: the build stops
    (validate only warns)."""
    named = [p for p in report.problems if p.code is Code.ANNOTATOR_NOT_PSEUDONYM]
    if named:
        message = (f"{len(named)} annotator layer name(s) or gold source(s) are not a "
                   "pseudonym; nothing was built: rename the layers, or fix the gold layers' "
                   "provenance.sources (ls pull names layers a + 10 hex digits)")
        raise Refused(message, [*named, *refuse(Code.BUILD_PERSONAL_DATA, ".", message)
                                .problems])


def _write(corpus: Corpus, staging: Path, progress: bool, shard_bytes: int, site: bool,
           jobs: int | None, max_bytes: int, allow_single: bool,
           previous: dict[str, Any] | None) -> BuildResult:
    from .card import write_card
    from .croissant import write_croissant

    plan, docs = plan_for(corpus, None)
    split_for = corpus_splits(corpus.root, progress=progress, jobs=jobs)
    for config in CONFIGS:  # import pyarrow and make the schemas once, before workers fork
        arrow_schema(config)
    report = Report()
    report.extend(plan.problems)
    shards: dict[tuple[str, str], list[tuple[str, int, int]]] = defaultdict(list)
    stats = Stats(per_document=False)
    excluded: list[str] = []
    licenses: set[str | None] = set()
    languages: set[str] = set()
    read: dict[str, str] = {}
    n_docs = 0
    # the reference figures of the card are the test split's once it has documents
    reference = "test" if any(split_for(w[0]) == "test" for w in docs) else None
    work = partial(build_group, corpus, max_bytes, allow_single, reference, split_for, staging,
                   shard_bytes)
    agree = AgreementReport()
    single: list[str] = []
    bio = {"mentions": BioCounts(), "claims": BioCounts()}
    baseline, human = Reference(), Reference()
    size = group_size(len(docs))
    groups = [(g, docs[i : i + size]) for g, i in enumerate(range(0, len(docs), size))]
    for group in map_chunks(work, groups, size=1, weight=lambda p: len(p[0][1]),
                            jobs=jobs,
                            progress="building" if progress else None):
        for key, found in group.shards.items():
            shards[key] += found
        for out in group.chunks:
            out.checked.into(report)
            read |= out.hashes
            stats.merge(out.stats)
            agree.merge(out.agreement)
            single += out.single
            for kind, counts in out.bio.items():
                bio[kind].merge(counts)
            baseline.merge(out.baseline)
            human.merge(out.human)
            excluded += out.excluded
            licenses |= out.licenses
            languages |= out.languages
            n_docs += out.documents
    if not report.valid:
        message = (f"validation found {report.errors} error(s); nothing was built: fix them "
                   "first (claimstance validate)")
        raise Refused(message, [*report.problems, *refuse(Code.BUILD_INVALID, ".", message)
                                .problems], report)
    _refuse_names(report)
    splits: dict[str, dict[str, int]] = defaultdict(dict)
    nbytes: dict[str, dict[str, int]] = defaultdict(dict)
    for config, split in sorted(shards, key=lambda k: (CONFIGS.index(k[0]),
                                                       SPLITS.index(k[1]))):
        found = shards[(config, split)]  # in group order
        name_shards(staging / "data" / config, split, [staging / p for p, _, _ in found],
                    arrow_schema(config))
        splits[config][split] = sum(r for _, r, _ in found)
        nbytes[config][split] = sum(b for _, _, b in found)
    result = BuildResult(staging, dict(splits), dict(nbytes), [], n_docs, excluded, licenses,
                         languages, stats.to_dict(), agree, single,
                         read_release(corpus.root), {k: v.counts for k, v in bio.items()},
                         baseline, human, reference)
    gone = set(excluded)
    result.placed(split_for, [w[0] for w in docs if w[0] not in gone], previous)
    write_card(corpus, staging, result)
    write_croissant(staging, result)
    if site:
        from ..viewer import render_site, write_pages

        write_pages(render_site(corpus), staging / "site")
    data_files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*")
                        if p.is_file())
    manifest = {
        "generator": GENERATOR,
        "claimstance_version": __version__,
        "version": result.version,
        "inputs": input_hashes(corpus, read),
        "outputs": {rel: file_sha256(staging / rel) for rel in data_files},
        "excluded": excluded,
        "single": single,
        **result.placement(),
    }
    (staging / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    result.files = [*data_files, MANIFEST]
    return result
