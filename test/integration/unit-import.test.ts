import type { Database } from '../../src/db';
import { dayOf } from '../../src/responses/period';
import { importUnits } from '../../src/units/unit-import';
import { unitModel, type UnitModel } from '../../src/units/unit.model';
import { connectTestDatabase } from '../helpers/test-db';

const HEADER = 'code,name,type,level,district,parent';
const PROVINCE = [
  HEADER,
  'SGD,Sở Giáo dục và Đào tạo tỉnh Mẫu,department,,,',
  'MOTCUA,Bộ phận Một cửa Sở GDĐT,desk,,,SGD',
  'PGD-TPM,Phòng Giáo dục và Đào tạo thành phố Mẫu,district_office,,Thành phố Mẫu,SGD',
  'PGD-SG,Phòng Giáo dục và Đào tạo huyện Sông Gianh,district_office,,Huyện Sông Gianh,SGD',
  'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,tieuhoc,Thành phố Mẫu,PGD-TPM',
  'MN-HOAHONG,"Trường Mầm non Hoa Hồng, cơ sở 2",school,mamnon,Thành phố Mẫu,PGD-TPM',
  'THCS-LTT,Trường THCS Lê Thánh Tông,school,thcs,Huyện Sông Gianh,PGD-SG',
  'TH-SONGGIANH,Trường Tiểu học Sông Gianh,school,tieuhoc,Huyện Sông Gianh,PGD-SG',
  'THPT-PCT,Trường THPT Phan Châu Trinh,school,thpt,Thành phố Mẫu,SGD',
  'GDNN-GDTX,Trung tâm GDNN-GDTX thành phố Mẫu,center,gdtx,Thành phố Mẫu,SGD',
].join('\n');
const PROVINCE_ROWS = 10;

describe('importUnits against the database', () => {
  let db: Database;
  let Unit: UnitModel;

  beforeAll(async () => {
    db = await connectTestDatabase();
    Unit = unitModel(db.connection);
    await Unit.init();
  });
  afterAll(() => db.close());
  beforeEach(() => Unit.deleteMany({}));

  async function ancestorsByCode(): Promise<Record<string, string[]>> {
    const units = await Unit.find({}, { _id: 0, code: 1, ancestors: 1 }).lean();
    return Object.fromEntries(units.map((unit) => [unit.code, unit.ancestors]));
  }

  it('when a good file is imported, then every row is stored with its fields and ancestors', async () => {
    await expect(importUnits(Unit, `\uFEFF${PROVINCE}\n`)).resolves.toEqual({ imported: PROVINCE_ROWS, errors: [], moved: 0 });

    expect(await Unit.countDocuments()).toBe(PROVINCE_ROWS);
    expect(await ancestorsByCode()).toEqual({
      SGD: [],
      MOTCUA: ['SGD'],
      'PGD-TPM': ['SGD'],
      'PGD-SG': ['SGD'],
      'TH-KIMDONG': ['SGD', 'PGD-TPM'],
      'MN-HOAHONG': ['SGD', 'PGD-TPM'],
      'THCS-LTT': ['SGD', 'PGD-SG'],
      'TH-SONGGIANH': ['SGD', 'PGD-SG'],
      'THPT-PCT': ['SGD'],
      'GDNN-GDTX': ['SGD'],
    });
    const kindergarten = await Unit.findOne({ code: 'MN-HOAHONG' }, { _id: 0, createdAt: 0, updatedAt: 0, __v: 0 }).lean();
    expect(kindergarten).toEqual({
      code: 'MN-HOAHONG',
      name: 'Trường Mầm non Hoa Hồng, cơ sở 2',
      type: 'school',
      level: 'mamnon',
      district: 'Thành phố Mẫu',
      parentCode: 'PGD-TPM',
      ancestors: ['SGD', 'PGD-TPM'],
      history: [{ from: dayOf(new Date()), name: 'Trường Mầm non Hoa Hồng, cơ sở 2', parentCode: 'PGD-TPM' }],
    });
  });

  it('when one row among good ones is bad, then nothing is written and the row number is reported', async () => {
    await importUnits(Unit, PROVINCE);
    const more = [
      HEADER,
      'TH-NGUYENTRAI,Trường Tiểu học Nguyễn Trãi,school,tieuhoc,Thành phố Mẫu,PGD-TPM',
      'THCS-NGUYENDU,Trường THCS Nguyễn Du,school,thcs,Thành phố Mẫu,PGD-TPX',
      'MN-SONCA,Trường Mầm non Sơn Ca,school,mamnon,Huyện Sông Gianh,PGD-SG',
    ].join('\n');

    const result = await importUnits(Unit, more);

    expect(result).toEqual({
      imported: 0,
      moved: 0,
      errors: [{ row: 3, field: 'parent', message: 'Mã đơn vị cha "PGD-TPX" không tồn tại / parent unit "PGD-TPX" does not exist' }],
    });
    expect(await Unit.countDocuments()).toBe(PROVINCE_ROWS);
    expect(await Unit.exists({ code: 'TH-NGUYENTRAI' })).toBeNull();
  });

  it('when the same file is imported twice, then the second import changes nothing and adds no duplicates', async () => {
    await importUnits(Unit, PROVINCE);
    const before = await ancestorsByCode();

    await expect(importUnits(Unit, PROVINCE)).resolves.toEqual({ imported: PROVINCE_ROWS, errors: [], moved: 0 });

    expect(await Unit.countDocuments()).toBe(PROVINCE_ROWS);
    expect(await ancestorsByCode()).toEqual(before);
  });

  it('when a district office is re-parented, then its schools not in the file get the new ancestors', async () => {
    await importUnits(Unit, PROVINCE);
    // After a merger the Sông Gianh office reports to the city office; its schools are not in this file.
    const merger = [HEADER, 'PGD-SG,Phòng Giáo dục và Đào tạo huyện Sông Gianh (sáp nhập),district_office,,,PGD-TPM'].join('\n');

    await expect(importUnits(Unit, merger)).resolves.toEqual({ imported: 1, errors: [], moved: 3 });

    const ancestors = await ancestorsByCode();
    expect(ancestors['PGD-SG']).toEqual(['SGD', 'PGD-TPM']);
    expect(ancestors['THCS-LTT']).toEqual(['SGD', 'PGD-TPM', 'PGD-SG']);
    expect(ancestors['TH-SONGGIANH']).toEqual(['SGD', 'PGD-TPM', 'PGD-SG']);
    expect(ancestors['TH-KIMDONG']).toEqual(['SGD', 'PGD-TPM']);
    // The emptied district cell cleared the stored value; the subtree query now finds the merged schools.
    const office = await Unit.findOne({ code: 'PGD-SG' }).lean();
    expect(office?.district).toBeUndefined();
    expect(office?.parentCode).toBe('PGD-TPM');
    expect(await Unit.countDocuments({ ancestors: 'PGD-TPM' })).toBe(5);
  });

  it('when an earlier import stopped after moving an office but before its schools, then importing again repairs them', async () => {
    await importUnits(Unit, PROVINCE);
    // What an interrupted bulkWrite leaves behind: no transactions, so the office moved and its schools did not.
    await Unit.updateOne({ code: 'PGD-SG' }, { $set: { parentCode: 'PGD-TPM', ancestors: ['SGD', 'PGD-TPM'] } });
    const merger = [HEADER, 'PGD-SG,Phòng Giáo dục và Đào tạo huyện Sông Gianh,district_office,,Huyện Sông Gianh,PGD-TPM'].join('\n');

    await importUnits(Unit, merger);

    const ancestors = await ancestorsByCode();
    expect(ancestors['THCS-LTT']).toEqual(['SGD', 'PGD-TPM', 'PGD-SG']);
    expect(ancestors['TH-SONGGIANH']).toEqual(['SGD', 'PGD-TPM', 'PGD-SG']);
  });
});

describe('importUnits with valid_from and merged_into', () => {
  let db: Database;
  let Unit: UnitModel;
  const HISTORY_HEADER = `${HEADER},valid_from,merged_into`;
  const NOW = new Date('2026-12-03T03:00:00Z');

  beforeAll(async () => {
    db = await connectTestDatabase();
    Unit = unitModel(db.connection);
    await Unit.init();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await Unit.deleteMany({});
    await importUnits(Unit, PROVINCE, new Date('2024-09-01T03:00:00Z'));
  });

  const stored = (code: string) => Unit.findOne({ code }, { _id: 0, createdAt: 0, updatedAt: 0, __v: 0 }).lean();

  it('when a school merges into another on a date, then it sits under that school from then, keeps its history, and a re-import changes nothing', async () => {
    const merger = [HISTORY_HEADER, 'TH-SONGGIANH,Trường Tiểu học Sông Gianh,school,tieuhoc,Huyện Sông Gianh,PGD-SG,2025-07-01,TH-KIMDONG'].join('\n');

    await expect(importUnits(Unit, merger, NOW)).resolves.toEqual({ imported: 1, errors: [], moved: 1 });
    const merged = await stored('TH-SONGGIANH');
    expect(merged).toMatchObject({
      parentCode: 'TH-KIMDONG',
      mergedInto: 'TH-KIMDONG',
      retiredFrom: '2025-07-01',
      ancestors: ['SGD', 'PGD-TPM', 'TH-KIMDONG'],
    });
    expect(merged?.history).toEqual([
      { from: '2024-09-01', name: 'Trường Tiểu học Sông Gianh', parentCode: 'PGD-SG' },
      { from: '2025-07-01', name: 'Trường Tiểu học Sông Gianh', parentCode: 'TH-KIMDONG', mergedInto: 'TH-KIMDONG' },
    ]);

    await expect(importUnits(Unit, merger, new Date('2026-12-04T03:00:00Z'))).resolves.toEqual({ imported: 1, errors: [], moved: 0 });
    expect(await stored('TH-SONGGIANH')).toEqual(merged);
  });

  it('when the district level goes, then a commune takes its schools from the day given and the schools below it follow', async () => {
    const communes = [
      HISTORY_HEADER,
      'XA-SONGGIANH,UBND xã Sông Gianh,commune,,Huyện Sông Gianh,SGD,2025-07-01,',
      'THCS-LTT,Trường THCS Lê Thánh Tông,school,thcs,Huyện Sông Gianh,XA-SONGGIANH,2025-07-01,',
      'TH-SONGGIANH,Trường Tiểu học Sông Gianh,school,tieuhoc,Huyện Sông Gianh,XA-SONGGIANH,2025-07-01,',
    ].join('\n');

    await expect(importUnits(Unit, communes, NOW)).resolves.toEqual({ imported: 3, errors: [], moved: 2 });
    expect(await stored('XA-SONGGIANH')).toMatchObject({
      type: 'commune',
      ancestors: ['SGD'],
      history: [{ from: '2025-07-01', name: 'UBND xã Sông Gianh', parentCode: 'SGD' }],
    });
    expect((await stored('THCS-LTT'))?.ancestors).toEqual(['SGD', 'XA-SONGGIANH']);
    expect((await stored('THCS-LTT'))?.history?.map((v) => [v.from, v.parentCode])).toEqual([
      ['2024-09-01', 'PGD-SG'],
      ['2025-07-01', 'XA-SONGGIANH'],
    ]);
    await expect(importUnits(Unit, communes, NOW)).resolves.toEqual({ imported: 3, errors: [], moved: 0 });
  });

  it('when a row is dated wrongly or merges where it cannot, then nothing is written and each row says why', async () => {
    await importUnits(Unit, [HISTORY_HEADER, 'TH-SONGGIANH,Trường Tiểu học Sông Gianh,school,tieuhoc,,PGD-SG,2025-07-01,TH-KIMDONG'].join('\n'), NOW);
    const before = await Unit.find({}, { _id: 0, updatedAt: 0 }).sort({ code: 1 }).lean();
    const bad = [
      HISTORY_HEADER,
      'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,tieuhoc,,PGD-TPM,2026-12-04,', // after today (Vietnam time)
      'MN-HOAHONG,Trường Mầm non Hoa Hồng,school,mamnon,,PGD-TPM,2025-02-30,', // no such day
      'THCS-LTT,Trường THCS Lê Thánh Tông,school,thcs,,PGD-SG,,THCS-NONE', // unknown unit
      'THPT-PCT,Trường THPT Phan Châu Trinh,school,thpt,,SGD,,TH-SONGGIANH', // into a merged school
      'GDNN-GDTX,Trung tâm GDNN-GDTX,center,gdtx,,SGD,,GDNN-GDTX', // into itself
      'TH-SONGGIANH,Trường TH Sông Gianh (cũ),school,tieuhoc,,PGD-SG,2025-01-01,TH-KIMDONG', // renamed before its merger was recorded
    ].join('\n');

    const result = await importUnits(Unit, bad, NOW);

    expect(result.imported).toBe(0);
    expect(result.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'valid_from'],
      [3, 'valid_from'],
      [4, 'merged_into'],
      [5, 'merged_into'],
      [6, 'merged_into'],
      [7, 'valid_from'],
    ]);
    expect(result.errors[0]?.message).toContain('sau hôm nay');
    expect(await Unit.find({}, { _id: 0, updatedAt: 0 }).sort({ code: 1 }).lean()).toEqual(before);
  });
});
