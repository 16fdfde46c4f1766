"""Rows of one (config, split) -> size-limited Parquet shards, written deterministically.

Rows are flushed in batches and roll over to a new shard by size, so memory stays flat at
any corpus size; no timestamps and fixed writer options, so the same rows give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

BATCH_ROWS = 2000
SHARD_BYTES = 256 * 1024 * 1024  # in-memory Arrow bytes per shard (Parquet is smaller)


class ShardedWriter:
    """Rows of one (config, split) -> data/<config>/<split>-NNNNN-of-NNNNN.parquet."""

    def __init__(self, folder: Path, split: str, schema: pa.Schema, shard_bytes: int,
                 prefix: str = "") -> None:
        self.folder, self.split, self.schema, self.shard_bytes = folder, split, schema, shard_bytes
        self.prefix = prefix
        self.buffer: list[pa.Table] = []
        self.buffered = self.buffered_bytes = 0
        self.shards: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.shard_size = 0
        self.rows = 0
        self.nbytes = 0

    def add(self, table: pa.Table) -> None:
        limit = max(1, self.shard_bytes // 4)
        pieces = max(1, -(-table.num_rows // BATCH_ROWS), -(-table.nbytes // limit))
        step = max(1, -(-table.num_rows // pieces))
        for start in range(0, max(table.num_rows, 1), step):  # big tables go in slices
            piece = table.slice(start, step)
            self.buffer.append(piece)
            self.buffered += piece.num_rows
            self.buffered_bytes += piece.nbytes
            if self.buffered >= BATCH_ROWS or self.buffered_bytes >= limit:
                self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        table = pa.concat_tables(self.buffer)
        self.buffer, self.buffered, self.buffered_bytes = [], 0, 0
        if self.writer is not None and self.shard_size + table.nbytes > self.shard_bytes:
            self.writer.close()
            self.writer = None
        if self.writer is None:
            path = self.folder / f".shard{self.prefix}-{self.split}-{len(self.shards):05d}"
            self.shards.append(path)
            self.writer = pq.ParquetWriter(
                path, self.schema, compression="zstd", compression_level=1,
                use_dictionary=False, write_statistics=True, version="2.6")
            self.shard_size = 0
        self.writer.write_table(table, row_group_size=BATCH_ROWS)
        self.shard_size += table.nbytes
        self.rows += table.num_rows
        self.nbytes += table.nbytes

    def close(self) -> list[Path]:
        """Finish writing; the shards keep their temporary names (see `name_shards`)."""
        self.flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        return self.shards


def name_shards(folder: Path, split: str, shards: list[Path], schema: pa.Schema) -> list[Path]:
    """Give a split's shards (in order) their final names; an empty split gets a row-less file."""
    import pyarrow.parquet as pq

    if not shards:
        empty = folder / f".shard-empty-{split}"
        pq.write_table(schema.empty_table(), empty, compression="zstd")
        shards = [empty]
    final = []
    for k, tmp in enumerate(shards):
        target = folder / f"{split}-{k:05d}-of-{len(shards):05d}.parquet"
        tmp.rename(target)
        final.append(target)
    return final
