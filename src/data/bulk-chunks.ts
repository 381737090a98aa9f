/**
 * FerretDB v1 (SQLite) slows down sharply, and past ~100 operations stops answering, on a single bulkWrite of
 * updates to existing documents (measured here: 30 ops 135 ms, 60 ops 430 ms, 100 ops > 30 s socket timeout).
 * So bulk writes go out in small chunks; on MongoDB this costs a few more round trips and nothing else.
 */
export const BULK_CHUNK = 25;

export async function bulkWriteInChunks<Op>(write: (operations: Op[]) => Promise<unknown>, operations: readonly Op[], size = BULK_CHUNK): Promise<void> {
  for (let i = 0; i < operations.length; i += size) await write(operations.slice(i, i + size));
}
