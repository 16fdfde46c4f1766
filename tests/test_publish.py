"""Publishing: every gate refuses with its code; --dry-run and --to work; the card and
croissant.json pass huggingface_hub's and mlcroissant's own checks (offline)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import yaml

from claimstance.dataset.build import build
from claimstance.dataset.publish import prepare as plan
from claimstance.dataset.publish import to_folder
from claimstance.problems import Refused

from .conftest import REPO
from .layers import as_annotator

DOC = "mali-accuses-algeria-downed-drone"
CONFIGS = ("documents", "mentions", "claims", "stances", "tokens")


def _license(corpus: Path, value: str | None = "CC-BY-4.0") -> None:
    p = corpus / "seeds" / f"{DOC}.json"
    p.write_text(p.read_text(encoding="utf-8").replace('"license": null',
                                                       f'"license": {json.dumps(value)}'),
                 encoding="utf-8")


@pytest.fixture
def licensed(corpus: Path) -> Path:
    """The corpus with a (pretend, test-only) allowed license, built."""
    _license(corpus)
    build(corpus, corpus / "dist")
    return corpus


def codes(root: Path, *, private: bool = False, allow_unlicensed: bool = False,
          allow_single: bool = False) -> list[str]:
    p = plan(root, private=private, allow_unlicensed=allow_unlicensed, allow_single=allow_single)
    return sorted({x.code for x in p.report.problems})


def test_a_clean_corpus_passes_every_gate(licensed: Path) -> None:
    p = plan(licensed)
    assert p.ok, p.report.to_dict()
    assert p.version == "0.1.0" and p.tag == "v0.1.0" and p.documents == 1
    assert {f.path for f in p.files} >= {"README.md", "croissant.json", "manifest.json"}
    assert all(len(f.sha256) == 64 and f.size > 0 for f in p.files)


def test_to_folder_loads_with_datasets_and_republishing_is_idempotent(licensed: Path,
                                                                      tmp_path: Path) -> None:
    target = tmp_path / "published"
    to_folder(plan(licensed), target)
    for config in CONFIGS:
        ds = datasets.load_dataset(str(target), config, cache_dir=str(tmp_path / "cache"))
        assert sum(len(s) for s in ds.values()) > 0
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    to_folder(plan(licensed), target)  # same version, same contents: fine
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before


def test_gate_version_exists_with_other_contents(licensed: Path, tmp_path: Path) -> None:
    target = tmp_path / "published"
    to_folder(plan(licensed), target)
    (licensed / "DATASHEET.md").write_text("# Datasheet\n\nChanged.\n", encoding="utf-8")
    build(licensed, licensed / "dist")
    with pytest.raises(Refused) as e:
        to_folder(plan(licensed), target)
    assert [p.code for p in e.value.problems] == ["publish-version-exists"]
    log = licensed / "CHANGELOG.md"
    log.write_text(log.read_text().replace("## [0.1.0]", "## [0.1.1] - 2026-11-26\n\n- Datasheet."
                                           "\n\n## [0.1.0]"), encoding="utf-8")
    build(licensed, licensed / "dist")
    to_folder(plan(licensed), target)  # a new version may replace it
    assert json.loads((target / ".claimstance-published.json").read_text())["version"] == "0.1.1"


def test_gate_invalid(licensed: Path) -> None:
    gold = licensed / "annotations" / DOC / "gold.json"
    gold.write_text(gold.read_text().replace('"GPE"', '"COUNTRY"', 1), encoding="utf-8")
    assert "publish-invalid" in codes(licensed)


def test_gate_stale_inputs_and_edited_outputs(licensed: Path) -> None:
    gold = licensed / "annotations" / DOC / "gold.json"
    data = json.loads(gold.read_text())
    data["stances"][0]["label"] = "support"
    gold.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert codes(licensed) == ["publish-stale"]
    build(licensed, licensed / "dist")
    assert codes(licensed) == []
    card = licensed / "dist" / "README.md"
    card.write_text(card.read_text() + "\nedited\n", encoding="utf-8")
    assert codes(licensed) == ["publish-stale"]


def test_gate_not_built(corpus: Path) -> None:
    _license(corpus)
    assert codes(corpus) == ["publish-not-built"]


def test_gate_license(corpus: Path) -> None:
    build(corpus, corpus / "dist")  # the real seed: license unknown
    assert codes(corpus) == ["publish-license"]
    assert codes(corpus, private=True, allow_unlicensed=True) == []
    assert codes(corpus, allow_unlicensed=True) == ["publish-license"]  # public: never
    _license(corpus, "LicenseRef-All-Rights-Reserved")
    build(corpus, corpus / "dist")
    assert codes(corpus) == ["publish-license"]


def test_gate_no_gold(licensed: Path) -> None:
    as_annotator(licensed / "annotations" / DOC / "gold.json", "a0123456789", replace=True)
    build(licensed, licensed / "dist")
    assert codes(licensed) == ["publish-no-gold"]
    build(licensed, licensed / "dist", allow_single=True)
    assert codes(licensed) == ["publish-no-gold"]
    assert codes(licensed, allow_single=True) == []


def test_gate_personal_data(licensed: Path, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = licensed / "DATASHEET.md"
    sheet.write_text(sheet.read_text() + "\nContact: jane.doe@example.org\n", encoding="utf-8")
    build(licensed, licensed / "dist")
    assert codes(licensed) == ["publish-personal-data"]
    sheet.write_text(sheet.read_text().replace("jane.doe@example.org", "Jane Doe"))
    build(licensed, licensed / "dist")
    assert codes(licensed) == []
    names = tmp_path / "names.txt"
    names.write_text("# real names, kept outside the repository\nJane Doe\n")
    monkeypatch.setenv("CLAIMSTANCE_ANNOTATOR_NAMES", str(names))
    assert codes(licensed) == ["publish-personal-data"]


def test_gate_annotator_ids_must_be_pseudonyms(licensed: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A real name as a layer beside gold: the build refuses it; a build that let it through
    (an older claimstance) is refused by publish, from the manifest's list of inputs."""
    from claimstance.dataset import build as build_mod

    as_annotator(licensed / "annotations" / DOC / "gold.json", "alice-martin")
    before = {p: p.read_bytes() for p in (licensed / "dist").rglob("*") if p.is_file()}
    with pytest.raises(Refused) as e:
        build(licensed, licensed / "dist")
    assert [p.code for p in e.value.problems] == ["annotator-not-pseudonym",
                                                  "build-personal-data"]
    assert {p: p.read_bytes() for p in (licensed / "dist").rglob("*") if p.is_file()} == before
    monkeypatch.setattr(build_mod, "_refuse_names", lambda report: None)
    build(licensed, licensed / "dist")
    monkeypatch.undo()
    assert "alice-martin" in (licensed / "dist" / "manifest.json").read_text()
    assert codes(licensed) == ["publish-personal-data"]
    out = subprocess.run([sys.executable, "-m", "claimstance", "publish", "--to",
                          str(tmp_path / "out"), "--private", "--allow-unlicensed", "--root",
                          str(licensed)], capture_output=True, text=True)
    assert out.returncode == 1 and "publish-personal-data" in out.stderr, out.stderr
    assert not (tmp_path / "out").exists()


def test_card_metadata_passes_huggingface_hub_checks(licensed: Path) -> None:
    from huggingface_hub import DatasetCard, DatasetCardData

    dist = licensed / "dist"
    card = DatasetCard.load(dist / "README.md")
    data = card.data
    assert isinstance(data, DatasetCardData)
    meta = data.to_dict()  # type: ignore[no-untyped-call]
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"]
    assert meta["task_categories"] and meta["task_ids"] and meta["pretty_name"]
    assert meta["size_categories"] == ["n<1K"]
    # the YAML is what the Hub parses: round-trips through huggingface_hub unchanged
    assert yaml.safe_load(card.content.split("---")[1]) == meta
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    for c in meta["configs"]:
        for df in c["data_files"]:
            files = sorted(dist.glob(df["path"]))
            assert files, df
            n = sum(datasets.Dataset.from_parquet([str(f) for f in files]).num_rows
                    for _ in [0])
            split = next(s for s in infos[c["config_name"]]["splits"] if s["name"] == df["split"])
            assert split["num_examples"] == n
        feats = datasets.Features._from_yaml_list(infos[c["config_name"]]["features"])
        assert set(feats) == set(datasets.load_dataset(
            str(dist), c["config_name"], cache_dir=str(licensed / "cache"))[df["split"]]
            .features)
    body = card.text
    for heading in ("## How to load", "## Configs and fields", "## Label definitions",
                    "## Splits", "## Annotation and agreement", "## Limitations and biases",
                    "## Citation", "## Changelog", "## Datasheet"):
        assert heading in body, heading
    assert "Version 0.1.0" in body and "@misc{claimstance2026" in body


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")
def test_croissant_validates_and_reads_records_with_mlcroissant(licensed: Path) -> None:
    import mlcroissant as mlc

    ds = mlc.Dataset(jsonld=licensed / "dist" / "croissant.json")
    assert not ds.metadata.issues.errors, ds.metadata.issues.report()
    gold = json.loads((licensed / "annotations" / DOC / "gold.json").read_text())
    assert ds.metadata.version == "0.1.0"
    assert sorted(r.name for r in ds.metadata.record_sets) == sorted(CONFIGS)
    mentions = list(ds.records("mentions"))
    assert [(r["mentions/start"], r["mentions/end"]) for r in mentions] == [
        (m["start"], m["end"]) for m in gold["mentions"]]
    claims = list(ds.records("claims"))
    assert [r["claims/text"].decode() for r in claims] == [c["text"] for c in gold["claims"]]
    tokens = datasets.load_dataset(str(licensed / "dist"), "tokens",
                                   cache_dir=str(licensed / "cache"))["validation"]
    assert [(r["tokens/offsets"], r["tokens/mention_tags"]) for r in ds.records("tokens")] == [
        (r["offsets"], r["mention_tags"]) for r in tokens]
    fields = {f.name for rs in ds.metadata.record_sets for f in rs.fields}
    for config in CONFIGS:
        assert set(datasets.load_dataset(str(licensed / "dist"), config,
                                         cache_dir=str(licensed / "cache"))
                   ["validation"].features) <= fields


def test_cli_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    for name in ("seeds", "annotations"):  # the working tree's corpus, committed or not
        shutil.rmtree(clone / name)
        shutil.copytree(REPO / name, clone / name)
    for name in ("DATASHEET.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(REPO / name, clone / name)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "claimstance", *args], cwd=clone, env=env,
                              capture_output=True, text=True)

    assert subprocess.run([sys.executable, "build_dataset.py"], cwd=clone, env=env,
                          capture_output=True).returncode == 0
    refused = run("publish", "--repo-id", "someone/claimstance", "--dry-run")
    assert refused.returncode == 1 and "[publish-license]" in refused.stderr
    assert "Traceback" not in refused.stderr
    dry = run("publish", "--repo-id", "someone/claimstance", "--dry-run", "--private",
              "--allow-unlicensed")
    assert dry.returncode == 0, dry.stderr
    assert "tag v0.1.0" in dry.stdout and "croissant.json" in dry.stdout
    assert "--- dataset card (README.md) ---" in dry.stdout
    as_json = json.loads(run("publish", "--repo-id", "someone/claimstance", "--dry-run",
                             "--private", "--allow-unlicensed", "--format", "json").stdout)
    assert as_json["ok"] and as_json["tag"] == "v0.1.0" and len(as_json["files"]) >= 7
    usage = run("publish", "--repo-id", "someone/claimstance", "--allow-unlicensed")
    assert usage.returncode == 2 and "--private" in usage.stderr
    out = run("publish", "--to", str(tmp_path / "pub"), "--private", "--allow-unlicensed")
    assert out.returncode == 0, out.stderr
    ds = datasets.load_dataset(str(tmp_path / "pub"), "claims", cache_dir=str(tmp_path / "c"))
    assert sum(len(s) for s in ds.values()) == 15
