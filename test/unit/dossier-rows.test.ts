import { parseDossierDate } from '../../src/dossiers/dossier-dates';
import { parseDossierRecords } from '../../src/dossiers/dossier-rows';
import { readCsvRecords } from '../../src/imports/csv-records';

const HEADER = 'dossier_code,procedure_code,procedure_name,unit_code,received_at,due_at,returned_at,channel,apology_sent';
const records = (...lines: string[]) => readCsvRecords([HEADER, ...lines].join('\n'), () => undefined)!;
const UNITS = new Set(['MOTCUA', 'SGD']);

describe('dossier dates', () => {
  it('when a date has no time, then it is the start of that day in Asia/Ho_Chi_Minh, or its end for a due date', () => {
    expect(parseDossierDate('2026-03-14', 'start')?.toISOString()).toBe('2026-03-13T17:00:00.000Z');
    expect(parseDossierDate('2026-03-14', 'end')?.toISOString()).toBe('2026-03-14T16:59:59.999Z');
  });

  it('when a date-time has no offset, then it is Vietnamese time; with one, that offset', () => {
    expect(parseDossierDate('2026-03-14T09:30', 'start')?.toISOString()).toBe('2026-03-14T02:30:00.000Z');
    expect(parseDossierDate('2026-03-14 09:30:15', 'start')?.toISOString()).toBe('2026-03-14T02:30:15.000Z');
    expect(parseDossierDate('2026-03-14T09:30:00Z', 'start')?.toISOString()).toBe('2026-03-14T09:30:00.000Z');
    expect(parseDossierDate('2026-03-14T09:30:00+0100', 'start')?.toISOString()).toBe('2026-03-14T08:30:00.000Z');
  });

  it('when a date does not exist or is not ISO 8601, then it is refused', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '14/03/2026', '2026-03-14T24:00', '2026-3-4', '', 'hôm qua'])
      expect(parseDossierDate(bad, 'start')).toBeUndefined();
  });
});

describe('dossier rows', () => {
  it('when every row is valid, then each is read with its dates, channel and apology', () => {
    const parsed = parseDossierRecords(
      records(
        'HS-001,TTHC-1,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-06T16:00,direct,false',
        'hs 002,TTHC-2,"Công nhận tốt nghiệp, bản sao",SGD,2026-03-02T08:00,2026-03-09,,online,TRUE',
      ),
      UNITS,
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.dossiers).toHaveLength(2);
    expect(parsed.dossiers[0]).toMatchObject({
      line: 2,
      code: 'HS-001',
      unitCode: 'MOTCUA',
      channel: 'direct',
      apologySent: false,
      returnedAt: new Date('2026-03-06T09:00:00Z'),
    });
    expect(parsed.dossiers[1]).toMatchObject({ procedureName: 'Công nhận tốt nghiệp, bản sao', apologySent: true });
    expect(parsed.dossiers[1]!.returnedAt).toBeUndefined();
  });

  it('when rows are bad, then each error names its row and column and nothing is returned to write', () => {
    const parsed = parseDossierRecords(
      records(
        'HS-001,TTHC-1,Cấp bản sao,NOWHERE,2026-03-02,2026-03-06,,direct,false',
        'HS-002,TTHC-1,Cấp bản sao,MOTCUA,2026-03-10,2026-03-06,,direct,false',
        'HS-003,TTHC-1,Cấp bản sao,MOTCUA,06/03/2026,2026-03-06,2026-03-01,fax,maybe',
        'HS-004,TTHC-1,Cấp bản sao,MOTCUA,2026-03-02,2026-03-06,,online,',
        'hs-004,TTHC-1,Cấp bản sao,MOTCUA,2026-03-02,2026-03-06,,online,',
      ),
      UNITS,
    );
    expect(parsed.dossiers).toEqual([]);
    expect(parsed.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'unit_code'],
      [3, 'due_at'],
      [4, 'received_at'],
      [4, 'channel'],
      [4, 'apology_sent'],
      [6, 'dossier_code'],
    ]);
  });

  it('when the header lacks a column or has an unknown one, then the file is refused at the header', () => {
    const parsed = parseDossierRecords(
      readCsvRecords('dossier_code,unit_code,colour\nHS-1,MOTCUA,red', () => undefined)!,
      UNITS,
    );
    expect(parsed.dossiers).toEqual([]);
    expect(parsed.errors.map((e) => e.row)).toEqual([1, 1]);
    expect(parsed.errors[1]!.message).toContain('procedure_code');
  });
});
