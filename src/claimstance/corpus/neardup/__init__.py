"""Near-duplicate articles: versions of one story (a syndicated copy under another byline,
a corrected or updated version) that must never sit in different splits.

Two texts are near-duplicates when the Jaccard index of their 5-word shingle sets is at or
above the corpus's threshold (`claimstance.toml`, 0.7 by default). MinHash signatures
(datasketch) and banded LSH propose candidate pairs; the exact Jaccard index decides every
one (`pairs.confirm`). Used by ingest (new articles against the corpus and each other),
validate (a warning per pair) and the splits (a group is kept together).
"""

from .index import CorpusIndex, refresh
from .pairs import Pair, groups, near_pairs
from .shingles import SHINGLE, jaccard, shingles
from .sketch import sketch_texts

__all__ = ["SHINGLE", "CorpusIndex", "Pair", "groups", "jaccard", "near_pairs", "refresh",
           "shingles", "sketch_texts"]
