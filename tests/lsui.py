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

from claimstance.corpus.palette import channels

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


def open_task(page: Any, url: str, project: int, task: int, annotated: bool = False) -> None:
    """The data manager's view of one task: Submit, or Update once annotated (no Skip).
    `annotated`: wait until the annotation on show has drawn its regions (the text is drawn
    again when it loads, and a drag across the redraw selects nothing)."""
    page.goto(f"{url}/projects/{project}/data?task={task}")
    _ready(page)
    if annotated:
        _drawn(page)


def _drawn(page: Any) -> None:
    page.wait_for_selector(".lsf-annotation-button_selected", timeout=TIMEOUT)
    page.wait_for_selector(".htx-highlight", timeout=TIMEOUT)


def open_stream(page: Any, url: str, project: int) -> tuple[int, str]:
    """"Label All Tasks": the next task the server gives this annotator, and the project's
    instructions Label Studio shows first (`ls push` sets them; read and closed)."""
    page.goto(f"{url}/projects/{project}/data?labeling=1")
    text = instructions(page)
    _ready(page)
    return current_task(page), text


def instructions(page: Any) -> str:
    """The "Labeling Instructions" Label Studio shows on entering the labeling stream: their
    text, after closing them."""
    modal = page.locator(".lsf-modal-ls_visible", has_text="Labeling Instructions")
    modal.wait_for(timeout=TIMEOUT)
    text = str(modal.inner_text())
    modal.get_by_role("button", name="Close modal").click()
    modal.wait_for(state="detached", timeout=TIMEOUT)
    return text


def selected_annotation(page: Any) -> str:
    """Who made the annotation on show, as its tab says: avatar initials, the e-mail (maybe
    cut in the middle), how long ago; one line."""
    return " ".join(page.locator(".lsf-annotation-button_selected").first.inner_text().split())


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


def press_until(page: Any, key: str, condition: str, what: str, arg: Any = None) -> None:
    """Press `key` until the JavaScript `condition` (given `arg`) holds: a key pressed while
    the page is still wiring its hotkeys is lost, so each press is checked, not assumed."""
    for _ in range(TIMEOUT // 10_000):
        page.keyboard.press(key)
        try:
            page.wait_for_function(condition, arg=arg, timeout=10_000)
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
    try:
        region(page, start, end).wait_for(timeout=TIMEOUT)
    except PlaywrightTimeout:
        page.screenshot(path="test-artifacts/ls-ui/failed-label.png")
        found = page.evaluate("() => [...document.querySelectorAll('.htx-highlight')].map("
                              "e => [e.dataset.start, e.dataset.end, e.className])")
        raise AssertionError(f"no region {start}-{end} ({text[start:end]!r}): {found}") from None


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
    r, g, b = channels(colour)
    return f"rgb({r}, {g}, {b})"


_READABILITY = """
(el) => {
  // the text colour and the background it is drawn on (translucent layers composited over
  // what lies under them, up to the page), each as [r, g, b]; a canvas reads any CSS colour
  const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  const rgba = (c) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = '#000'; ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1); const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255]; };
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const bg = rgba(getComputedStyle(e).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let under = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse())
    under = [r * a + under[0] * (1 - a), g * a + under[1] * (1 - a), b * a + under[2] * (1 - a)];
  return {text: rgba(getComputedStyle(el).color).slice(0, 3), background: under.map(Math.round)};
}
"""


def readability(locator: Any) -> float:
    """The WCAG 2 contrast ratio of an element's text on what it is drawn on, as the browser
    computed them."""
    from claimstance.corpus.palette import contrast

    found = locator.evaluate(_READABILITY)
    text, background = ("#" + "".join(f"{round(c):02x}" for c in found[k])
                        for k in ("text", "background"))
    return contrast(text, background)


def relation(page: Any, src: tuple[int, int], dst: tuple[int, int], name: str,
             shot: Path | None = None, colour: str | None = None) -> int:
    """The fastest way GUIDELINES.md gives, with the Relations panel open: click the source,
    Alt+R, click the target, then Show Relation Labels, the label selector and the label
    (relation labels can have no hotkey in Label Studio 1.23). Returns the clicks it took;
    every label in the selector must be readable."""
    clicks = 0
    n = relations_tab(page)
    select(page, *src)
    clicks += 1
    page.keyboard.press("Alt+r")
    region(page, *dst).click()
    clicks += 1
    item = page.locator(".lsf-relations__item:visible").nth(n)
    item.wait_for(timeout=TIMEOUT)
    item.hover()
    item.get_by_role("button", name="Show Relation Labels").click()
    clicks += 1
    trigger = page.locator(
        '.lsf-relation-meta [data-slot="popover-trigger"][data-value=""]:visible').first
    trigger.wait_for(timeout=TIMEOUT)
    # choice="single": a plain select (data-testid "select-trigger"), not a checkbox list
    assert trigger.get_attribute("data-testid") == "select-trigger"
    trigger.click()
    clicks += 1
    option = page.locator(f'[data-testid="select-option-{name}"]:visible')
    option.wait_for(timeout=TIMEOUT)
    for each in page.locator('[data-testid^="select-option-"]:visible').all():
        assert readability(each) >= 4.5, (each.inner_text(), readability(each))
    if colour is not None:  # the label on its palette colour (the Relation's background)
        assert rgb(colour) in colours(option), colours(option)
    if shot is not None:
        page.screenshot(path=str(shot))
    option.click()
    clicks += 1
    page.keyboard.press("Escape")
    page.locator(f'.lsf-relation-meta [data-slot="popover-trigger"][data-value="{name}"]'
                 ).first.wait_for(timeout=TIMEOUT)
    unselect(page)
    regions_tab(page)
    return clicks


def toggle_label(page: Any, key: str, expected: str) -> None:
    """With a region selected, press a label's key: Label Studio adds the label to the
    region, or takes it off when the region has it; wait until the region's labels are
    `expected` ("GPE, CLAIM", in any order)."""
    want = ", ".join(sorted(expected.split(", ")))
    press_until(page, key, "(want) => [...document.querySelectorAll('.lsf-detailed-region "
                ".lsf-labels-list')].slice(0, 1).map(e => e.innerText.trim().split(/\\s*,"
                "\\s*/).sort().join(', '))[0] === want", f"made the labels {expected}", want)


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
