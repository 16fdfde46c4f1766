"""Publish the built folder: gates first, then one commit and a version tag on the Hub, or
the same tree written to a local folder (`--to DIR`).

Every gate is a coded problem; publishing happens only when none fails. The plan (files,
sizes, sha256, operations, card) is the same value for `--dry-run`, the Hub and `--to`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.layout import Corpus
from ..corpus.naming import GOLD, is_pseudonym
from ..corpus.release import SEMVER, read_release
from ..corpus.writing import swap_in
from ..problems import Code, Report, problem, refuse
from ..validation.run import validate
from .manifest import MANIFEST, file_sha256, input_hashes

# Texts may be published under these SPDX licenses only (redistribution allowed).
ALLOWED_LICENSES = ("CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
                    "PDDL-1.0", "ODC-By-1.0", "ODbL-1.0")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
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


def _gate(pub: Publication, code: Code, path: str, message: str) -> None:
    pub.report.extend([problem(code, path, "", message)])


def _manifest(dist: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def prepare(root: str | Path | None, dist: str | Path | None = None, *, private: bool = False,
         allow_unlicensed: bool = False, allow_single: bool = False) -> Publication:
    """Check every gate and list what would be published."""
    corpus = Corpus.at(root)
    out = Path(dist).absolute() if dist else corpus.root / "dist"
    release = read_release(corpus.root)
    version = release.version
    p = Publication(out, version, f"v{version}" if version else None,
             f"Publish claimstance dataset {version or '(no version)'}")
    report = validate(corpus.root)
    if not report.valid:
        p.report.extend(report.problems)
        _gate(p, Code.PUBLISH_INVALID, ".", f"validation found {report.errors} error(s); "
              "fix them, rebuild, then publish")
    if version is None or not SEMVER.match(version):
        _gate(p, Code.PUBLISH_NO_VERSION, "CHANGELOG.md",
              "no semantic version in CHANGELOG.md: add an entry '## [X.Y.Z] - YYYY-MM-DD'")
    manifest = _manifest(out)
    if manifest is None:
        _gate(p, Code.PUBLISH_NOT_BUILT, corpus.rel(out),
              f"no {MANIFEST}: build the dataset first (python build_dataset.py)")
        return p
    _check_fresh(p, corpus, out, manifest)
    _check_documents(p, corpus, manifest, private, allow_unlicensed, allow_single)
    _check_personal_data(p, out)
    p.files = [PlannedFile(rel, (out / rel).stat().st_size, sha)
               for rel, sha in sorted(manifest.get("outputs", {}).items())
               if (out / rel).is_file()]
    p.files.append(PlannedFile(MANIFEST, (out / MANIFEST).stat().st_size,
                               file_sha256(out / MANIFEST)))
    p.files.sort(key=lambda f: f.path)
    if (out / "README.md").is_file():
        p.card = (out / "README.md").read_text(encoding="utf-8")
    p.message = (f"Publish claimstance dataset {version} ({p.documents} documents, "
                 f"{len(p.files)} files)")
    return p


def _check_fresh(p: Publication, corpus: Corpus, out: Path, manifest: dict[str, Any]) -> None:
    """The folder was built from the current inputs, and nobody changed it since."""
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
    for rel, sha in manifest.get("outputs", {}).items():
        f = out / rel
        if not f.is_file() or file_sha256(f) != sha:
            _gate(p, Code.PUBLISH_STALE, f"{corpus.rel(out)}/{rel}",
                  "differs from what the build wrote (edited after the build?); rebuild")


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


def _private_names() -> list[str]:
    path = os.environ.get(NAMES_ENV)
    if not path or not Path(path).is_file():
        return []
    return [n.strip() for n in Path(path).read_text(encoding="utf-8").splitlines()
            if n.strip() and not n.startswith("#")]


def _check_personal_data(p: Publication, out: Path) -> None:
    """No e-mail address or annotator name anywhere; annotators only as pseudonyms."""
    import pyarrow.parquet as pq

    names = _private_names()
    name_re = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.I) \
        if names else None
    for f in sorted(out.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(out).as_posix()
        if f.suffix == ".parquet":
            table = pq.read_table(f)
            for col in ("annotators",):
                if col in table.column_names:
                    for names_ in table.column(col).to_pylist():
                        for who in names_ or []:
                            if not is_pseudonym(who):
                                _gate(p, Code.PUBLISH_PERSONAL_DATA, rel,
                                      f"annotator {who!r} is not a pseudonym (a + 10 hex "
                                      "digits, as `ls pull` makes them, or 'gold'); rename the "
                                      "layer file")
            text = " ".join(str(v) for c in table.column_names if c not in ("text",)
                            for v in table.column(c).to_pylist() if isinstance(v, str))
        else:
            text = f.read_text(encoding="utf-8", errors="replace")
        for m in EMAIL.finditer(text):
            _gate(p, Code.PUBLISH_PERSONAL_DATA, rel,
                  f"contains an e-mail address ({m.group(0)[:3]}...); remove it before "
                  "publishing")
            break
        if name_re is not None and (m2 := name_re.search(text)):
            _gate(p, Code.PUBLISH_PERSONAL_DATA, rel,
                  f"contains an annotator's name listed in ${NAMES_ENV} ({m2.group(0)[:1]}...)")


# --- targets --------------------------------------------------------------------------------

def to_folder(p: Publication, target: Path, *, force: bool = False) -> list[str]:
    """Write the planned tree to `target` (replacing what an earlier publish put there)."""
    target = target.absolute()
    marker = target / PUBLISHED
    if target.exists() and any(target.iterdir()):
        if not marker.is_file() and not force:
            raise refuse(Code.OUTPUT_NOT_OURS, str(target),
                         f"{target} is not empty and holds no earlier publish ({PUBLISHED}); "
                         "choose another --to or use --force")
        if marker.is_file():
            old = json.loads(marker.read_text(encoding="utf-8"))
            same = {f.path: f.sha256 for f in p.files} == old.get("files")
            if old.get("version") == p.version and not same:
                raise refuse(Code.PUBLISH_VERSION_EXISTS, str(target),
                             f"version {p.version} is already published in {target} with "
                             "other contents; add a new version to CHANGELOG.md, rebuild and "
                             "publish again")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.publish-", dir=target.parent))
    try:
        for f in p.files:
            dest = staging / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p.dist / f.path, dest)
        (staging / PUBLISHED).write_text(json.dumps(
            {"version": p.version, "tag": p.tag, "message": p.message,
             "files": {f.path: f.sha256 for f in p.files}}, indent=2) + "\n")
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [f.path for f in p.files]


def to_hub(p: Publication, repo_id: str, *, private: bool, token: str | None = None) -> str:
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
