"""Driving Label Studio's labeling UI (1.23) like a person: real mouse drags and key presses.

Only stable hooks are used: data-testid and aria-label attributes, the frontend's BEM
classes (`lsf-...`) and the region spans (`.htx-highlight[data-start][data-end]`); never
hashed CSS-module classes. Every step waits on a condition, not on time.

Two facts shape the helpers. A label must be armed (its key pressed) *before* the text is
selected: pressing it afterwards only arms it for the next selection, and pressing it while
a region is selected adds a second label to that region. And the text is one span per line
joined by <br>, with DOM offsets in UTF-16 units, while Label Studio stores code points with
the newlines counted: `dom_offset` converts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

TIMEOUT = 120_000  # ms: the machine may be slow and shared; waits end as soon as they can


def dom_offset(text: str, cp: int) -> int:
    """A Label Studio offset (code points, newlines counted) -> an offset in the text's DOM
    text nodes (UTF-16 units, no newlines)."""
    return len(text[:cp].replace("\n", "").encode("utf-16-le")) // 2


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return at, at + len(needle)


def login(page: Any, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/user/login/")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda u: "/user/login" not in u, timeout=TIMEOUT)


def _ready(page: Any) -> None:
    page.wait_for_selector(".lsf-richtext__line", timeout=TIMEOUT)
    page.wait_for_selector(".lsf-label", timeout=TIMEOUT)
    page.wait_for_selector('[data-testid^="bottombar-"]', timeout=TIMEOUT)


def open_task(page: Any, url: str, project: int, task: int) -> None:
    """The data manager's view of one task: Submit, or Update once annotated (no Skip)."""
    page.goto(f"{url}/projects/{project}/data?task={task}")
    _ready(page)


def open_stream(page: Any, url: str, project: int) -> int:
    """"Label All Tasks": the next task the server gives this annotator; returns its id."""
    page.goto(f"{url}/projects/{project}/data?labeling=1")
    _ready(page)
    return current_task(page)


def current_task(page: Any) -> int:
    found = re.search(r"\d+", page.locator(".lsf-current-task__task-id").inner_text())
    assert found is not None
    return int(found.group())


_CHAR_RECTS = """
([start, end]) => {
  const root = document.querySelector('.lsf-richtext__container');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let pos = 0, node, a = null, b = null;
  const rect = (n, i) => { const r = document.createRange(); r.setStart(n, i);
    r.setEnd(n, i + 1); const x = r.getBoundingClientRect();
    return {x: x.x, y: x.y, w: x.width, h: x.height}; };
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (a === null && start < pos + len) a = rect(node, start - pos);
    if (b === null && end - 1 < pos + len) { b = rect(node, end - 1 - pos); break; }
    pos += len;
  }
  return {a, b};
}
"""


def drag(page: Any, text: str, start: int, end: int) -> None:
    """Select text[start:end] with a mouse drag from its first to its last character."""
    a0, b0 = dom_offset(text, start), dom_offset(text, end)
    first = page.locator(".lsf-richtext__line").nth(text[:start].count("\n"))
    first.scroll_into_view_if_needed()
    r = page.evaluate(_CHAR_RECTS, [a0, b0])
    a, b = r["a"], r["b"]
    page.mouse.move(a["x"] + 1, a["y"] + a["h"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, b["y"] + b["h"] / 2, steps=5)
    page.mouse.move(b["x"] + b["w"] - 1, b["y"] + b["h"] / 2, steps=5)
    page.mouse.up()


def region(page: Any, start: int, end: int) -> Any:
    return page.locator(f'.htx-highlight[data-start="{start}"][data-end="{end}"]').first


def press_until(page: Any, key: str, condition: str, what: str) -> None:
    """Press `key` until the JavaScript `condition` holds: a key pressed while the page is
    still wiring its hotkeys is lost, so each press is checked, not assumed."""
    for _ in range(TIMEOUT // 10_000):
        page.keyboard.press(key)
        try:
            page.wait_for_function(condition, timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"pressing {key!r} never {what}")


def arm(page: Any, key: str) -> None:
    """Press a label's key until its label is armed (shown selected)."""
    press_until(page, key, "() => !!document.querySelector('.lsf-label_selected')",
                "armed a label")


def label(page: Any, key: str, text: str, start: int, end: int) -> None:
    """Press the label's key with nothing selected, then drag over the text: a new region."""
    unselect(page)
    page.evaluate("() => window.getSelection().removeAllRanges()")
    n = page.locator(".htx-highlight").count()
    arm(page, key)
    drag(page, text, start, end)
    page.wait_for_function(f"() => document.querySelectorAll('.htx-highlight').length > {n}",
                           timeout=TIMEOUT)
    region(page, start, end).wait_for(timeout=TIMEOUT)


def unselect(page: Any) -> None:
    """Esc: nothing selected, so the next label key arms a label instead of relabelling."""
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('[aria-label=\"Create Relation\"]')",
                           timeout=TIMEOUT)


def select(page: Any, start: int, end: int) -> None:
    unselect(page)
    region(page, start, end).click()
    page.wait_for_selector('button[aria-label="Create Relation"]', timeout=TIMEOUT)


def claim_type_key(page: Any, key: str, value: str) -> None:
    """With the claim selected, its type by hotkey; waits until the choice is checked."""
    choices = page.locator(".lsf-choices:not(.lsf-choices_hidden)")
    choices.wait_for(timeout=TIMEOUT)
    press_until(page, key, f"() => document.querySelector('.lsf-choices:not(.lsf-choices_"
                f"hidden) input[name=\"{value}\"]')?.checked", f"chose {value}")


def qid(page: Any, value: str) -> None:
    """With a mention selected, type its Wikidata QID and press Enter."""
    box = page.locator('[data-testid="textarea-input"]')
    box.fill(value)
    box.press("Enter")
    page.wait_for_function(
        f"() => document.body.innerText.includes({value!r})", timeout=TIMEOUT)


def qid_box_visible(page: Any) -> bool:
    return bool(page.locator('[data-testid="textarea-control"]:visible').count())


def relations_tab(page: Any) -> int:
    """Open the Relations panel; returns how many relations it lists."""
    page.locator(".lsf-panel-tabs__tab:visible", has_text="Relations").first.click()
    return int(page.locator(".lsf-relations__item:visible").count())


def regions_tab(page: Any) -> None:
    page.locator(".lsf-panel-tabs__tab:visible", has_text="Regions").first.click()


_COLOURS = """
(el) => {
  const out = new Set();
  const add = (e) => { const s = getComputedStyle(e);
    [s.backgroundColor, s.borderBottomColor, s.borderLeftColor].forEach(c => out.add(c)); };
  for (let e = el, i = 0; e && i < 4; e = e.parentElement, i++) add(e);
  el.querySelectorAll('*').forEach(add);
  return [...out];
}
"""


def colours(locator: Any) -> set[str]:
    """The colours an element is drawn in (background and borders, its own, its parents'
    and its children's), as the browser computed them: 'rgb(r, g, b)'."""
    return set(locator.evaluate(_COLOURS))


def rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def relation(page: Any, src: tuple[int, int], dst: tuple[int, int], name: str,
             shot: Path | None = None, colour: str | None = None) -> None:
    """Select the source, Create Relation, click the target; then give it its one label in
    the Relations panel (the label selector lists the relation labels; one choice)."""
    n = relations_tab(page)
    regions_tab(page)
    select(page, *src)
    page.get_by_role("button", name="Create Relation").click()
    region(page, *dst).click()
    unselect(page)
    relations_tab(page)
    page.locator(".lsf-relations__item:visible").nth(n).wait_for(timeout=TIMEOUT)
    unlabelled = page.locator(
        '.lsf-relation-meta [data-slot="popover-trigger"][data-value=""]:visible')
    if not unlabelled.count():  # the label selector shows on demand
        item = page.locator(".lsf-relations__item:visible").last
        item.hover()
        item.get_by_role("button", name="Show Relation Labels").click()
    trigger = unlabelled.first
    trigger.wait_for(timeout=TIMEOUT)
    # choice="single": a plain select (data-testid "select-trigger"), not a checkbox list
    assert trigger.get_attribute("data-testid") == "select-trigger"
    trigger.click()
    option = page.locator(f'[data-testid="select-option-{name}"]:visible')
    option.wait_for(timeout=TIMEOUT)
    if colour is not None:  # the label in its palette colour (the Relation's background)
        assert rgb(colour) in colours(option), colours(option)
    if shot is not None:
        page.screenshot(path=str(shot))
    option.click()
    page.keyboard.press("Escape")
    page.locator(f'.lsf-relation-meta [data-slot="popover-trigger"][data-value="{name}"]'
                 ).first.wait_for(timeout=TIMEOUT)
    regions_tab(page)


def _saved(page: Any, method: str, path: str) -> Any:
    return page.expect_response(lambda r: r.request.method == method
                                and re.search(path, r.url) is not None and r.status < 400,
                                timeout=TIMEOUT)


def submit(page: Any) -> dict[str, Any]:
    with _saved(page, "POST", r"/api/tasks/\d+/annotations") as resp:
        page.locator('[data-testid="bottombar-submit-button"]').click()
    out: dict[str, Any] = resp.value.json()
    return out


def update(page: Any) -> dict[str, Any]:
    with _saved(page, "PATCH", r"/api/annotations/\d+") as resp:
        page.locator('[data-testid="bottombar-update-button"]').click()
    out: dict[str, Any] = resp.value.json()
    return out


def skip(page: Any) -> dict[str, Any]:
    with _saved(page, "POST", r"/api/tasks/\d+/annotations") as resp:
        page.locator('[data-testid="bottombar-skip-button"]').click()
    out: dict[str, Any] = resp.value.json()
    return out


def own_annotation(page: Any, annotation: int) -> None:
    """The task view opens the newest annotation, whoever made it, and Update edits the one
    shown: pick your own tab first."""
    page.locator(f'.lsf-annotation-button[data-annotation-id="{annotation}"]').click()
    page.wait_for_selector(
        f'.lsf-annotation-button_selected[data-annotation-id="{annotation}"]', timeout=TIMEOUT)


def export_json(page: Any, url: str, project: int, to: Path) -> Path:
    """The project's Export button, JSON format (preselected): the downloaded file."""
    page.goto(f"{url}/projects/{project}/data")
    page.locator('[data-testid="dm-export-button"]').click()
    page.locator(".lsf-formats__item", has_text="JSON").first.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        page.locator('button[aria-label="Export data"]').click()
    download.value.save_as(str(to))
    return to
