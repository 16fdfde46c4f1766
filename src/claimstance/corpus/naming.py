"""The naming rules: document ids, annotator names, pseudonyms and item ids.

Patterns come from the schemas (one definition each); everything that names a file or
checks a name from outside (an export, a command line) uses these, so a path is never built
from a name that broke them.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from .schema import ANNOTATION, DOCUMENT, definition

DOC_ID = re.compile(definition(DOCUMENT, "doc_id")["pattern"])
ANNOTATOR = re.compile(definition(ANNOTATION, "annotator")["pattern"])
REF = re.compile(definition(ANNOTATION, "ref")["pattern"])
QID = re.compile(definition(ANNOTATION, "qid")["pattern"])
GOLD = "gold"

#: What each kind of item is called and the prefix of its ids (m1.., c1.., s1..).
PREFIX = {"mentions": "m", "claims": "c", "stances": "s"}
KIND_OF_PREFIX = {p: kind for kind, p in PREFIX.items()}

#: Pseudonyms made by `pseudonym`: "a" + 10 hex digits of a keyed hash.
PSEUDONYM = re.compile(r"^a[0-9a-f]{10}$")


def is_doc_id(name: object) -> bool:
    return isinstance(name, str) and DOC_ID.match(name) is not None


def is_annotator(name: object) -> bool:
    return isinstance(name, str) and ANNOTATOR.match(name) is not None


def is_pseudonym(name: str) -> bool:
    """Whether a layer name is one that may be published: a pseudonym, or gold."""
    return name == GOLD or PSEUDONYM.match(name) is not None


def pseudonym(identity: str, salt: bytes) -> str:
    """A stable pseudonym for an annotator: the same person and salt always give the same one.

    `identity` is an e-mail (case-insensitive); it never reaches a file.
    """
    digest = hmac.new(salt, identity.strip().lower().encode("utf-8"), hashlib.sha256)
    return "a" + digest.hexdigest()[:10]


def seed_name(doc_id: str) -> str:
    """seeds/<doc_id>.json, relative to the corpus root."""
    return f"seeds/{doc_id}.json"


def layer_name(doc_id: str, annotator: str) -> str:
    """annotations/<doc_id>/<annotator>.json, relative to the corpus root."""
    return f"annotations/{doc_id}/{annotator}.json"


def item_id(kind: str, n: int) -> str:
    return f"{PREFIX[kind]}{n}"
