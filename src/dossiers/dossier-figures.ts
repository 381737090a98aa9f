import type { Models } from '../models';
import { periodOf } from '../responses/period';
import { unitsByCode } from '../units/unit-directory';
import { dossierFigureId, noOneStopCounts, type DossierFigureDoc, type WatchedDossier } from './dossier-figure.model';
import type { DossierDoc } from './dossier.model';
import { collectionOf, deleteByIds } from '../data/by-id';

export { dossierFigureId, dossierFigureModel, type DossierFigureDoc, type DossierFigureModel, type WatchedDossier } from './dossier-figure.model';

/** The hashed dossier codes some survey answer claimed (claim ids are "<survey key>:<hash>"). */
async function ratedCodes(models: Models): Promise<Set<string>> {
  const claims = collectionOf(models.DossierClaim);
  const rated = new Set<string>();
  for await (const claim of claims.find({}, { projection: { _id: 1 } })) rated.add(claim._id.slice(claim._id.indexOf(':') + 1));
  return rated;
}

/**
 * Recounts every dossier figure from the stored dossiers (one pass; a department's dossiers are tens of thousands
 * a year) and replaces the figure documents, dropping those no dossier counts in any more. Run after each import:
 * the figures are then the dossiers' exactly, whatever the import changed. The rated counts are as of that run.
 */
export async function rebuildDossierFigures(models: Models, hooks: { afterRead?: () => Promise<void> } = {}): Promise<{ dossiers: number; figures: number }> {
  const units = await unitsByCode(models.Unit);
  const rated = await ratedCodes(models);
  const figures = new Map<string, DossierFigureDoc>();
  const figure = (period: string, scope: string) => {
    const id = dossierFigureId(period, scope);
    let doc = figures.get(id);
    if (!doc)
      figures.set(
        id,
        (doc = { _id: id, period, scope, returned: 0, onTime: 0, rated: 0, openDue: [], procedures: [], channels: [], watch: [], oneStop: noOneStopCounts() }),
      );
    return doc;
  };
  let dossiers = 0;
  const cursor = collectionOf<DossierDoc>(models.Dossier).find({}).batchSize(1000);
  for await (const dossier of cursor) {
    dossiers += 1;
    const unit = units.get(dossier.unitCode);
    const scopes = [dossier.unitCode, ...(unit?.ancestors ?? [])];
    const watched = watchedOf(dossier);
    for (const scope of scopes) {
      countReceived(figure(periodOf(dossier.receivedAt), scope), dossier);
      if (dossier.returnedAt) {
        const doc = figure(periodOf(dossier.returnedAt), scope);
        const onTime = dossier.returnedAt <= dossier.dueAt;
        doc.returned += 1;
        if (onTime) doc.onTime += 1;
        if (rated.has(dossier._id)) doc.rated += 1;
        countIn(
          doc.procedures!,
          (p) => p.code === dossier.procedureCode,
          () => ({ code: dossier.procedureCode, name: dossier.procedureName, returned: 0, onTime: 0 }),
          onTime,
        );
        countIn(
          doc.channels!,
          (c) => c.channel === dossier.channel,
          () => ({ channel: dossier.channel, returned: 0, onTime: 0 }),
          onTime,
        );
        if (!onTime) doc.watch!.push(watched);
        countReturned(doc, dossier);
      } else {
        const doc = figure(periodOf(dossier.dueAt), scope);
        doc.openDue.push(dossier.dueAt.getTime());
        doc.watch!.push(watched);
      }
    }
  }
  await hooks.afterRead?.(); // tests: another import between this recount's read and its write
  const collection = collectionOf<DossierFigureDoc>(models.DossierFigure);
  const docs = [...figures.values()];
  for (let i = 0; i < docs.length; i += 500) {
    await collection.bulkWrite(
      docs.slice(i, i + 500).map((doc) => ({
        replaceOne: {
          filter: { _id: doc._id },
          replacement: { ...doc, openDue: doc.openDue.sort((a, b) => a - b), watch: doc.watch!.sort((a, b) => a.dueAt - b.dueAt) },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
  const stale = (await collection.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id).filter((id) => !figures.has(id));
  await deleteByIds(collection, stale);
  return { dossiers, figures: docs.length };
}

function watchedOf(d: DossierDoc): WatchedDossier {
  return {
    unitCode: d.unitCode,
    procedureCode: d.procedureCode,
    procedureName: d.procedureName,
    channel: d.channel,
    receivedAt: d.receivedAt.getTime(),
    dueAt: d.dueAt.getTime(),
    ...(d.returnedAt ? { returnedAt: d.returnedAt.getTime() } : {}),
    apologySent: d.apologySent,
  };
}

/** The one-stop counts of a dossier in the month it was received: online, and paid online of those with a fee. */
function countReceived(doc: DossierFigureDoc, dossier: DossierDoc): void {
  const counts = doc.oneStop!;
  counts.received += 1;
  if (dossier.channel === 'online') counts.online += 1;
  if (typeof dossier.paidOnline === 'boolean') {
    counts.withFee += 1;
    if (dossier.paidOnline) counts.paidOnline += 1;
  }
}

/** The one-stop counts of a dossier in the month it was returned: digitised, and complained about. */
function countReturned(doc: DossierFigureDoc, dossier: DossierDoc): void {
  const counts = doc.oneStop!;
  if (typeof dossier.digitised === 'boolean') {
    counts.digitisedKnown += 1;
    if (dossier.digitised) counts.digitised += 1;
  }
  if (typeof dossier.complaint === 'boolean') {
    counts.complaintKnown += 1;
    if (dossier.complaint) counts.complaints += 1;
  }
}

/** Adds one returned dossier to the row `matches` finds in `rows`, or to a new row from `create`. */
function countIn<T extends { returned: number; onTime: number }>(rows: T[], matches: (row: T) => boolean, create: () => T, onTime: boolean): void {
  let row = rows.find(matches);
  if (!row) rows.push((row = create()));
  row.returned += 1;
  if (onTime) row.onTime += 1;
}
