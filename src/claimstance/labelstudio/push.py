"""`ls push`: make the project match the corpus (config, overlap, one task per seed, and
model suggestions from an explicit source) without ever duplicating a task."""

from __future__ import annotations

from typing import Any

import orjson

from ..corpus.layout import Corpus
from ..corpus.naming import seed_name
from ..problems import Code, problem
from .api import DEFAULT_PROJECT, call, find_project, progress_bar, project_tasks
from .config import labelstudio_config
from .convert import results_of, task_of
from .suggestions import Suggestions
from .summary import Summary


def _seeds(corpus: Corpus) -> dict[str, dict[str, Any]]:
    out = {}
    for doc_id in corpus.doc_ids():
        out[doc_id] = corpus.read_seed(doc_id)
    return out


def overlap_settings(annotators_per_task: int) -> dict[str, Any]:
    """Project settings that give every task to `annotators_per_task` different people."""
    return {"maximum_annotations": annotators_per_task, "overlap_cohort_percentage": 100,
            "show_overlap_first": True}


#: What annotators read before they label (Label Studio shows it when they press Label All
#: Tasks, and behind the Instructions button). Its free edition cannot hide colleagues'
#: annotations, and a task opened from the list shows the newest one, whoever made it:
#: these lines keep annotators on their own.
INSTRUCTIONS = """<h3>Your own annotations, and no one else's</h3>
<p>Press <b>Label All Tasks</b>: each task you get opens on a new annotation of your own.</p>
<p>A task opened from the list shows its <b>newest</b> annotation, often a colleague's (the
tabs above the text name who made each). <b>Update</b> saves the tab on show: never change
or Update a colleague's tab. <code>claimstance ls pull</code> refuses such an edit until
the author has checked it.</p>
<p>To correct your own annotation: open the task, click <b>your</b> tab, change it and press
<b>Update</b>.</p>
<p>Relations: click the mention, press <b>Alt+R</b>, click the claim, then pick its label in
the <b>Relations</b> panel.</p>
<p>The full guidelines are GUIDELINES.md in the corpus repository.</p>
"""


def instruction_settings() -> dict[str, Any]:
    """Project settings that show the annotators INSTRUCTIONS before they label."""
    return {"expert_instruction": INSTRUCTIONS, "show_instruction": True}


def push(client: Any, corpus: Corpus, title: str = DEFAULT_PROJECT, *,
         annotators_per_task: int | None = None, suggestions: Suggestions | None = None,
         progress: bool = False) -> Summary:
    """Create or update the project and import every seed as a task, once.

    `annotators_per_task` sets the overlap (each task goes to that many people);
    `suggestions` become predictions annotators start from. Annotators' own layers are never
    pushed: each person labels independently, as agreement figures assume.
    """
    summary = Summary("push", title)
    config = labelstudio_config()
    settings = overlap_settings(annotators_per_task) if annotators_per_task else {}
    project = find_project(client, title)
    if project is None:
        project = call("create the project", client.projects.create, title=title,
                       label_config=config,
                       description="Entities, claims and stances (claimstance corpus)",
                       **settings, **instruction_settings())
        summary.counts["project created"] += 1
    else:
        if (project.label_config or "").strip() != config.strip():
            call("update the labeling config", client.projects.update, id=project.id,
                 label_config=config)
            summary.counts["labeling config updated"] += 1
        for what, wanted in (("overlap", settings), ("instructions", instruction_settings())):
            if any(getattr(project, k, None) != v for k, v in wanted.items()):
                call(f"set the {what}", client.projects.update, id=project.id, **wanted)
                summary.counts[f"{what} updated"] += 1
    if annotators_per_task:
        summary.settings["annotators_per_task"] = annotators_per_task
    summary.settings["instructions"] = "shown before labelling"
    summary.project_id = project.id
    tasks = project_tasks(client, project.id)
    seeds = _seeds(corpus)
    new = []
    for doc_id, seed in seeds.items():
        task = tasks.get(doc_id)
        if task is None:
            new.append(task_of(seed))
        elif (task.data or {}).get("sha256") != seed["sha256"]:
            summary.report.extend([problem(
                Code.LS_TASK_TEXT_CHANGED, seed_name(doc_id), "/sha256",
                f"task {task.id} holds another version of this text; it was not duplicated. "
                "Pull its annotations first, then delete the task in Label Studio and push "
                "again")])
            summary.counts["tasks with a changed seed (not pushed)"] += 1
        else:
            summary.counts["tasks unchanged"] += 1
    bar = progress_bar(progress, len(new), "importing tasks")
    for i in range(0, len(new), 500):
        batch = new[i : i + 500]
        call("import tasks", client.projects.import_tasks, id=project.id, request=batch)
        summary.counts["tasks created"] += len(batch)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    if suggestions is not None:
        if new:
            tasks = project_tasks(client, project.id)
        _push_suggestions(client, project, tasks, seeds, suggestions, summary, progress)
    return summary


def _canonical(results: Any) -> bytes:
    return orjson.dumps(results, option=orjson.OPT_SORT_KEYS)


def _push_suggestions(client: Any, project: Any, tasks: dict[str, Any],
                      seeds: dict[str, dict[str, Any]], suggestions: Suggestions,
                      summary: Summary, progress: bool) -> None:
    """One prediction per task under `suggestions.model_version`; an unchanged one is left
    alone, a changed one replaced, so pushing again changes nothing. The project's model
    version is set to it, which makes Label Studio pre-fill new annotations with it."""
    if suggestions.implicit:
        summary.counts["claimants and holders given only as spans (not shown)"] += \
            suggestions.implicit
    version = suggestions.model_version
    have: dict[int, list[Any]] = {}
    for p in call("list predictions", client.predictions.list, project=project.id):
        if p.model_version == version:
            have.setdefault(p.task, []).append(p)
    bar = progress_bar(progress, len(suggestions.layers), "pushing predictions")
    for doc_id, layer in sorted(suggestions.layers.items()):
        if bar is not None:
            bar.update(1)
        task = tasks.get(doc_id)
        if task is None or (task.data or {}).get("sha256") != seeds[doc_id]["sha256"]:
            summary.counts["predictions without an up-to-date task (not pushed)"] += 1
            continue
        results = results_of(layer)
        old = have.get(task.id, [])
        if len(old) == 1 and _canonical(old[0].result) == _canonical(results) \
                and old[0].score == suggestions.score:
            summary.counts["predictions unchanged"] += 1
            continue
        for p in old:
            call("replace a prediction", client.predictions.delete, id=p.id)
        call("create a prediction", client.predictions.create, task=task.id, result=results,
             model_version=version, score=suggestions.score)
        summary.counts["predictions replaced" if old else "predictions created"] += 1
    if bar is not None:
        bar.close()
    if suggestions.layers and (project.model_version != version
                               or not project.show_collab_predictions):
        call("show the predictions", client.projects.update, id=project.id,
             model_version=version, show_collab_predictions=True)
    if suggestions.layers:
        summary.settings["suggestions_shown"] = version
