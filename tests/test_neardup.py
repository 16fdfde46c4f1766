"""Near-duplicates: what the edits of news make, what distinct articles on one story are not,
the fast path (MinHash, bands) proven equal to the exact all-pairs Jaccard, the index kept
between runs, and splits that keep groups together."""

from __future__ import annotations

import codecs
import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from news import EDITS, Story, article

from claimstance.corpus.document import make_document
from claimstance.corpus.layout import Corpus
from claimstance.corpus.neardup import jaccard, near_pairs, refresh, shingles
from claimstance.corpus.neardup.index import CorpusIndex, store_path
from claimstance.corpus.neardup.sketch import band_shape
from claimstance.corpus.splits import Splits, corpus_splits, split_of
from claimstance.corpus.writing import dumps


def brute_force(texts: list[str], threshold: float) -> list[tuple[int, int, float]]:
    sets = [shingles(t) for t in texts]
    return [(i, j, jaccard(sets[i], sets[j]))
            for i, j in itertools.combinations(range(len(texts)), 2)
            if jaccard(sets[i], sets[j]) >= threshold]


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__)
def test_each_edit_of_news_makes_a_near_duplicate(edit: object) -> None:
    base = article(Story.make(1), 1)
    assert callable(edit)
    found = near_pairs([base, edit(base), article(Story.make(2), 2)], 0.7)
    assert [(i, j) for i, j, _ in found] == [(0, 1)]


def test_distinct_articles_on_one_story_are_not_grouped() -> None:
    """The same people, places and topic, even a shared quote, in other words: no pair."""
    story = Story.make(7)
    texts = [article(story, seed, quote=True) for seed in range(6)]
    names = set(story.people[0].casefold().split())
    assert all(names <= set(t.casefold().split()) and story.quote in t.casefold()
               for t in texts)
    assert near_pairs(texts, 0.7) == []
    assert max(jaccard(shingles(a), shingles(b))
               for a, b in itertools.combinations(texts, 2)) < 0.1
    # their near-duplicates pair up with their own original only
    found = near_pairs(texts + [EDITS[k](texts[k]) for k in range(4)], 0.7)
    assert [(i, j) for i, j, _ in found] == [(0, 6), (1, 7), (2, 8), (3, 9)]


def _replace_words(text: str, rng_seed: int, count: int) -> str:
    words = text.split(" ")
    step = max(1, len(words) // (count + 1))
    for k in range(count):
        words[(k + 1) * step % len(words)] = f"w{rng_seed}x{k}"
    return " ".join(words)


family = st.tuples(st.integers(0, 40), st.lists(st.tuples(st.integers(0, 3),
                                                          st.integers(0, 60)), max_size=3))


@given(families=st.lists(family, min_size=1, max_size=5),
       threshold=st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_path_finds_exactly_the_pairs_at_or_above_the_threshold(
        families: list[tuple[int, list[tuple[int, int]]]], threshold: float) -> None:
    """MinHash and the bands only propose: what is found is exactly the all-pairs answer of
    the exact Jaccard index, with the same values, over versions that range from copies
    to texts with 60 words replaced (Jaccard from 1 down to about 0.3)."""
    texts = []
    for seed, versions in families:
        base = article(Story.make(seed), seed, paragraphs=3)
        texts.append(base)
        for edit, replaced in versions:
            texts.append(_replace_words(EDITS[edit](base), seed, replaced))
    assert near_pairs(texts, threshold) == brute_force(texts, threshold)


def test_bands_miss_a_pair_at_the_threshold_rarely() -> None:
    for t in (0.3, 0.5, 0.7, 0.9, 1.0):
        b, r = band_shape(t)
        assert b * r <= 256 and (1 - t**r) ** b <= 1e-6


def test_texts_without_words_resemble_nothing() -> None:
    assert near_pairs(["...", "!!!", "…", "a b c d e f"], 0.3) == []


# --- the index of a corpus --------------------------------------------------------------------

def _seed(root: Path, doc_id: str, text: str) -> Path:
    path = root / "seeds" / f"{doc_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(make_document(doc_id, text, added="2026-11-25")))
    return path


def _forge_identities(root: Path) -> None:
    """Give every row of the stored index its seed file's identity as it is now, scanned
    long after: what the stat path sees when a rewrite moves no time (a file system whose
    ctime does not move, a copy or restore that keeps the times)."""
    import time

    from claimstance.corpus.neardup import index

    path = store_path(Corpus.at(root).root)
    stored = CorpusIndex.load(path)
    if stored is None:
        return
    for row, doc_id in enumerate(stored.ids):
        seed = root / "seeds" / f"{doc_id}.json"
        if seed.is_file():
            stored.files[row] = index._identity(seed.stat())
    stored.scanned_ns = time.time_ns() + 10 * index.RACY_NS
    stored.save(path)


def _rewrite_same_size(path: Path, text: str) -> None:
    """Rewrite a seed with another text of the same size in place (same inode) and set
    its times back."""
    before = path.stat()
    data = dumps(make_document(path.stem, text, added="2026-11-25"))
    assert len(data) == before.st_size
    with path.open("r+b") as fh:
        fh.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == \
        (before.st_ino, before.st_size, before.st_mtime_ns)


def test_index_is_kept_and_follows_every_change(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from claimstance.corpus.neardup import index

    monkeypatch.setattr(index, "RACY_NS", 0)  # rows are trusted on their file's identity alone
    root = tmp_path / "c"
    base = article(Story.make(3), 3)
    _seed(root, "apple", base)
    _seed(root, "berry", article(Story.make(4), 4))
    corpus = Corpus.at(root)
    assert refresh(corpus, 0.7).named_pairs() == []
    stored = CorpusIndex.load(store_path(corpus.root))
    assert stored is not None and stored.ids == ["apple", "berry"]
    # a new near-duplicate is compared with the stored rows
    _seed(root, "apple-wire", EDITS[0](base))
    assert [(p.a, p.b) for p in refresh(corpus, 0.7).named_pairs()] == [("apple", "apple-wire")]
    # one edited so that it no longer is one: the pair goes
    _seed(root, "apple-wire", article(Story.make(5), 5))
    assert refresh(corpus, 0.7).named_pairs() == []
    # rewritten with the same size and its times set back: the ctime still tells
    path = _seed(root, "berry", EDITS[1](base))
    assert [(p.a, p.b) for p in refresh(corpus, 0.7).named_pairs()] == [("apple", "berry")]
    before = path.stat()
    other = dumps(make_document("berry", codecs.encode(EDITS[1](base), "rot13"),
                                added="2026-11-25"))
    assert len(other) == before.st_size
    path.write_bytes(other)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert refresh(corpus, 0.7).named_pairs() == []
    path.write_bytes(dumps(make_document("berry", EDITS[1](base), added="2026-11-25")))
    # a removed seed takes its pairs along; another threshold is computed afresh
    (root / "seeds" / "berry.json").unlink()
    assert refresh(corpus, 0.7).named_pairs() == []
    assert refresh(corpus, 0.95).threshold == 0.95


def test_a_stored_index_of_another_version_or_damaged_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "c"
    base = article(Story.make(6), 6)
    _seed(root, "one", base)
    _seed(root, "two", EDITS[2](base))
    corpus = Corpus.at(root)
    want = refresh(corpus, 0.7).named_pairs()
    path = store_path(corpus.root)
    assert path is not None and path.is_file()
    good = path.read_bytes()
    for damaged in (b"not an index", good[:-100], good.replace(b"perm=256", b"perm=128"),
                    good.replace(b'"<u4"', b'"<u8"')):
        path.write_bytes(damaged)
        assert CorpusIndex.load(path) is None
        assert refresh(corpus, 0.7).named_pairs() == want
        assert CorpusIndex.load(path) is not None  # written again
    # pairs that name rows it has not, or values no pair has: never a pair, nor a crash
    import numpy as np

    stored = CorpusIndex.load(path)
    assert stored is not None
    for pairs, value in (([[-1, 0]], 0.9), ([[0, 2]], 0.9), ([[1, 0]], 0.9), ([[0, 0]], 0.9),
                         ([[0, 1]], 0.5), ([[0, 1]], float("nan"))):
        stored.pairs, stored.jaccard = np.array(pairs, np.int64), np.array([value])
        stored.save(path)
        assert CorpusIndex.load(path) is None
        assert refresh(corpus, 0.7).named_pairs() == want


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSTANCE_NO_CACHE", "1")
    root = tmp_path / "c"
    base = article(Story.make(8), 8)
    _seed(root, "one", base)
    _seed(root, "two", EDITS[3](base))
    assert store_path(root) is None
    assert len(refresh(Corpus.at(root), 0.7).named_pairs()) == 1


# --- splits ------------------------------------------------------------------------------------

def test_a_group_sits_in_the_split_of_its_smallest_id() -> None:
    s = Splits([["a-one", "b-two", "c-three"]])
    assert {s(d) for d in ("a-one", "b-two", "c-three")} == {split_of("a-one")}
    assert s("lonely-doc") == split_of("lonely-doc")


@given(ids=st.lists(st.from_regex(r"[a-z]{3,8}", fullmatch=True), min_size=2, max_size=30,
                    unique=True), data=st.data())
@settings(max_examples=60, deadline=None)
def test_a_new_article_moves_only_the_group_it_joins(ids: list[str], data: st.DataObject,
                                                     ) -> None:
    """Adding a document (and its pairs) changes no split but those of the group it joins."""
    from claimstance.corpus.neardup import groups

    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids))))
    before = Splits(groups([(a, b) for a, b in pairs if a != b]))
    new = "new" + data.draw(st.from_regex(r"[a-z]{3}", fullmatch=True))
    joins = data.draw(st.lists(st.sampled_from(ids), max_size=3))
    after = Splits(groups([*((a, b) for a, b in pairs if a != b), *((new, j) for j in joins)]))
    joined = {d for g in after.groups if new in g for d in g}
    moved = {m.doc_id for m in after.moves({d: before(d) for d in ids}, ids)}
    assert moved <= joined


def test_corpus_splits_keep_near_duplicates_together(tmp_path: Path) -> None:
    root = tmp_path / "c"
    for k in range(12):
        base = article(Story.make(100 + k), 100 + k)
        _seed(root, f"story-{k:02d}", base)
        _seed(root, f"zz-version-{k:02d}", EDITS[k % 4](base))
    splits = corpus_splits(root)
    assert len(splits.groups) == 12
    assert all(splits(f"story-{k:02d}") == splits(f"zz-version-{k:02d}") for k in range(12))
    # splits by id alone would have split some of these pairs apart
    assert any(split_of(f"story-{k:02d}") != split_of(f"zz-version-{k:02d}") for k in range(12))
    assert json.dumps(splits.groups)  # plain data, as the manifest records it


def test_what_decides_reads_the_seeds_not_their_file_identity(tmp_path: Path) -> None:
    """A seed rewritten with another text of the same size, in place, its times set back and
    its identity as the stored index has it: the build's splits and validate's warning
    follow the text (a stale signature would keep a document beside a version of it that it
    no longer is, in a split it no longer belongs to), while ingest's advisory check may
    still trust the file identity."""
    from claimstance.dataset.manifest import split_map

    from .test_ingest_bulk import add_gold, corpus_root, run

    root = corpus_root(tmp_path)
    a, b = next((f"story-{k}", f"story-{k}-v") for k in range(100)
                if split_of(f"story-{k}") != split_of(f"story-{k}-v"))
    base = article(Story.make(3), 3)
    near = EDITS[0](base)
    _seed(root, a, base)
    path = _seed(root, b, near)
    for doc_id in (a, b):
        add_gold(root, doc_id)

    def built() -> dict[str, str]:
        res = run("build", "--root", root)
        assert res.exit_code == 0, res.output
        return split_map(json.loads((root / "dist" / "manifest.json").read_text()))

    def warned() -> list[str]:
        res = run("validate", "--root", root, "--format", "json")
        return [p["path"] for p in json.loads(res.output)["problems"]
                if p["code"] == "near-duplicate"]

    assert built() == {a: split_of(a), b: split_of(a)}
    assert warned() == [f"seeds/{b}.json"]
    _rewrite_same_size(path, codecs.encode(near, "rot13"))  # no longer a version of `a`
    add_gold(root, b)  # the gold layer names the seed's new sha256
    _forge_identities(root)
    corpus = Corpus.at(root)
    assert [(p.a, p.b) for p in refresh(corpus, 0.7, trust_stat=True).named_pairs()] == \
        [(a, b)]  # ingest's advisory check: stale, and allowed to be
    assert built() == {a: split_of(a), b: split_of(b)}
    assert warned() == []
    # and back: the same size again, a version of `a` again
    _rewrite_same_size(path, near)
    add_gold(root, b)
    _forge_identities(root)
    assert warned() == [f"seeds/{b}.json"]
    assert built() == {a: split_of(a), b: split_of(a)}


def test_growth_bench_smoke(tmp_path: Path) -> None:
    """The benchmark runs end to end at a small N and prints well-formed figures (not
    timings): every stage, the targets, and the planted pairs found exactly."""
    import subprocess
    import sys

    from .conftest import REPO

    out = tmp_path / "growth.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "growth_bench.py"), "60",
                           "--work", str(tmp_path / "w"), "--reps", "2", "--json", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr  # 1 = a target missed: no error here
    figures = json.loads(out.read_text())
    assert figures["n"] == 60 and figures["written"] == 60 and figures["planted_pairs"] == 6
    assert len(figures["stages"]) == 5 and len(figures["one_new_seconds"]) == 2
    assert all(s["seconds"] > 0 and s["peak_rss_mib"] > 0 for s in figures["stages"])
    assert set(figures["targets"]) == {"ingest", "detect", "detect_rss", "one_new", "exact"}
    assert figures["targets"]["exact"]["pass"]  # not a timing: the pairs are exact
    for word in ("PASS", "x floor", "near-duplicates, no index", "one new article"):
        assert word in proc.stdout


@pytest.mark.parametrize(("threshold", "small", "large"), [(0.55, 55, 100), (0.56, 14, 25),
                                                            (0.68, 51, 75), (0.34, 51, 150)])
def test_a_pair_exactly_at_the_threshold_is_found(threshold: float, small: int,
                                                  large: int) -> None:
    """One text's shingles inside the other's, Jaccard = small / large = the threshold: the
    size bound that skips hopeless pairs must agree with the exact value as computed, where
    `threshold * large` rounds above `small` (0.55 * 100 = 55.000000000000007)."""
    words = [f"w{k}" for k in range(large + 4)]  # large + 4 words: `large` 5-word shingles
    texts = [" ".join(words[: small + 4]), " ".join(words)]
    assert jaccard(shingles(texts[0]), shingles(texts[1])) == small / large >= threshold
    assert near_pairs(texts, threshold) == brute_force(texts, threshold) != []


_VERSIONS = [article(Story.make(200 + k // 3), 200 + k // 3, paragraphs=3) if k % 3 == 0 else
             EDITS[k % 4](article(Story.make(200 + k // 3), 200 + k // 3, paragraphs=3))
             for k in range(9)]  # three stories, each with two edited versions
_NAMES = ["alpha", "bravo", "charlie"]
_WRITE = st.tuples(st.just("write"), st.sampled_from(_NAMES), st.integers(0, len(_VERSIONS) - 1))


@given(steps=st.lists(st.one_of(
    _WRITE, _WRITE, _WRITE,  # mostly (re)writes: versions of one story come and go
    st.tuples(st.just("forge"), st.sampled_from(_NAMES), st.integers(0, len(_VERSIONS) - 1)),
    st.tuples(st.sampled_from(["delete", "same", "break"]), st.sampled_from(_NAMES),
              st.just(0)),
    st.tuples(st.just("threshold"), st.just(""), st.integers(0, 2))), min_size=2, max_size=10))
@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_the_kept_index_always_gives_the_all_pairs_answer(
        steps: list[tuple[str, str, int]], tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever happens to the seeds between runs (written, rewritten with the same text,
    removed, made unreadable, another threshold), the pairs a refresh gives from the index
    it kept are the exact all-pairs answer over the seeds as they are; even when a rewrite
    leaves the file identity the stat path trusts as the index has it ("forge"): only
    ingest's advisory check (`trust_stat`) may then be wrong."""
    from claimstance.corpus.neardup import index

    monkeypatch.setattr(index, "RACY_NS", 0)
    root = tmp_path_factory.mktemp("c")
    (root / "seeds").mkdir()
    corpus, threshold, stamp = Corpus.at(root), 0.7, 10**18
    # and at the end, two versions of one story under each threshold in turn
    sweep = [("threshold", "", 0), ("write", "alpha", 0), ("write", "bravo", 2),
             *(("threshold", "", k) for k in (1, 2, 0))]
    for kind, name, value in steps + sweep:
        path = root / "seeds" / f"{name}.json"
        if kind == "threshold":
            threshold = (0.7, 0.85, 0.95)[value]  # pairs at 0.81 to 1.0 come and go
        elif kind == "delete":
            path.unlink(missing_ok=True)
        elif kind == "break" or (kind == "same" and path.is_file()):
            path.write_bytes(b"{" if kind == "break" else path.read_bytes())
        elif kind in ("write", "forge"):
            path.write_bytes(dumps(make_document(name, _VERSIONS[value], added="2026-11-25")))
        if path.is_file():  # a time of its own: a rewrite within one clock tick still tells
            stamp += 10**9
            os.utime(path, ns=(stamp, stamp))
        if kind == "forge":
            _forge_identities(root)
        texts = {p.stem: json.loads(p.read_bytes())["text"]
                 for p in sorted((root / "seeds").glob("*.json")) if p.read_bytes() != b"{"}
        ids = sorted(texts)
        want = [(ids[i], ids[j], v) for i, j, v in
                brute_force([texts[d] for d in ids], threshold)]
        advisory = refresh(corpus, threshold, trust_stat=True, jobs=1).named_pairs()
        if kind != "forge":  # the stat path follows every change a file identity shows
            assert [(p.a, p.b, p.jaccard) for p in advisory] == want
        got = refresh(corpus, threshold, jobs=1).named_pairs()
        assert [(p.a, p.b, p.jaccard) for p in got] == want


def test_an_index_made_by_other_code_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored pairs stand only while the code that decided them does: a fix to the shingles,
    the bands or the exact check, or a Python with another Unicode (what `\\w` and case
    folding are), makes another version."""
    import unicodedata

    from claimstance.corpus.neardup import index

    here = index._code_digest()
    assert f"code={here}" in index.VERSION
    monkeypatch.setattr(unicodedata, "unidata_version", "0.0.0")
    assert index._code_digest() != here
