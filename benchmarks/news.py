"""News-like articles made here (no text copied from anywhere), and the edits that turn one
into a near-duplicate of itself: what the tests and `growth_bench.py` ingest.

A `Story` is a topic: people, places and nouns. `article(story, seed)` writes an article on
it in words of its own (another seed: other wording, the same names and topic, as two
outlets covering one event would), with an optional quote both may share. The edits are the
ones news is full of: a byline added, paragraphs swapped, a sentence corrected, whitespace
changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "sel", "dar", "en", "bri", "tor", "al",
             "is", "ux", "pe", "gan", "fi", "mo", "ze", "hal", "qu", "ri", "so", "te", "wy"]
FUNCTION = ["the", "of", "in", "to", "and", "a", "on", "for", "that", "with", "by", "at",
            "from", "its", "after", "over", "their", "as", "was", "were", "would", "has"]
VERBS = ["said", "told", "announced", "warned", "argued", "insisted", "claimed", "added"]
AGENCIES = ["Coastal Wire", "Northern Press", "Daily Ledger", "Valley Times"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def name(rng: random.Random) -> str:
    return f"{word(rng).capitalize()} {word(rng).capitalize()}"


@dataclass(frozen=True)
class Story:
    people: tuple[str, ...]
    places: tuple[str, ...]
    nouns: tuple[str, ...]
    quote: str

    @classmethod
    def make(cls, seed: int) -> Story:
        rng = random.Random(f"story-{seed}")
        quote = " ".join(word(rng) if rng.random() < 0.6 else rng.choice(FUNCTION)
                         for _ in range(12))
        return cls(tuple(name(rng) for _ in range(3)),
                   tuple(word(rng).capitalize() for _ in range(2)),
                   tuple(word(rng) for _ in range(6)), quote)


def _sentence(story: Story, rng: random.Random) -> str:
    words = [rng.choice(story.people), rng.choice(VERBS)]
    for _ in range(rng.randint(9, 18)):
        r = rng.random()
        words.append(rng.choice(FUNCTION) if r < 0.4 else rng.choice(story.nouns) if r < 0.55
                     else rng.choice(story.places) if r < 0.6 else word(rng))
    return " ".join(words) + "."


def article(story: Story, seed: int, *, paragraphs: int = 6, quote: bool = False) -> str:
    """An article on `story`, its wording fixed by `seed`: ~300 words in paragraphs."""
    rng = random.Random(f"article-{seed}")
    paras = [" ".join(_sentence(story, rng) for _ in range(rng.randint(2, 4)))
             for _ in range(paragraphs)]
    if quote:
        paras[1] += f' "{story.quote.capitalize()}," {story.people[0]} said.'
    return "\n\n".join(paras)


def title(story: Story, seed: int) -> str:
    rng = random.Random(f"title-{seed}")
    return f"{rng.choice(story.people)} {rng.choice(VERBS)} {rng.choice(story.nouns)} in " \
           f"{rng.choice(story.places)}"


# --- the edits that make near-duplicates ----------------------------------------------------

def add_byline(text: str, seed: int = 0) -> str:
    rng = random.Random(f"byline-{seed}")
    return f"By {name(rng)}, {rng.choice(AGENCIES)}\n\n{text}"


def swap_paragraphs(text: str) -> str:
    paras = text.split("\n\n")
    paras[1], paras[2] = paras[2], paras[1]
    return "\n\n".join(paras)


def correct_sentence(text: str) -> str:
    """One sentence of the third paragraph rewritten in part (a correction)."""
    paras = text.split("\n\n")
    words = paras[2].split(" ")
    words[3:6] = ["corrected", "figure", "of", "twelve"]
    paras[2] = " ".join(words)
    return "\n\n".join(paras)


def change_whitespace(text: str) -> str:
    """Spaces doubled, tabs and Windows line ends: other bytes, the same words."""
    return text.replace(". ", ".  ").replace(" the ", "\tthe ").replace("\n", "\r\n") + "  \r\n"


EDITS = (add_byline, swap_paragraphs, correct_sentence, change_whitespace)
