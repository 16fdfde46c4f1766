"""Articles into seeds: one .txt with its metadata (`single`), or many at once from JSON
Lines, CSV or a folder (`sources` reads them, `rows` makes each a document, `bulk` checks
them all and writes them, `provenance` records where each came from)."""

from .bulk import IngestResult, ingest_rows, ingest_source
from .single import ingest, ingest_file, read_article
from .sources import open_source, parse_map

__all__ = ["IngestResult", "ingest", "ingest_file", "ingest_rows", "ingest_source",
           "open_source", "parse_map", "read_article"]
