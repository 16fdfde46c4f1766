"""claimstance: an annotated news corpus of entities, claims and stances, and its tools."""

__version__ = "0.1.0"
