from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimstance.cli import main
from claimstance.corpus.document import is_normalized, normalize_text, sha256
from claimstance.ingest import ingest
from claimstance.problems import Refused
from claimstance.validation.run import validate

from .conftest import REPO

SEED = REPO.parent / "shared" / "seeds" / "000_51cb75d76859c2b9.txt"
#: sha256 of that file's bytes: what the checked-in seed's text is held to where ../shared is
#: not (a CI checkout, a source tarball), so the check never depends on it
SEED_SHA256 = "78df81729da3269fd45ffabaf1c85d250516445f522c2546e9915692fbc63094"


def test_normalize() -> None:
    assert normalize_text("\ufeffa  \r\nb\u0065\u0301\t\n\n") == "a\nbé"


def test_ingest_writes_valid_seed(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes("ZÜRICH — Cafe\u0301 talk.  \r\nMore.\r\n".encode())
    path, changed = ingest(src, "zurich-talk", tmp_path, added="2026-11-25")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert changed and doc["text"] == "ZÜRICH — Café talk.\nMore."
    assert doc["sha256"] == sha256(doc["text"])
    assert doc["dateline"] == "ZÜRICH"
    assert (doc["source"], doc["url"], doc["published"], doc["license"]) == (None,) * 4
    assert validate(tmp_path).valid


def test_reingest_is_a_no_op_and_never_clobbers(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("Some article text.", encoding="utf-8")
    ingest(src, "some-doc", tmp_path, added="2026-01-01")
    assert ingest(src, "some-doc", tmp_path, added="2026-11-25")[1] is False
    src.write_text("Changed text.", encoding="utf-8")
    res = CliRunner().invoke(main, ["ingest", str(src), "--id", "some-doc", "--root",
                                    str(tmp_path)])
    assert res.exit_code == 1 and "--force" in res.output
    assert "Some article" in (tmp_path / "seeds/some-doc.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("doc_id", ["A", "../x", "Bad_Id", "ab"])
def test_bad_id_is_a_coded_error(tmp_path: Path, doc_id: str) -> None:
    src = tmp_path / "a.txt"
    src.write_text("text", encoding="utf-8")
    with pytest.raises(Refused) as e:
        ingest(src, doc_id, tmp_path)
    assert e.value.problems[0].code == "ingest-bad-id"
    assert not (tmp_path / "seeds").exists()


def test_missing_source_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["ingest", str(tmp_path / "nope.txt"), "--id", "nope-doc",
                                    "--root", str(tmp_path)])
    assert res.exit_code == 1 and "file-not-found" in res.output


def test_checked_in_seed_matches_shared_article() -> None:
    """The seed's text is the article's, normalised (the article is normalised already: its
    bytes are the text's); ../shared, where there is one, proves the pinned digest right."""
    doc = json.loads((REPO / "seeds/mali-accuses-algeria-downed-drone.json")
                     .read_text(encoding="utf-8"))
    assert sha256(doc["text"]) == doc["sha256"] == SEED_SHA256
    if SEED.is_file():
        assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
        assert doc["text"] == normalize_text(SEED.read_text(encoding="utf-8"))
    assert (doc["source"], doc["url"], doc["published"], doc["license"]) == (None,) * 4


@pytest.mark.parametrize("text", [
    "plain", "a\n\nb", "a \nb", "a\t\nb", "a\u00a0\nb", "\nlead", "trail\n", "trail ", "\ufeffbom",
    "cr\r\nlf", "e\u0301", "é", "emoji 🇲🇱 ok", "", " lead space", "x\u2003\ny",
])
def test_is_normalized_agrees_with_normalize_text(text: str) -> None:
    assert is_normalized(text) == (normalize_text(text) == text)
