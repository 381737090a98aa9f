import type { RowError } from '../imports/row-errors';
import type { Models } from '../models';
import type { Projector } from '../projector/projector';
import { normalizeDossierCode, saltedHash } from '../responses/hashing';
import { rebuildDossierFigures } from './dossier-figures';
import { readDossierFile } from './dossier-file';
import { parseDossierRecords, type DossierRow } from './dossier-rows';
import type { DossierDoc } from './dossier.model';
import { collectionOf } from '../data/by-id';
import { incrementById } from '../data/write-once';

export interface DossierImportResult {
  /** Rows in the file (0 when it was refused). */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: RowError[];
}

const BULK = 500;

/**
 * Imports a dossier file all or nothing: every row is checked first, and one bad row writes nothing. Rows are
 * upserted by the hash of their code, so the same file twice changes nothing and a later export updates return
 * dates; then the on-time figures are recounted (dossier-figures.ts). A write cut off half-way (the database went
 * away) leaves rows that a second run of the same file completes. `onProgress` hears how many rows are written so far.
 */
export async function importDossiers(
  models: Models,
  projector: Projector,
  salt: string,
  bytes: Buffer,
  now: Date,
  onProgress?: (written: number, total: number) => void,
): Promise<DossierImportResult> {
  const file = await readDossierFile(bytes);
  if (file.errors.length) return { rows: 0, inserted: 0, updated: 0, unchanged: 0, errors: file.errors };
  const units = new Set((await models.Unit.find({}, { code: 1 }).lean()).map((u) => u.code));
  const parsed = parseDossierRecords(file.records, units);
  if (parsed.errors.length) return { rows: 0, inserted: 0, updated: 0, unchanged: 0, errors: parsed.errors };

  const { inserted, updated } = await storeDossiers(models, projector, salt, parsed.dossiers, now, onProgress);
  return { rows: parsed.dossiers.length, inserted, updated, unchanged: parsed.dossiers.length - inserted - updated, errors: [] };
}

/**
 * Upserts valid rows by the salted hash of their code, then recounts the on-time figures. Shared by the import and
 * the demo seed.
 */
export async function storeDossiers(
  models: Models,
  projector: Projector,
  salt: string,
  rows: readonly DossierRow[],
  now: Date,
  onProgress?: (written: number, total: number) => void,
): Promise<{ inserted: number; updated: number }> {
  const collection = collectionOf<DossierDoc>(models.Dossier);
  // Marked before the first write as well: a process killed among the writes leaves the generation ahead of the
  // last recount, so the next start recounts what was stored (recountIfBehind).
  await bumpGeneration(models);
  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < rows.length; i += BULK) {
    const operations = rows.slice(i, i + BULK).map(({ line: _line, code, ...fields }) => {
      // The stored form: the code replaced by its salted hash (the survey's, responses/dossier-claim.ts). A row
      // without a return date has no `returnedAt` key, so a later file that lacks it never unsets one.
      return {
        updateOne: {
          filter: { _id: saltedHash(salt, normalizeDossierCode(code)) },
          update: { $set: fields, $setOnInsert: { firstImportedAt: now } },
          upsert: true,
        },
      };
    });
    const result = await collection.bulkWrite(operations, { ordered: false });
    inserted += result.upsertedCount;
    updated += result.modifiedCount;
    onProgress?.(Math.min(rows.length, i + BULK), rows.length);
  }
  // The figures follow the dossiers as they now are (a changed return date moves a dossier between months).
  await bumpGeneration(models);
  await recountUntilStable(models, projector);
  return { inserted, updated };
}

const GENERATION_ID = 'dossier-generation';
const settings = (models: Models) => collectionOf<{ _id: string; value?: string; generation?: number; recounted?: number; claims?: number }>(models.Setting);
const generationDoc = async (models: Models) => settings(models).findOne({ _id: GENERATION_ID });
const generation = async (models: Models) => (await generationDoc(models))?.generation ?? 0;
const bumpGeneration = (models: Models) =>
  incrementById(settings(models), GENERATION_ID, { generation: 1 }, { value: 'the count of dossier imports stored (dossier-import.ts)' });

/**
 * Recounts the figures until no import stored dossiers while the recount was reading them. Two imports at once
 * (two staff, two instances) each recount; without this, a recount that read before the other import's rows were
 * stored could write last and leave figures without them. Every import bumps the generation after its rows are
 * stored, so a recount that sees the generation unchanged across its read counted every stored row; one that sees
 * it moved counts again, and its later write is complete. Each round holds the projector's lease, which an instance
 * that dies mid-import lets expire, so the other's recount still runs.
 */
export async function recountUntilStable(models: Models, projector: Projector, hooks: { afterFirstRead?: () => Promise<void> } = {}): Promise<void> {
  // While no projector batch is applied (`exclusive`): the batches add the dossiers that answers rate
  // (projector/rated-dossiers.ts), and one applied between this recount's read of the claims and its write would be
  // overwritten.
  for (let round = 0; round < 10; round++) {
    const before = await generation(models);
    await projector.exclusive(() => rebuildDossierFigures(models, round === 0 ? { afterRead: hooks.afterFirstRead } : {}));
    if ((await generation(models)) === before) {
      // The figures count every import up to `before`. A slower recount may write an older number after this one:
      // that only makes the next start recount once more, never skip one.
      await settings(models).updateOne({ _id: GENERATION_ID }, { $set: { recounted: before } });
      return;
    }
  }
}

/**
 * At start-up: recounts the dossier figures when an import stored rows after the last complete recount (an instance
 * killed during an import or its recount), so the figures are the stored dossiers' exactly again.
 */
export async function recountIfBehind(models: Models, projector: Projector): Promise<boolean> {
  const doc = await generationDoc(models);
  if (!doc || (doc.generation ?? 0) <= (doc.recounted ?? 0)) return false;
  await recountUntilStable(models, projector);
  return true;
}
