import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Database } from '../../src/db';
import { importDossiers, recountIfBehind, recountUntilStable } from '../../src/dossiers/dossier-import';
import { rebuildDossierFigures } from '../../src/dossiers/dossier-figures';
import { PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { createModels, type Models } from '../../src/models';
import { normalizeDossierCode, saltedHash } from '../../src/responses/hashing';
import { FIXTURE_UNITS } from '../helpers/survey-fixtures';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';
import { Projector } from '../../src/projector/projector';

/** `npm run dossiers:import` (issue 15): all or nothing, upserted by the hashed code, CSV or XLSX. */
const SALT = 'dossier-test-salt';
const NOW = new Date('2026-04-01T00:00:00Z');
const HEADER = 'dossier_code,procedure_code,procedure_name,unit_code,received_at,due_at,returned_at,channel,apology_sent';
const ROWS = [
  'HS-2026-0001,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05T10:00,direct,false',
  'HS-2026-0002,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-09,online,true',
  'HS-2026-0003,TTHC-CN,Công nhận trường đạt chuẩn,SGD,2026-03-10,2026-03-30,,postal,false',
];
const csv = (...rows: string[]) => Buffer.from(`\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`, 'utf8');
const idOf = (code: string) => saltedHash(SALT, normalizeDossierCode(code));

describe('dossier import', () => {
  let db: Database;
  /** one for the file: an import nested in a recount (below) runs inside the same projector's lease */
  let projector: Projector;
  let models: Models;

  beforeAll(async () => {
    db = await connectTestDatabase();
    projector = new Projector(db.connection);
    models = createModels(db.connection);
    await models.Unit.insertMany(FIXTURE_UNITS);
  });
  afterAll(() => db.close());

  it('when a file is imported twice, then the second import changes nothing; codes are stored only as their hash', async () => {
    const first = await importDossiers(models, projector, SALT, csv(...ROWS), NOW);
    expect(first).toEqual({ rows: 3, inserted: 3, updated: 0, unchanged: 0, errors: [] });
    const again = await importDossiers(models, projector, SALT, csv(...ROWS), new Date(NOW.getTime() + 3600_000));
    expect(again).toEqual({ rows: 3, inserted: 0, updated: 0, unchanged: 3, errors: [] });
    const stored = await models.Dossier.find({}).lean();
    expect(stored.map((d) => d._id).sort()).toEqual(['HS-2026-0001', 'HS-2026-0002', 'HS-2026-0003'].map(idOf).sort());
    expect(JSON.stringify(stored)).not.toMatch(/HS-2026/);
    const late = stored.find((d) => d._id === idOf('HS-2026-0002'))!;
    expect(late).toMatchObject({ unitCode: 'MOTCUA', channel: 'online', apologySent: true, firstImportedAt: NOW });
    expect(late.dueAt.toISOString()).toBe('2026-03-06T16:59:59.999Z');
    expect(late.returnedAt?.toISOString()).toBe('2026-03-08T17:00:00.000Z');
  });

  it('when a later export returns an open dossier, then only that dossier changes (a code written differently is the same dossier)', async () => {
    const later = [ROWS[0]!, ROWS[1]!, 'hs-2026- 0003,TTHC-CN,Công nhận trường đạt chuẩn,SGD,2026-03-10,2026-03-30,2026-03-28,postal,false'];
    expect(await importDossiers(models, projector, SALT, csv(...later), NOW)).toEqual({ rows: 3, inserted: 0, updated: 1, unchanged: 2, errors: [] });
    expect((await models.Dossier.findById(idOf('HS-2026-0003')).lean())?.returnedAt?.toISOString()).toBe('2026-03-27T17:00:00.000Z');
    // An export without the return date does not take it away.
    expect(await importDossiers(models, projector, SALT, csv(...ROWS), NOW)).toMatchObject({ updated: 0, unchanged: 3 });
    expect((await models.Dossier.findById(idOf('HS-2026-0003')).lean())?.returnedAt).toBeDefined();
  });

  it('when one row is bad, then nothing of the file is written and the error names the row', async () => {
    const before = await models.Dossier.countDocuments();
    const result = await importDossiers(
      models,
      projector,
      SALT,
      csv(
        'HS-2026-0100,TTHC-VB,Cấp bản sao,MOTCUA,2026-03-02,2026-03-06,,direct,false',
        'HS-2026-0101,TTHC-VB,Cấp bản sao,MOTCUA,2026-03-09,2026-03-06,,direct,false',
      ),
      NOW,
    );
    expect(result.rows).toBe(0);
    expect(result.errors).toEqual([expect.objectContaining({ row: 3, field: 'due_at' })]);
    expect(await models.Dossier.countDocuments()).toBe(before);
  });

  it('when the file is XLSX with date cells, then it imports like the CSV, dates read as Vietnamese wall-clock time', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Hồ sơ');
    sheet.addRow(HEADER.split(','));
    sheet.addRow([
      'HS-2026-0200',
      'TTHC-VB',
      'Cấp bản sao văn bằng',
      'MOTCUA',
      new Date(Date.UTC(2026, 2, 2)),
      new Date(Date.UTC(2026, 2, 6)),
      new Date(Date.UTC(2026, 2, 6, 15, 30)),
      'direct',
      false,
    ]);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    expect(await importDossiers(models, projector, SALT, bytes, NOW)).toEqual({ rows: 1, inserted: 1, updated: 0, unchanged: 0, errors: [] });
    const stored = (await models.Dossier.findById(idOf('HS-2026-0200')).lean())!;
    expect(stored.receivedAt.toISOString()).toBe('2026-03-01T17:00:00.000Z');
    expect(stored.dueAt.toISOString()).toBe('2026-03-06T16:59:59.999Z');
    expect(stored.returnedAt?.toISOString()).toBe('2026-03-06T08:30:00.000Z');
  });

  it('when another import stores dossiers while a recount is between its read and its write, then the figures left still count them', async () => {
    const figures = async () => (await models.DossierFigure.find({}).lean()).sort((a, b) => a._id.localeCompare(b._id));
    const file = (from: number) =>
      csv(
        ...Array.from(
          { length: 40 },
          (_, i) =>
            `RACE-${from + i},TTHC-VB,Cấp bản sao văn bằng,${i % 2 ? 'MOTCUA' : 'SGD'},2026-03-02,2026-03-06,${i % 7 ? '2026-03-05' : '2026-03-09'},direct,false`,
        ),
      );
    // The other import runs whole (rows, then its own recount) inside this recount's window: this recount read
    // before those rows existed, so the write it is about to make lacks them.
    await recountUntilStable(models, projector, {
      afterFirstRead: async () => {
        await importDossiers(models, projector, SALT, file(0), NOW);
      },
    });
    const left = await figures();
    await rebuildDossierFigures(models);
    expect(left).toEqual(await figures());
    expect(left.find((f) => f._id === '2026-03|SGD')?.returned).toBeGreaterThanOrEqual(40);
    // And two whole imports at once.
    await Promise.all([importDossiers(models, projector, SALT, file(100), NOW), importDossiers(models, projector, SALT, file(200), NOW)]);
    const after = await figures();
    await rebuildDossierFigures(models);
    expect(after).toEqual(await figures());
  });

  it('when an import dies after storing its rows and before its recount, then the next start recounts them, once', async () => {
    const figures = async () => (await models.DossierFigure.find({}).lean()).sort((a, b) => a._id.localeCompare(b._id));
    expect(await recountIfBehind(models, projector)).toBe(false);
    // The process is killed once the rows are stored: the recount never runs.
    const dying = {
      exclusive: () => {
        throw new Error('killed');
      },
    } as unknown as Projector;
    await expect(
      importDossiers(models, dying, SALT, csv('CRASH-1,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05,direct,false'), NOW),
    ).rejects.toThrow('killed');
    const stale = await figures();
    expect(await recountIfBehind(models, projector)).toBe(true);
    const recounted = await figures();
    expect(recounted).not.toEqual(stale);
    await rebuildDossierFigures(models);
    expect(recounted).toEqual(await figures());
    expect(await recountIfBehind(models, projector)).toBe(false);
  });

  it('when npm run dossiers:import runs on a file, then it reports the counts, and a bad file exits 1 with the row', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-dossiers-'));
    const good = path.join(dir, 'good.csv');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(good, csv('HS-2026-0300,TTHC-VB,Cấp bản sao,MOTCUA,2026-03-02,2026-03-06,,direct,false').toString('utf8').replace(/,/g, ';'));
    fs.writeFileSync(bad, csv('HS-2026-0301,TTHC-VB,Cấp bản sao,KHONGCO,2026-03-02,2026-03-06,,direct,false'));
    const run = (file: string) =>
      spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'dossiers-import.js'), file], {
        env: { PATH: process.env.PATH, MONGODB_URI: testDatabaseUri(), LOG_LEVEL: 'error' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = run(good);
    expect(ok.stdout).toContain('1 dossier(s): 1 new');
    expect(ok.status).toBe(0);
    const refused = run(bad);
    expect(refused.stderr).toContain('row 2 (unit_code)');
    expect(refused.status).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
