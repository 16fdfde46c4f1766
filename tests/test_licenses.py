"""Licenses as people write them, and the SPDX id each names (or why none)."""

from __future__ import annotations

import pytest

from claimstance.corpus.licenses import ALLOWED_LICENSES, not_one_license, spdx_id


@pytest.mark.parametrize(("written", "want"), [
    ("CC BY-SA 4.0", "CC-BY-SA-4.0"), ("cc by 4.0", "CC-BY-4.0"), ("cc_by_4.0", "CC-BY-4.0"),
    (" CC0-1.0 ", "CC0-1.0"), ("mit", "MIT"), ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-2.0", "GPL-2.0-only"), ("Apache 2.0", "Apache-2.0"),
    ("public domain", None), ("CC0", None), ("MIT OR Apache-2.0", None),
    ("Apache-2.0 WITH LLVM-exception", None), ("LicenseRef-scancode-public-domain", None),
    ("All rights reserved", None), ("", None)])
def test_a_written_license_names_one_spdx_id_or_none(written: str, want: str | None) -> None:
    assert spdx_id(written) == want


def test_why_a_license_is_refused_says_what_to_do() -> None:
    assert "not one license: give the one" in not_one_license("MIT OR Apache-2.0")
    assert "not an id of the SPDX License List" in not_one_license("public domain")


def test_the_allow_list_holds_spdx_ids() -> None:
    assert all(spdx_id(x) == x for x in ALLOWED_LICENSES)
