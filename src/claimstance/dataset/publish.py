"""Publish the built folder: gates first, then one commit and a version tag on the Hub, or
the same tree written to a local folder (`--to DIR`).

Every gate is a coded problem; publishing happens only when none fails. The plan (files,
sizes, sha256, operations, card) is the same value for `--dry-run`, the Hub and `--to`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.licenses import ALLOWED_LICENSES
from ..corpus.lock import corpus_lock
from ..corpus.naming import GOLD, is_pseudonym
from ..corpus.release import SEMVER, read_release
from ..corpus.writing import (
    claim_output,
    io_refused,
    output_lock,
    staged_output,
)
from ..problems import Code, Problem, Refused, Report, problem, refuse
from ..validation.reader import file_sha256, open_regular
from ..validation.run import validate
from .manifest import (
    MANIFEST,
    input_hashes,
    load_manifest,
    made_here,
    safe_rel,
    split_map,
)
from .personal import find_email, find_name, names_pattern

NAMES_ENV = "CLAIMSTANCE_ANNOTATOR_NAMES"  # a private file: one real annotator name per line
PUBLISHED = ".claimstance-published.json"  # in a --to folder: what version it holds


@dataclass
class PlannedFile:
    path: str
    size: int
    sha256: str


@dataclass
class Publication:
    dist: Path
    version: str | None
    tag: str | None
    message: str
    files: list[PlannedFile] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    card: str = ""
    documents: int = 0
    root: Path = field(default_factory=Path)

    @property
    def ok(self) -> bool:
        return self.report.valid

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "version": self.version, "tag": self.tag,
                "commit_message": self.message, "documents": self.documents,
                "files": [vars(f) for f in self.files],
                "bytes": sum(f.size for f in self.files),
                "problems": [p.to_dict() for p in self.report.sorted()]}


def dry_run_text(p: Publication, *, repo_id: str | None, to_dir: Path | None,
                 private: bool) -> str:
    """What `publish --dry-run` shows: the steps, every file with its size and hash, the card."""
    total = sum(f.size for f in p.files)
    where = (f"dataset repo {repo_id}" + (" (private)" if private else "")
             if repo_id else f"folder {to_dir}")
    lines = [f"would publish version {p.version} to {where}:"]
    if repo_id:
        lines += [f"  1. create {repo_id} if it does not exist"
                  f"{' (private)' if private else ''}",
                  f"  2. one commit {p.message!r}: add {len(p.files)} files ({total:,} bytes), "
                  "delete remote files not among them",
                  f"  3. tag {p.tag}"]
    lines += [f"     {f.size:>12,}  {f.sha256}  {f.path}" for f in p.files]
    lines.append("\n--- dataset card (README.md) ---\n" + p.card)
    return "\n".join(lines)


def _gate(pub: Publication, code: Code, path: str, message: str, pointer: str = "") -> None:
    pub.report.extend([problem(code, path, pointer, message)])


def prepare(root: str | Path | None, dist: str | Path | None = None, *, private: bool = False,
         allow_unlicensed: bool = False, allow_single: bool = False) -> Publication:
    """Check every gate and list what would be published."""
    corpus = Corpus.at(root)
    out = Path(dist).absolute() if dist else corpus.root / "dist"
    release = read_release(corpus.root)
    version = release.version
    p = Publication(out, version, f"v{version}" if version else None,
                    f"Publish claimstance dataset {version or '(no version)'}",
                    root=corpus.root)
    report = validate(corpus.root)
    if not report.valid:
        p.report.extend(report.problems)
        _gate(p, Code.PUBLISH_INVALID, ".", f"validation found {report.errors} error(s); "
              "fix them, rebuild, then publish")
    if version is None or not SEMVER.match(version):
        _gate(p, Code.PUBLISH_NO_VERSION, "CHANGELOG.md",
              "no semantic version in CHANGELOG.md: add an entry '## [X.Y.Z] - YYYY-MM-DD'")
    manifest, why = load_manifest(out)
    if manifest is None:
        if why:
            _gate(p, Code.PUBLISH_BAD_MANIFEST, f"{corpus.rel(out)}/{MANIFEST}",
                  f"{why}; rebuild with `python build_dataset.py`")
        else:
            _gate(p, Code.PUBLISH_NOT_BUILT, corpus.rel(out),
                  f"no {MANIFEST}: build the dataset first (python build_dataset.py)")
        return p
    fresh = _check_fresh(p, corpus, out, manifest)
    _check_documents(p, corpus, manifest, private, allow_unlicensed, allow_single)
    _check_personal_data(p, corpus, out, manifest, fresh)
    p.files = [PlannedFile(rel, (out / rel).stat().st_size, sha)
               for rel, sha in sorted(manifest["outputs"].items()) if rel in fresh]
    p.files.append(PlannedFile(MANIFEST, (out / MANIFEST).stat().st_size,
                               file_sha256(out / MANIFEST)))
    p.files.sort(key=lambda f: f.path)
    if (out / "README.md").is_file():
        p.card = (out / "README.md").read_text(encoding="utf-8")
    p.message = (f"Publish claimstance dataset {version} ({p.documents} documents, "
                 f"{len(p.files)} files)")
    return p


def _check_fresh(p: Publication, corpus: Corpus, out: Path, manifest: dict[str, Any],
                 ) -> set[str]:
    """The folder was built from the current inputs, and nobody changed it since.

    Returns the outputs that are as the build wrote them (plain files, not links)."""
    current = input_hashes(corpus)
    built = manifest.get("inputs", {})
    changed = sorted(k for k in current.keys() | built.keys() if current.get(k) != built.get(k))
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        _gate(p, Code.PUBLISH_STALE, corpus.rel(out),
              f"built from other inputs than the corpus has now ({', '.join(changed[:3])}{more} "
              "changed); rebuild with `python build_dataset.py`")
    if manifest.get("version") != p.version:
        _gate(p, Code.PUBLISH_STALE, corpus.rel(out),
              f"built as version {manifest.get('version')}, CHANGELOG.md says {p.version}; "
              "rebuild")
    fresh = set()
    for rel, sha in manifest["outputs"].items():
        f = out / rel
        if f.is_symlink() or not f.is_file() or file_sha256(f) != sha:
            _gate(p, Code.PUBLISH_STALE, f"{corpus.rel(out)}/{rel}",
                  "differs from what the build wrote (edited after the build?); rebuild")
        else:
            fresh.add(rel)
    return fresh


def _check_documents(p: Publication, corpus: Corpus, manifest: dict[str, Any], private: bool,
                     allow_unlicensed: bool, allow_single: bool) -> None:
    excluded = set(manifest.get("excluded", []))
    single = set(manifest.get("single", []))
    for doc_id in corpus.doc_ids():
        try:
            seed = corpus.read_seed(doc_id)
        except (OSError, ValueError):
            continue  # validation reports it
        if doc_id in excluded or (doc_id in single and not allow_single) or \
                (GOLD not in corpus.annotators(doc_id) and doc_id not in single):
            _gate(p, Code.PUBLISH_NO_GOLD, f"annotations/{doc_id}",
                  "no gold.json: adjudicate it (claimstance adjudicate), or build and publish "
                  "with --allow-single to use its lone layer")
            continue
        p.documents += 1
        lic = seed.get("license")
        if lic in ALLOWED_LICENSES:
            continue
        what = "unknown (null)" if lic is None else f"{lic!r}, not on the allow-list"
        if allow_unlicensed and private:
            continue
        _gate(p, Code.PUBLISH_LICENSE, f"seeds/{doc_id}.json",
              f"license {what} ({', '.join(ALLOWED_LICENSES)}); record the real license, or "
              "leave the document out" + ("" if private else "; --allow-unlicensed exists "
                                         "only for --private repositories"))


def _private_names(p: Publication) -> list[str]:
    """The real names in the private file $CLAIMSTANCE_ANNOTATOR_NAMES (one per line, '#'
    comments). Set but unreadable or not UTF-8 is a failed gate, never a skipped check."""
    from ..validation.reader import read_bytes

    path = os.environ.get(NAMES_ENV)
    if not path:
        return []
    try:
        raw = read_bytes(path, 16 << 20)
        if isinstance(raw, int):
            raise ValueError(f"it is {raw:,} bytes")
        text = raw.decode("utf-8-sig")
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        if isinstance(e, UnicodeDecodeError):
            why = f"byte {e.start} is not UTF-8; save the file as UTF-8"
        _gate(p, Code.PUBLISH_NAMES_UNREADABLE, f"${NAMES_ENV}",
              f"cannot read the names file {path}: {why}")
        return []
    return [n.strip() for n in text.splitlines() if n.strip() and not n.startswith("#")]


def _parquet_strings(f: Path) -> Iterator[tuple[str, int, Any, str]]:
    """(column, first row, its values, every string in them joined) per column and batch,
    nested strings included; the strings come from Arrow's flattened buffers, so the
    common case (nothing found) never builds a Python object per row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def strings(arr: Any) -> Iterator[Any]:
        t = arr.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            yield arr
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            yield from strings(arr.flatten())
        elif pa.types.is_struct(t):
            for i in range(t.num_fields):
                yield from strings(arr.field(i))

    row = 0
    with pq.ParquetFile(f) as pf:
        for batch in pf.iter_batches(batch_size=4096):
            for name, col in zip(batch.schema.names, batch.columns, strict=True):
                text = "\n".join(s for a in strings(col) for s in a.to_pylist() if s)
                yield name, row, col, text
            row += batch.num_rows


def _row_strings(v: Any) -> Iterator[str]:
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from _row_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from _row_strings(x)


def _check_personal_data(p: Publication, corpus: Corpus, out: Path, manifest: dict[str, Any],
                         fresh: set[str]) -> None:
    """No e-mail address (in any spelling) or listed real name anywhere, texts included;
    annotators only as pseudonyms, in the data and in the manifest's list of inputs."""
    pattern = names_pattern(_private_names(p))
    where = corpus.rel(out)
    for rel in sorted(manifest["inputs"]):
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == "annotations" and not is_pseudonym(parts[2][:-5]):
            _gate(p, Code.PUBLISH_PERSONAL_DATA, f"{where}/{MANIFEST}",
                  f"built from the layer {rel}, which is not named by a pseudonym; rename it "
                  "and rebuild", f"/inputs/{rel.replace('~', '~0').replace('/', '~1')}")

    def scan(rel: str, pointer: str, text: str) -> bool:
        email, name = find_email(text), find_name(pattern, text)
        if email is not None:
            _gate(p, Code.PUBLISH_PERSONAL_DATA, f"{where}/{rel}",
                  f"contains an e-mail address ({email[:3]}...); remove it before publishing",
                  pointer)
        if name is not None:
            _gate(p, Code.PUBLISH_PERSONAL_DATA, f"{where}/{rel}",
                  f"contains an annotator's name listed in ${NAMES_ENV} ({name[:1]}...)",
                  pointer)
        return email is not None or name is not None

    for rel in sorted(fresh | {MANIFEST}):
        f = out / rel
        if not rel.endswith(".parquet"):
            scan(rel, "", f.read_text(encoding="utf-8", errors="replace"))
            continue
        try:
            for column, first, values, joined in _parquet_strings(f):
                if column == "annotators":
                    for i, who in enumerate(values.to_pylist()):
                        odd = [w for w in who or [] if not is_pseudonym(w)]
                        if odd:
                            _gate(p, Code.PUBLISH_PERSONAL_DATA, f"{where}/{rel}",
                                  f"annotator {odd[0]!r} is not a pseudonym (a + 10 hex "
                                  "digits, as `ls pull` makes them, or 'gold'): it is a layer's "
                                  "name or a source in a gold layer's provenance.sources; "
                                  "rename that layer or fix the source, and rebuild",
                                  f"/{column}/{first + i}")
                if find_email(joined) is None and find_name(pattern, joined) is None:
                    continue
                for i, value in enumerate(values.to_pylist()):  # found: say in which row
                    if scan(rel, f"/{column}/{first + i}", "\n".join(_row_strings(value))):
                        break
        except Exception as e:  # pyarrow raises its own errors for a damaged file
            _gate(p, Code.PUBLISH_STALE, f"{where}/{rel}",
                  f"cannot be read as Parquet ({type(e).__name__}: {str(e)[:120]}); rebuild")


def split_moves(p: Publication, previous: dict[str, Any] | None, target: str,
                allow: bool = False) -> list[Problem]:
    """A `publish-split-move` for every document that `previous` (the manifest of what
    `target` holds) published in another split than this build puts it in."""
    before = split_map(previous)
    if allow or not before:
        return []
    current, _ = load_manifest(p.dist)
    groups = {d: g[0] for g in ((current or {}).get("near_duplicates") or {}).get("groups", [])
              if isinstance(g, list) and g for d in g}
    after = split_map(current)
    was = f" (version {previous.get('version')})" if previous and previous.get("version") else ""
    return [problem(Code.PUBLISH_SPLIT_MOVE, target, "",
                    f"{d} was published in {before[d]}{was} and would now be in {after[d]} "
                    + (f"(its near-duplicate group is led by {groups[d]})" if d in groups else
                       "(it left its near-duplicate group)")
                    + ": its old split's readers would see it on the other side; publish with "
                    "--allow-split-moves to accept it")
            for d in sorted(after) if d in before and before[d] != after[d]]


def _refuse_moves(found: list[Problem]) -> None:
    if found:
        raise Refused(f"{len(found)} published document(s) would change split; nothing was "
                      "published", found)


# --- targets --------------------------------------------------------------------------------

def _copy(src: Path, dest: Path, sha: str) -> bool:
    """Copy a regular file (never through a link, never a FIFO waited on), and say whether
    it had the planned sha256."""
    h = hashlib.sha256()
    fd, _ = open_regular(src, os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fin, dest.open("wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
    return h.hexdigest() == sha


def folder_publication(target: Path) -> dict[str, Any] | None:
    """The manifest of what an earlier `publish --to` wrote in `target` (None: nothing)."""
    if not target.is_dir() or made_here(target, PUBLISHED) is None:
        return None
    manifest, _ = load_manifest(target)
    return manifest


def to_folder(p: Publication, target: Path, *, force: bool = False,
              allow_split_moves: bool = False) -> list[str]:
    """Write the planned tree to `target` (replacing what an earlier publish put there).

    Under the corpus's write lock; the target may never be the corpus's inputs or the built
    folder itself, and only an earlier publish is replaced without --force.
    """
    target = target.absolute()
    with corpus_lock(p.root, "publish"), output_lock(p.root, target, "--to", "publish"):
        dist = p.dist.absolute().resolve()
        there = target.resolve()
        if there == dist or dist in there.parents or there in dist.parents:
            raise refuse(Code.OUTPUT_IN_CORPUS, str(target),
                         f"--to {target} overlaps the built folder {p.dist}; choose a folder "
                         "of its own")
        try:
            old = made_here(target, PUBLISHED) if target.is_dir() else None
            claim_output(p.root, target, "--to", force=force, ours=lambda _: old is not None,
                         ours_is=f"an earlier publish (a {PUBLISHED} that lists every file "
                         "in it)")
        except OSError as e:
            raise io_refused(e, "publish") from None
        if old is not None:
            _refuse_moves(split_moves(p, folder_publication(target), str(target),
                                      allow_split_moves))
        same = old is not None and {f.path: f.sha256 for f in p.files} == old["files"]
        if old is not None and old.get("version") == p.version and not same:
            raise refuse(Code.PUBLISH_VERSION_EXISTS, str(target),
                         f"version {p.version} is already published in {target} with other "
                         "contents; add a new version to CHANGELOG.md, rebuild and publish "
                         "again")
        with staged_output(target, "publish") as staging:
            for f in p.files:
                if not safe_rel(f.path):  # the manifest was checked; never trust it twice
                    raise refuse(Code.PUBLISH_BAD_MANIFEST, f.path,
                                 f"{f.path!r} is not a file inside the built folder")
                dest = staging / f.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not _copy(p.dist / f.path, dest, f.sha256):
                    raise refuse(Code.PUBLISH_STALE, f.path,
                                 f"{f.path} changed while it was being published (a build "
                                 "ran?); nothing was published: run publish again")
            (staging / PUBLISHED).write_text(json.dumps(
                {"version": p.version, "tag": p.tag, "message": p.message,
                 "files": {f.path: f.sha256 for f in p.files}}, indent=2) + "\n")
    return [f.path for f in p.files]


def to_hub(p: Publication, repo_id: str, *, private: bool, token: str | None = None,
           allow_split_moves: bool = False) -> str:
    """One commit with every file (stale remote files deleted), then the version tag."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        refs = api.list_repo_refs(repo_id, repo_type="dataset")
        if p.tag in {t.name for t in refs.tags}:
            remote = json.loads(Path(api.hf_hub_download(
                repo_id, MANIFEST, repo_type="dataset", revision=p.tag)).read_text())
            local = json.loads((p.dist / MANIFEST).read_text())
            if remote.get("outputs") != local.get("outputs"):
                raise refuse(Code.PUBLISH_VERSION_EXISTS, repo_id,
                             f"{p.tag} already exists in {repo_id} with other contents; add a "
                             "new version to CHANGELOG.md")
            return f"{repo_id}@{p.tag} already holds these files; nothing to do"
        existing = set(api.list_repo_files(repo_id, repo_type="dataset"))
        if MANIFEST in existing and not allow_split_moves:  # what the repository holds now
            _refuse_moves(split_moves(p, json.loads(Path(api.hf_hub_download(
                repo_id, MANIFEST, repo_type="dataset")).read_text()), repo_id))
        ops: list[Any] = [CommitOperationAdd(f.path, str(p.dist / f.path)) for f in p.files]
        keep = {f.path for f in p.files} | {".gitattributes"}
        ops += [CommitOperationDelete(path) for path in sorted(existing - keep)]
        commit = api.create_commit(repo_id, operations=ops, commit_message=p.message,
                                   repo_type="dataset")
        if p.tag:
            api.create_tag(repo_id, tag=p.tag, revision=commit.oid, repo_type="dataset",
                           tag_message=p.message)
        return str(commit.commit_url)
    except HfHubHTTPError as e:
        raise refuse(Code.PUBLISH_HUB_ERROR, repo_id, f"the Hub refused: {e}") from None
    except Refused:
        raise
    except Exception as e:  # no network, no token: the client's own errors, or OSError
        if not isinstance(e, OSError | ValueError) and not type(e).__module__.startswith(
                ("httpx", "requests", "urllib3", "huggingface_hub")):
            raise
        raise refuse(Code.PUBLISH_HUB_ERROR, repo_id,
                     f"cannot publish to the Hub: {type(e).__name__}: {e}") from None
