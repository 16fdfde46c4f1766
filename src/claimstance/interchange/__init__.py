"""Interchange with other annotation and NLP tools: brat, CoNLL, spaCy and doccano, and
NewsClaims' evaluation files.

The converters (`brat`, `doccano`, `conll`, `spacy_docbin`) are pure functions over seeds
and layers; `export` and `importer` are the edges that read the corpus (or a built `dist/`)
and write files. spaCy is needed by `conll` and `spacy_docbin` only (and comes with the
`dataset` extra), so those are imported only when exporting to them.
"""

from __future__ import annotations

EXPORT_FORMATS = ("brat", "conll", "spacy", "doccano", "newsclaims")
IMPORT_FORMATS = ("brat", "doccano")
