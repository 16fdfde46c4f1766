"""Import files with doccano's own import pipeline and export them with its own export
pipeline; print what doccano stored and what it exported.

Run by tests/test_doccano_pipeline.py with the python of doccano's virtualenv (doccano pins
old libraries, so it never shares the test environment); it imports nothing of claimstance:

    python doccano_harness.py WORK RUNS.json

RUNS.json is a list of {"file", "encoding" ("Auto" is doccano's guess, "utf_8" what its
upload form sends), "overlap" ("Allow overlapping spans"), "grapheme" ("Count grapheme
clusters as one character")}. Each file goes into a project of its own, "Sequence labeling"
with "Use relation labeling" on, through the code doccano's upload runs
(`data_import.celery_tasks`: the file type check, `load_dataset`, `Dataset.save`); the
project is then exported as JSONL through `data_export.celery_tasks.export_dataset`. Prints
one JSON list: per run, the errors doccano reported, every example as stored (text,
metadata, spans, relations by span id) and the records of doccano's export, or the exception
the import raised.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
import zipfile
from pathlib import Path
from typing import Any


def setup(work: Path) -> None:
    import backend  # doccano's package: its Django apps are top-level modules beside it

    sys.path.append(str(Path(backend.__file__).parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["DJANGO_DRF_FILEPOND_UPLOAD_TMP"] = str(work / "uploads")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    call_command("create_roles", verbosity=0, stdout=io.StringIO())


def stored(project: Any) -> list[dict[str, Any]]:
    from examples.models import Example
    from labels.models import Relation, Span

    out = []
    for ex in Example.objects.filter(project=project).order_by("id"):
        spans = Span.objects.filter(example=ex).order_by("id").select_related("label")
        rels = Relation.objects.filter(example=ex).order_by("id").select_related("type")
        out.append({
            "text": ex.text, "meta": ex.meta,
            "spans": [{"id": s.id, "start": s.start_offset, "end": s.end_offset,
                       "label": s.label.text} for s in spans],
            "relations": [{"from": r.from_id_id, "to": r.to_id_id, "type": r.type.text}
                          for r in rels]})
    return out


def exported(project: Any) -> list[Any]:
    from data_export.celery_tasks import export_dataset

    archive = export_dataset(project.id, "JSONL", False)
    with zipfile.ZipFile(archive) as z:
        [member] = z.namelist()
        lines = z.read(member).decode("utf-8").split("\n")  # not at U+2028: JSON Lines
    os.unlink(archive)
    return [json.loads(line) for line in lines if line.strip()]


def run(n: int, spec: dict[str, Any], user: Any) -> dict[str, Any]:
    from data_import.celery_tasks import check_file_type
    from data_import.datasets import load_dataset
    from data_import.pipeline.catalog import RELATION_EXTRACTION, create_file_format
    from data_import.pipeline.readers import FileName
    from projects.models import Member, ProjectType, SequenceLabelingProject
    from roles.models import Role

    project = SequenceLabelingProject.objects.create(
        name=f"claimstance-{n}", project_type=ProjectType.SEQUENCE_LABELING, created_by=user,
        allow_overlapping=spec["overlap"], grapheme_mode=spec["grapheme"], use_relation=True)
    if not Member.objects.filter(project=project, user=user).exists():
        Member.objects.create(project=project, user=user,
                              role=Role.objects.get(name="project_admin"))
    path = spec["file"]
    fmt = create_file_format("JSONL")
    try:
        check_file_type(path, fmt, path)
        name = FileName(full_path=path, generated_name=Path(path).name,
                        upload_name=Path(path).name)
        dataset = load_dataset(RELATION_EXTRACTION, fmt, [name], project,
                               encoding=spec["encoding"])
        dataset.save(user, batch_size=1000)
    except Exception as e:  # what a person importing it would see fail
        return {"exception": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc(limit=3), "examples": stored(project)}
    return {"errors": [e.dict() for e in dataset.errors], "examples": stored(project),
            "export": exported(project)}


def main() -> None:
    work, runs = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text("utf-8"))
    work.mkdir(parents=True, exist_ok=True)
    setup(work)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="admin", password="not-used")
    print(json.dumps([run(n, spec, user) for n, spec in enumerate(runs)]))


if __name__ == "__main__":
    main()
