"""The features module describes what `datasets` would make, without importing it on a build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from claimstance.dataset.features import CONFIGS, arrow_schema, features, spec, to_dict, yaml_list

from .conftest import REPO


@pytest.mark.parametrize("config", CONFIGS)
def test_arrow_schema_and_card_yaml_equal_what_datasets_makes(config: str) -> None:
    real = features(config)
    assert isinstance(real, datasets.Features)
    assert real.to_dict() == to_dict(config)
    assert arrow_schema(config).equals(real.arrow_schema, check_metadata=True)
    assert yaml_list(config) == datasets.DatasetInfo(features=real)._to_yaml_dict()["features"]
    assert list(spec(config)) == list(real)


def test_build_does_not_import_datasets(tmp_path: Path) -> None:
    code = ("import sys; from claimstance.dataset.build import build; "
            f"build({str(REPO)!r}, {str(tmp_path / 'dist')!r}); "
            "print('datasets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    assert (tmp_path / "dist" / "README.md").is_file()
