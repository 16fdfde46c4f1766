"""The Label Studio labeling config, generated from the JSON schema (never edited by hand).

Control names are an interface (DESIGN.md): `text`, `mention`, `claim` (one label CLAIM),
`claim_type` (per region), and relations `claimant`, `support`, `refute`, `neutral`.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ..corpus.schema import ANNOTATION, colours, definition, label_set

CLAIM_LABEL = "CLAIM"
CLAIMANT = "claimant"


def labelstudio_config() -> str:
    mentions = label_set("mention_type")
    claim_types = label_set("claim_type")
    stances = label_set("stance_label")
    lines = [
        "<!-- Generated from schema/annotation.schema.json by `claimstance ls config`;",
        "     do not edit: change the schema and run `claimstance docs`. -->",
        "<View>",
        '  <Style>.lsf-richtext { line-height: 1.8; }</Style>',
        '  <Header value="Entity mentions"/>',
        '  <Labels name="mention" toName="text" showInline="true">',
    ]
    palette = colours("mention_type")
    for label, hint in mentions.items():
        lines.append(f"    <Label value={quoteattr(label)} background="
                     f"{quoteattr(palette[label])} hint={quoteattr(hint)}/>")
    lines += [
        "  </Labels>",
        '  <Header value="Claims: mark the claim, then choose its type; draw a relation from'
        ' its claimant (claimant) or from a mention that takes a position (support, refute,'
        ' neutral)"/>',
        '  <Labels name="claim" toName="text" showInline="true">',
        f"    <Label value={quoteattr(CLAIM_LABEL)}"
        f" background={quoteattr(definition(ANNOTATION, 'claim')['x-colour'])}"
        ' hint="A claim: a span of the text that asserts something"/>',
        "  </Labels>",
        '  <Text name="text" value="$text" granularity="symbol"/>',
        '  <Choices name="claim_type" toName="text" perRegion="true" choice="single"'
        ' showInline="true" visibleWhen="region-selected" whenTagName="claim"'
        f' whenLabelValue={quoteattr(CLAIM_LABEL)}>',
    ]
    for label, hint in claim_types.items():
        lines.append(f"    <Choice value={quoteattr(label)} hint={quoteattr(hint)}/>")
    lines += [
        "  </Choices>",
        '  <TextArea name="entity" toName="text" perRegion="true" maxSubmissions="1"'
        ' visibleWhen="region-selected" whenTagName="mention" showSubmitButton="false"'
        ' placeholder="Wikidata QID of the entity, e.g. Q912 (optional)"/>',
        "  <Relations>",
              f'    <Relation value="{CLAIMANT}"'
              ' hint="From the mention that makes the claim to the claim"/>']
    for label, hint in stances.items():
        lines.append(f"    <Relation value={quoteattr(label)} hint={quoteattr(hint)}/>")
    lines += ["  </Relations>", "</View>"]
    return "\n".join(lines) + "\n"
