"""The near-duplicate index of one corpus: every seed's signature and the pairs found,
kept between runs so that one new article is compared with 100,000 in about a second.

It lives in the user's cache (`$XDG_CACHE_HOME/claimstance/neardup/<corpus>.index`), outside
the corpus, so git never sees it and `validate` writes nothing into the corpus. Nothing in it
is trusted without its key: the file carries the version of everything that makes a
signature or decides a pair (shingle size, permutations, seed, the digest of that code and
the Unicode version), and each row the content key of the seed it was made from (the
cache's one key rule, `cache.key`, over the seed's bytes) and that file's identity (size,
mtime, ctime and inode: what git's index trusts).

Where the answer decides something (validate's warning, the build's splits and so what
`publish` ships) every seed is read and a row stands only while its content key does: a
file identity can stay the same over other bytes (a clock or file system whose times do
not move, a copy that keeps them), and a stale signature there would put a document in the
wrong split. Only ingest's advisory check (`trust_stat`), which must stay fast on 100,000
seeds and decides nothing the build relies on, trusts a row on its file identity alone;
rows written less than RACY_NS before the last scan are read again even then, since a
write in the same clock tick leaves the times as they were. A row whose key changed but
whose text did not (the same sha256) keeps its signature; otherwise it is made again. Pairs
are kept only between rows that stand, and for the same threshold; new or changed rows are
compared with all the others. A file that cannot be read, written or is of another version
only costs time (`CLAIMSTANCE_NO_CACHE=1` turns it off).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from .. import cache
from ..layout import Corpus
from ..naming import DOC_ID
from ..parallel import PARALLEL_FROM, map_chunks
from ..userdirs import user_dir
from .pairs import Pair, confirm
from .shingles import SHINGLE
from .sketch import NUM_PERM, SEED, blank, candidates, signature


def _code_digest() -> str:
    """What makes a signature and decides a pair, as code: these modules' bytes, and the
    Unicode version that says what a word (`\\w`) and its case folding are. A stored row or
    pair made by other code (a fix, another Python) is no longer trusted."""
    h = hashlib.sha256(unicodedata.unidata_version.encode())
    for name in ("shingles.py", "sketch.py", "pairs.py", "index.py"):
        h.update(Path(__file__).with_name(name).read_bytes())
    return h.hexdigest()[:16]


VERSION = (f"claimstance-neardup 2 shingle={SHINGLE} perm={NUM_PERM} seed={SEED} affine32 "
           f"code={_code_digest()}")
NO_CACHE = "CLAIMSTANCE_NO_CACHE"
RACY_NS = 2_000_000_000
_DTYPES = {"ids": "|u1", "files": "<i8", "keys": "|S32", "shas": "|S32", "sizes": "<i4",
           "sigs": "<u4", "pairs": "<i8", "jaccard": "<f8"}  # what each stored array must be


def store_path(root: Path) -> Path | None:
    """Where the index of the corpus at `root` is kept (None: the cache is off)."""
    if os.environ.get(NO_CACHE, "") not in ("", "0"):
        return None
    name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:24]
    return user_dir("cache") / "neardup" / f"{name}.index"


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def scan(corpus: Corpus) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Every seed that is a regular file with a well-formed name, and its file identity."""
    out = []
    try:
        entries = list(os.scandir(corpus.seeds_dir))
    except OSError:
        return []
    for e in entries:
        name = e.name
        if not name.endswith(".json") or not DOC_ID.match(name[:-5]):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            out.append((name[:-5], _identity(st)))
    out.sort()
    return out


def _parse_text(raw: bytes) -> str | None:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None


def _read_bytes(base: str, doc_id: str) -> bytes | None:
    try:
        with open(f"{base}/seeds/{doc_id}.json", "rb") as fh:
            return fh.read()
    except OSError:
        return None


def read_text(base: str, doc_id: str) -> str | None:
    """A seed's text, or None when the file holds no JSON object with a text."""
    raw = _read_bytes(base, doc_id)
    return None if raw is None else _parse_text(raw)


def text_sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def seed_key(doc_id: str, raw: bytes) -> bytes:
    """A seed's content key: the cache's one key rule over its bytes (and this code)."""
    return cache.key(__name__, "neardup-seed", cache.inputs({f"seeds/{doc_id}.json": raw}))


#: (content key, sha256 of the text, shingles, signature), or only the key when the content
#: key is the one known (the row stands), and None in the last two places when the text is
#: the one known (its signature stands)
Sketched = tuple[bytes, bytes | None, int, Any]
Known = tuple[str, bytes | None, bytes | None]  # (doc id, content key, sha256 of the text)


def _sketch_seeds(base: str, part: Sequence[Known]) -> list[Sketched | None]:
    """Read seeds and make the signatures of those whose content changed (None for a seed
    without a text)."""
    out: list[Sketched | None] = []
    for doc_id, known_key, known_sha in part:
        raw = _read_bytes(base, doc_id)
        k = b"" if raw is None else seed_key(doc_id, raw)
        if k == known_key:  # a stored row had a text
            out.append((k, None, -1, None))
            continue
        text = None if raw is None else _parse_text(raw)
        if text is None:
            out.append(None)
            continue
        digest = text_sha256(text)
        out.append((k, digest, -1, None) if digest == known_sha else
                   (k, digest, *signature(text)))
    return out


@dataclass
class CorpusIndex:
    """The signatures of a corpus's seeds (row k is `ids[k]`; rows are in no particular
    order) and its near-duplicate pairs (row numbers, with their Jaccard index) at
    `threshold`."""

    ids: list[str]
    files: Any  # (n, 4) int64: size, mtime_ns, ctime_ns, inode of the seed file
    keys: Any  # (n,) S32: content key of the seed file (`seed_key`)
    shas: Any  # (n,) S32: sha256 of the text
    sizes: Any  # (n,) int32: distinct shingles
    sigs: Any  # (n, NUM_PERM) uint32
    threshold: float
    pairs: Any  # (m, 2) int64
    jaccard: Any  # (m,) float64
    scanned_ns: int = 0

    @classmethod
    def empty(cls, threshold: float) -> CorpusIndex:
        import numpy as np

        return cls([], np.zeros((0, 4), np.int64), np.zeros(0, "S32"), np.zeros(0, "S32"),
                   np.zeros(0, np.int32),
                   np.zeros((0, NUM_PERM), np.uint32), threshold, np.zeros((0, 2), np.int64),
                   np.zeros(0, np.float64))

    def same_rows(self, other: CorpusIndex) -> bool:
        """The same seeds, in the same order, with the same file identities and content
        keys (so the same signatures, and pairs where the threshold is the same too)."""
        return bool(self.ids == other.ids and (self.files == other.files).all()
                    and (self.keys == other.keys).all())

    def add_pairs(self, found: list[tuple[int, int, float]]) -> None:
        """Add pairs (row numbers, i < j) and keep them sorted."""
        import numpy as np

        if found:
            self._set_pairs(np.concatenate((self.pairs, np.array([(i, j) for i, j, _ in found],
                                                                 dtype=np.int64))),
                            np.concatenate((self.jaccard, np.array([v for *_, v in found]))))

    def _set_pairs(self, pairs: Any, values: Any) -> None:
        import numpy as np

        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        self.pairs, self.jaccard = pairs[order], values[order]

    def against(self, base: str, texts: Sequence[str], sizes: Any, sigs: Any,
                ) -> list[tuple[int, int, float]]:
        """Near-duplicate pairs of new texts (not yet seeds; rows n, n+1, ... after the
        corpus's n) with the corpus and with each other."""
        import numpy as np

        n = len(self.ids)
        new = np.zeros(n + len(texts), dtype=bool)
        new[n:] = True
        rows = candidates(np.concatenate((self.sigs, sigs)),
                          np.concatenate((self.sizes, sizes)), self.threshold, new)
        return confirm(rows, lambda r: texts[r - n] if r >= n else
                       read_text(base, self.ids[r]) or "", self.threshold)

    def appended(self, corpus: Corpus, ids: list[str], texts: Sequence[str], sizes: Any,
                 sigs: Any, found: list[tuple[int, int, float]]) -> CorpusIndex:
        """This index with rows for seeds just written (ids none of its own, their files'
        identities and content keys taken now) after its own, and the pairs `found` among
        all of them (numbered so, as `against` gives them). Its scan time stays: the new
        files are read once more on the next refresh."""
        import numpy as np

        files = np.array([_identity(os.stat(corpus.seed_path(d))) for d in ids],
                         dtype=np.int64).reshape(len(ids), 4)
        keys = np.array([seed_key(d, corpus.seed_path(d).read_bytes()) for d in ids],
                        dtype="S32")
        shas = np.array([text_sha256(t) for t in texts], dtype="S32")
        out = CorpusIndex(self.ids + ids, np.concatenate((self.files, files)),
                          np.concatenate((self.keys, keys)),
                          np.concatenate((self.shas, shas)),
                          np.concatenate((self.sizes, sizes)),
                          np.concatenate((self.sigs, sigs)), self.threshold, self.pairs,
                          self.jaccard, self.scanned_ns)
        out.add_pairs(found)
        return out

    def named_pairs(self) -> list[Pair]:
        """The pairs by document id, each (smaller id, larger id), sorted."""
        return sorted(Pair(min(self.ids[i], self.ids[j]), max(self.ids[i], self.ids[j]),
                           float(v))
                      for (i, j), v in zip(self.pairs.tolist(), self.jaccard.tolist(),
                                           strict=True))

    # --- the stored file ---------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None) -> CorpusIndex | None:
        """The stored index, or None when there is none, or it is damaged or of another
        version."""
        import numpy as np

        if path is None:
            return None
        arrays: dict[str, Any] = {}
        try:
            with path.open("rb") as fh:
                size = int.from_bytes(fh.read(8), "little")
                if size > 1 << 20:  # no header is this long: not an index
                    return None
                meta = orjson.loads(fh.read(size))
                if not isinstance(meta, dict) or meta.get("version") != VERSION:
                    return None
                for name, dtype, shape in meta["arrays"]:
                    if _DTYPES.get(name) != dtype:
                        return None
                    count = int(np.prod(shape))
                    arrays[name] = np.fromfile(fh, dtype=dtype, count=count).reshape(shape)
            ids = arrays["ids"].tobytes().decode("utf-8").split("\n") if arrays["ids"].size \
                else []
            index = cls(ids, arrays["files"], arrays["keys"], arrays["shas"], arrays["sizes"],
                        arrays["sigs"], float(meta["threshold"]), arrays["pairs"],
                        arrays["jaccard"], int(meta["scanned_ns"]))
        except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return None
        n = len(index.ids)
        if not (index.files.shape == (n, 4) and index.sigs.shape == (n, NUM_PERM)
                and len(index.keys) == len(index.shas) == len(index.sizes) == n
                and index.pairs.shape == (len(index.jaccard), 2)):
            return None
        i, j, value = index.pairs[:, 0], index.pairs[:, 1], index.jaccard
        if not bool(((i >= 0) & (i < j) & (j < n) & (index.threshold <= value)
                     & (value <= 1)).all()):
            return None  # pairs of rows it has not, or below its threshold: not ours
        return index

    def save(self, path: Path | None) -> None:
        """Write the index atomically (a header, then the arrays' bytes: loaded without
        copying through a zip); a cache that cannot be written only costs time."""
        import numpy as np

        if path is None:
            return
        arrays = {"ids": np.frombuffer("\n".join(self.ids).encode("utf-8"), np.uint8),
                  "files": self.files, "keys": self.keys, "shas": self.shas, "sizes": self.sizes,
                  "sigs": self.sigs, "pairs": self.pairs, "jaccard": self.jaccard}
        arrays = {k: np.ascontiguousarray(a, dtype=_DTYPES[k]) for k, a in arrays.items()}
        head = orjson.dumps({"version": VERSION, "threshold": self.threshold,
                             "scanned_ns": self.scanned_ns,
                             "arrays": [[k, a.dtype.str, list(a.shape)]
                                        for k, a in arrays.items()]})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(len(head).to_bytes(8, "little") + head)
                    for a in arrays.values():
                        fh.write(a.reshape(-1).view(np.uint8).data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass


def refresh(corpus: Corpus, threshold: float, *, trust_stat: bool = False,
            progress: bool = False, jobs: int | None = None) -> CorpusIndex:
    """The index of the corpus as it is now: the stored one where its keys still hold,
    the rest made again, and saved for the next run. Every seed is read and its rows stand
    by content, unless `trust_stat` (ingest's advisory check only: see the module)."""
    import numpy as np

    path = store_path(corpus.root)
    loaded = CorpusIndex.load(path)
    old = loaded or CorpusIndex.empty(threshold)
    started = time.time_ns()
    found = scan(corpus)
    old_row = dict(zip(old.ids, range(len(old.ids)), strict=True))
    files = np.array([f for _, f in found], dtype=np.int64).reshape(len(found), 4)
    # the old row a current one keeps, if any
    source = np.array([old_row.get(doc_id, -1) for doc_id, _ in found], dtype=np.int64)
    if trust_stat:  # the same file identity, not written just before the last scan
        known = np.flatnonzero(source >= 0)
        fresh = (old.files[source[known]] == files[known]).all(axis=1) & \
            (files[known, 1:3].max(axis=1) < old.scanned_ns - RACY_NS)
        source[known[~fresh]] = -1
        todo_at = np.flatnonzero(source < 0).tolist()
    else:  # every seed is read: a row stands by its content key
        todo_at = list(range(len(found)))
    todo: list[Known] = [(found[k][0], *((bytes(old.keys[i]), bytes(old.shas[i]))
                                         if (i := old_row.get(found[k][0], -1)) >= 0
                                         else (None, None))) for k in todo_at]
    sketched: list[Sketched | None] = []
    if len(todo) >= PARALLEL_FROM:  # imported and digested once, before the workers fork
        blank()
        cache.code_digest(__name__)
    for part in map_chunks(partial(_sketch_seeds, corpus.base), todo, jobs=jobs,
                           progress="sketching" if progress and len(todo) > 1000 else None):
        sketched += part
    keep = np.ones(len(found), dtype=bool)
    keys = np.zeros(len(found), "S32")
    shas = np.zeros(len(found), "S32")
    sizes = np.zeros(len(found), np.int32)
    sigs = np.zeros((len(found), NUM_PERM), np.uint32)
    stands = source >= 0
    keys[stands], shas[stands] = old.keys[source[stands]], old.shas[source[stands]]
    sizes[stands], sigs[stands] = old.sizes[source[stands]], old.sigs[source[stands]]
    for k, done in zip(todo_at, sketched, strict=True):
        if done is None:
            keep[k] = False
            continue
        key, digest, size, sig = done
        if sig is None:  # the same content or text as the old row: its signature stands
            i = old_row[found[k][0]]
            shas[k], sizes[k], sigs[k], source[k] = old.shas[i], old.sizes[i], old.sigs[i], i
        else:
            shas[k], sizes[k], sigs[k], source[k] = digest, size, sig, -1
        keys[k] = key
    rows = np.flatnonzero(keep)
    empty = CorpusIndex.empty(threshold)
    index = CorpusIndex([found[k][0] for k in rows], files[rows], keys[rows], shas[rows],
                        sizes[rows], sigs[rows], threshold, empty.pairs, empty.jaccard, started)
    kept_source = source[rows]
    compare = None  # every pair, unless the stored pairs stand for the rows that stand
    if loaded is not None and loaded.threshold == threshold:
        compare = kept_source < 0
        new_row = np.full(len(old.ids), -1, dtype=np.int64)
        new_row[kept_source[~compare]] = np.flatnonzero(~compare)
        mapped = np.sort(new_row[old.pairs], axis=1)
        kept = (mapped >= 0).all(axis=1)
        index.pairs, index.jaccard = mapped[kept], old.jaccard[kept]
    if compare is None or compare.any():
        base = corpus.base
        index.add_pairs(confirm(candidates(index.sigs, index.sizes, threshold, compare),
                                lambda r: read_text(base, index.ids[r]) or "", threshold))
    if compare is None or not index.same_rows(old) or (trust_stat and todo):
        index.save(path)  # (a row read again in the racy window then stands on the next)
    return index
