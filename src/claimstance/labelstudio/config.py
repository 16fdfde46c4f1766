"""The Label Studio labeling config, generated from the JSON schema (never edited by hand).

Control names are an interface (DESIGN.md): `text`, `mention`, `claim` (one label CLAIM),
`claim_type` (per region), and relations `claimant`, `support`, `refute`, `neutral`.

The config keeps annotators from the mistakes the pull would refuse: the QID box shows only
for a selected mention (Label Studio ignores `whenTagName` on a TextArea itself, so it sits
in a View that honours it), a relation takes one label (`choice="single"`; the default is
several), and the hotkeys are explicit: digits for the labels, the initial of each claim
type (f, a, e, i) for the type of the selected claim. Colours come from the one palette;
a Relation's background is its colour's tint, because Label Studio writes the relation-label
list in dark grey on it (the colour itself left "claimant" unreadable).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ..corpus.palette import on_white, palette
from ..corpus.schema import label_set

CLAIM_LABEL = "CLAIM"
CLAIMANT = "claimant"


def hotkeys() -> dict[str, str]:
    """Label or claim type -> its key: mention types 1.., CLAIM next, claim types their
    initial (documented in GUIDELINES.md; a test keeps the two together)."""
    keys = {label: str(i) for i, label in enumerate([*label_set("mention_type"), CLAIM_LABEL],
                                                    1)}
    initials = {t: t[0] for t in label_set("claim_type")}
    if len(set(initials.values())) != len(initials) or len(keys) > 9:
        raise ValueError(f"hotkeys collide: {keys | initials}; give the labels other keys")
    return keys | initials


def labelstudio_config() -> str:
    colours = palette()
    keys = hotkeys()
    lines = [
        "<!-- Generated from schema/annotation.schema.json by `claimstance ls config`;",
        "     do not edit: change the schema and run `claimstance docs`. -->",
        "<View>",
        '  <Style>.lsf-richtext { line-height: 1.8; }</Style>',
        '  <Header value="Entity mentions: press the label key (or click the label), then'
        ' select the text; press Esc before the next label key"/>',
        '  <Labels name="mention" toName="text" showInline="true">',
    ]
    for label, hint in label_set("mention_type").items():
        lines.append(f"    <Label value={quoteattr(label)}"
                     f" background={quoteattr(colours['mention_type'][label])}"
                     f" hotkey={quoteattr(keys[label])} hint={quoteattr(hint)}/>")
    lines += [
        "  </Labels>",
        '  <Header value="Claims: mark the claim, then choose its type; draw a relation from'
        ' its claimant (claimant) or from a mention that takes a position (support, refute,'
        ' neutral)"/>',
        '  <Labels name="claim" toName="text" showInline="true">',
        f"    <Label value={quoteattr(CLAIM_LABEL)}"
        f" background={quoteattr(colours['claim']['claim'])}"
        f" hotkey={quoteattr(keys[CLAIM_LABEL])}"
        ' hint="A claim: a span of the text that asserts something"/>',
        "  </Labels>",
        '  <Text name="text" value="$text" granularity="symbol"/>',
        '  <Choices name="claim_type" toName="text" perRegion="true" choice="single"'
        ' showInline="true" visibleWhen="region-selected" whenTagName="claim"'
        f' whenLabelValue={quoteattr(CLAIM_LABEL)}>',
    ]
    for label, hint in label_set("claim_type").items():
        style = f"border-bottom: 3px solid {colours['claim_type'][label]}"
        lines.append(f"    <Choice value={quoteattr(label)} hotkey={quoteattr(keys[label])}"
                     f" style={quoteattr(style)} hint={quoteattr(hint)}/>")
    lines += [
        "  </Choices>",
        '  <View visibleWhen="region-selected" whenTagName="mention">',
        '    <TextArea name="entity" toName="text" perRegion="true" maxSubmissions="1"'
        ' showSubmitButton="false"'
        ' placeholder="Wikidata QID of the entity, e.g. Q912 (optional)"/>',
        "  </View>",
        '  <Relations choice="single">',
        f"    <Relation value={quoteattr(CLAIMANT)}"
        f" background={quoteattr(on_white(colours['relation'][CLAIMANT]))}"
        ' hint="From the mention that makes the claim to the claim"/>',
    ]
    for label, hint in label_set("stance_label").items():
        lines.append(f"    <Relation value={quoteattr(label)}"
                     f" background={quoteattr(on_white(colours['relation'][label]))}"
                     f" hint={quoteattr(hint)}/>")
    lines += ["  </Relations>", "</View>"]
    return "\n".join(lines) + "\n"
