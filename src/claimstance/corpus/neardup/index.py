"""The near-duplicate index of one corpus: every seed's signature and the pairs found,
kept between runs so that one new article is compared with 100,000 in about a second.

It lives in the user's cache (`$XDG_CACHE_HOME/claimstance/neardup/<corpus>.index`), outside
the corpus, so git never sees it and `validate` writes nothing into the corpus. Nothing in it
is trusted without its key: the file carries the version of everything that makes a
signature or decides a pair (shingle size, permutations, seed, the digest of that code and
the Unicode version), and each row the identity of the seed file it
was made from (size, mtime, ctime and inode: what git's index trusts; a write changes the
ctime, which no user can set back). A row whose file changed is read again; if its text is
the same (the same sha256) the signature stands, otherwise it is made again. Rows written
less than RACY_NS before the last scan are read again too, since a write in the same
clock tick leaves the times as they were. Pairs are kept only between rows that stand,
and for the same threshold; new or changed rows are compared with all the others. A file
that cannot be read, written or is of another version only costs time
(`CLAIMSTANCE_NO_CACHE=1` turns it off).
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


VERSION = (f"claimstance-neardup 1 shingle={SHINGLE} perm={NUM_PERM} seed={SEED} affine32 "
           f"code={_code_digest()}")
NO_CACHE = "CLAIMSTANCE_NO_CACHE"
RACY_NS = 2_000_000_000
_DTYPES = {"ids": "|u1", "files": "<i8", "shas": "|S32", "sizes": "<i4", "sigs": "<u4",
           "pairs": "<i8", "jaccard": "<f8"}  # what each stored array must be


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


def read_text(base: str, doc_id: str) -> str | None:
    """A seed's text, or None when the file holds no JSON object with a text."""
    try:
        with open(f"{base}/seeds/{doc_id}.json", "rb") as fh:
            data = orjson.loads(fh.read())
    except (OSError, orjson.JSONDecodeError):
        return None
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None


def text_sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


Sketched = tuple[bytes, int, Any]  # (sha256 of the text, shingles, signature or None)


def _sketch_seeds(base: str, part: Sequence[tuple[str, bytes | None]],
                  ) -> list[Sketched | None]:
    """Read seeds and make their signatures (None for a seed without a text); a seed whose
    text still has the `known` sha256 keeps its signature (None in the last place)."""
    out: list[Sketched | None] = []
    for doc_id, known in part:
        text = read_text(base, doc_id)
        if text is None:
            out.append(None)
            continue
        digest = text_sha256(text)
        out.append((digest, -1, None) if digest == known else (digest, *signature(text)))
    return out


@dataclass
class CorpusIndex:
    """The signatures of a corpus's seeds (row k is `ids[k]`; rows are in no particular
    order) and its near-duplicate pairs (row numbers, with their Jaccard index) at
    `threshold`."""

    ids: list[str]
    files: Any  # (n, 4) int64: size, mtime_ns, ctime_ns, inode of the seed file
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

        return cls([], np.zeros((0, 4), np.int64), np.zeros(0, "S32"), np.zeros(0, np.int32),
                   np.zeros((0, NUM_PERM), np.uint32), threshold, np.zeros((0, 2), np.int64),
                   np.zeros(0, np.float64))

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
        identities taken now) after its own, and the pairs `found` among all of them
        (numbered so, as `against` gives them). Its scan time stays: the new files are
        read once more on the next refresh."""
        import numpy as np

        files = np.array([_identity(os.stat(corpus.seed_path(d))) for d in ids],
                         dtype=np.int64).reshape(len(ids), 4)
        shas = np.array([text_sha256(t) for t in texts], dtype="S32")
        out = CorpusIndex(self.ids + ids, np.concatenate((self.files, files)),
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
            index = cls(ids, arrays["files"], arrays["shas"], arrays["sizes"], arrays["sigs"],
                        float(meta["threshold"]), arrays["pairs"], arrays["jaccard"],
                        int(meta["scanned_ns"]))
        except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return None
        n = len(index.ids)
        if not (index.files.shape == (n, 4) and index.sigs.shape == (n, NUM_PERM)
                and len(index.shas) == len(index.sizes) == n
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
                  "files": self.files, "shas": self.shas, "sizes": self.sizes,
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


def refresh(corpus: Corpus, threshold: float, *, progress: bool = False,
            jobs: int | None = None) -> CorpusIndex:
    """The index of the corpus as it is now: the stored one where its keys still hold,
    the rest made again, and saved for the next run."""
    import numpy as np

    path = store_path(corpus.root)
    loaded = CorpusIndex.load(path)
    old = loaded or CorpusIndex.empty(threshold)
    started = time.time_ns()
    found = scan(corpus)
    old_row = dict(zip(old.ids, range(len(old.ids)), strict=True))
    files = np.array([f for _, f in found], dtype=np.int64).reshape(len(found), 4)
    # the old row a current one keeps: same file identity, not written just before the scan
    source = np.array([old_row.get(doc_id, -1) for doc_id, _ in found], dtype=np.int64)
    known = np.flatnonzero(source >= 0)
    fresh = (old.files[source[known]] == files[known]).all(axis=1) & \
        (files[known, 1:3].max(axis=1) < old.scanned_ns - RACY_NS)
    source[known[~fresh]] = -1
    todo_at = np.flatnonzero(source < 0).tolist()
    todo = [(found[k][0], bytes(old.shas[old_row[found[k][0]]])
             if found[k][0] in old_row else None) for k in todo_at]
    sketched: list[Sketched | None] = []
    if len(todo) >= PARALLEL_FROM:
        blank()  # imported once, before the workers fork
    for part in map_chunks(partial(_sketch_seeds, corpus.base), todo, jobs=jobs,
                           progress="sketching" if progress and len(todo) > 1000 else None):
        sketched += part
    keep = np.ones(len(found), dtype=bool)
    shas = np.zeros(len(found), "S32")
    sizes = np.zeros(len(found), np.int32)
    sigs = np.zeros((len(found), NUM_PERM), np.uint32)
    stands = source >= 0
    shas[stands], sizes[stands] = old.shas[source[stands]], old.sizes[source[stands]]
    sigs[stands] = old.sigs[source[stands]]
    for k, done in zip(todo_at, sketched, strict=True):
        if done is None:
            keep[k] = False
            continue
        digest, size, sig = done
        shas[k] = digest
        if sig is None:  # the same text as the old row: its signature stands
            i = old_row[found[k][0]]
            sizes[k], sigs[k], source[k] = old.sizes[i], old.sigs[i], i
        else:
            sizes[k], sigs[k] = size, sig
    rows = np.flatnonzero(keep)
    empty = CorpusIndex.empty(threshold)
    index = CorpusIndex([found[k][0] for k in rows], files[rows], shas[rows], sizes[rows],
                        sigs[rows], threshold, empty.pairs, empty.jaccard, started)
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
    if todo or len(rows) != len(old.ids) or compare is None:
        index.save(path)
    return index
