import { MAX_ROW_ERRORS, parseUnitsCsv } from '../../src/units/unit-csv';
import type { Unit } from '../../src/units/unit.model';

const HEADER = 'code,name,type,level,district,parent';
const SGD = 'SGD,Sở Giáo dục và Đào tạo tỉnh Mẫu,department,,,';
const PGD_TPM = 'PGD-TPM,Phòng Giáo dục và Đào tạo thành phố Mẫu,district_office,,Thành phố Mẫu,SGD';
const TH_KIMDONG = 'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,tieuhoc,Thành phố Mẫu,PGD-TPM';
const MOTCUA = 'MOTCUA,Bộ phận Một cửa Sở GDĐT,desk,,,SGD';

const csv = (...lines: string[]): string => `${lines.join('\n')}\n`;
const none: ReadonlyMap<string, Unit> = new Map();

function storedProvince(): ReadonlyMap<string, Unit> {
  const units: Unit[] = [
    { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] },
    {
      code: 'PGD-HSG',
      name: 'Phòng Giáo dục và Đào tạo huyện Sông Gianh',
      type: 'district_office',
      district: 'Huyện Sông Gianh',
      parentCode: 'SGD',
      ancestors: ['SGD'],
    },
  ];
  return new Map(units.map((unit) => [unit.code, unit]));
}

describe('parseUnitsCsv', () => {
  it('when a valid file has a BOM, CRLF lines and a quoted name with a comma, then every unit is returned with its fields', () => {
    const text = `\uFEFF${[HEADER, SGD, PGD_TPM, 'MN-HOAHONG,"Trường Mầm non Hoa Hồng, cơ sở 2",school,mamnon,Thành phố Mẫu,PGD-TPM', MOTCUA].join('\r\n')}\r\n`;
    const { units, errors } = parseUnitsCsv(text, none);
    expect(errors).toEqual([]);
    expect(units.map((unit) => unit.code)).toEqual(['SGD', 'PGD-TPM', 'MOTCUA', 'MN-HOAHONG']);
    expect(units.find((unit) => unit.code === 'MN-HOAHONG')).toEqual({
      code: 'MN-HOAHONG',
      name: 'Trường Mầm non Hoa Hồng, cơ sở 2',
      type: 'school',
      level: 'mamnon',
      district: 'Thành phố Mẫu',
      parentCode: 'PGD-TPM',
      ancestors: ['SGD', 'PGD-TPM'],
    });
    expect(units[0]).toEqual({ code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] });
  });

  it('when columns come in another order with blank lines between rows, then they are matched by name', () => {
    const text = csv(
      'parent,type,code,name,level,district',
      '',
      ',department,SGD,Sở Giáo dục và Đào tạo tỉnh Mẫu,,',
      '',
      'SGD,desk,MOTCUA,Bộ phận Một cửa Sở GDĐT,,',
    );
    const { units, errors } = parseUnitsCsv(text, none);
    expect(errors).toEqual([]);
    expect(units.map((unit) => [unit.code, unit.type, unit.ancestors])).toEqual([
      ['SGD', 'department', []],
      ['MOTCUA', 'desk', ['SGD']],
    ]);
  });

  it('when children come before their parents across 3 levels, then ancestors are root first and parents are returned first', () => {
    const text = csv(HEADER, TH_KIMDONG, PGD_TPM, SGD);
    const { units, errors } = parseUnitsCsv(text, none);
    expect(errors).toEqual([]);
    expect(units.map((unit) => [unit.code, unit.ancestors])).toEqual([
      ['SGD', []],
      ['PGD-TPM', ['SGD']],
      ['TH-KIMDONG', ['SGD', 'PGD-TPM']],
    ]);
  });

  it('when the parent is only in the stored units, then it resolves there and ancestors continue through it', () => {
    const text = csv(HEADER, 'THCS-LETHANHTONG,Trường THCS Lê Thánh Tông,school,thcs,Huyện Sông Gianh,PGD-HSG');
    const { units, errors } = parseUnitsCsv(text, storedProvince());
    expect(errors).toEqual([]);
    expect(units).toHaveLength(1);
    expect(units[0]?.ancestors).toEqual(['SGD', 'PGD-HSG']);
  });

  it('when a stored unit is in the file under a new parent, then its ancestors are recomputed from the file', () => {
    const text = csv(HEADER, PGD_TPM, 'PGD-HSG,Phòng Giáo dục và Đào tạo huyện Sông Gianh,district_office,,Huyện Sông Gianh,PGD-TPM');
    const { units, errors } = parseUnitsCsv(text, storedProvince());
    expect(errors).toEqual([]);
    expect(units.find((unit) => unit.code === 'PGD-HSG')?.ancestors).toEqual(['SGD', 'PGD-TPM']);
  });

  it('when the header lacks a column, then row 1 names it and no unit is returned', () => {
    const { units, errors } = parseUnitsCsv(csv('code,name,type,district,parent', 'SGD,Sở Giáo dục và Đào tạo tỉnh Mẫu,department,,'), none);
    expect(units).toEqual([]);
    expect(errors).toEqual([{ row: 1, field: 'level', message: expect.stringContaining('"level"') }]);
  });

  it('when the header has an unknown column, then row 1 reports it', () => {
    const { errors } = parseUnitsCsv(csv(`${HEADER},phone`, `${SGD},0232 3822 123`), none);
    expect(errors).toEqual([{ row: 1, message: expect.stringContaining('unknown column "phone"') }]);
  });

  it('when the file is empty, then row 1 says the header is missing', () => {
    expect(parseUnitsCsv('\uFEFF\n\n', none).errors).toEqual([{ row: 1, message: expect.stringContaining('no header line') }]);
  });

  it('when a type is unknown, then that row and field are reported in Vietnamese then English', () => {
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, 'PGD-TPM,Phòng Giáo dục và Đào tạo thành phố Mẫu,phong_gd,,Thành phố Mẫu,SGD'), none);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 3, field: 'type' });
    expect(errors[0]?.message).toMatch(/^Loại đơn vị "phong_gd" không hợp lệ .* \/ unknown unit type "phong_gd"/);
  });

  it('when a school has no level, then the level is reported as required', () => {
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, PGD_TPM, 'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,,Thành phố Mẫu,PGD-TPM'), none);
    expect(errors).toEqual([{ row: 4, field: 'level', message: expect.stringContaining('needs a level') }]);
  });

  it('when a parent code does not exist, then the message names it in both languages', () => {
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, 'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,tieuhoc,Thành phố Mẫu,PGD-TPX'), none);
    expect(errors).toEqual([{ row: 3, field: 'parent', message: 'Mã đơn vị cha "PGD-TPX" không tồn tại / parent unit "PGD-TPX" does not exist' }]);
  });

  it('when a code appears twice, then the second row is reported with the first row number', () => {
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, PGD_TPM, 'PGD-TPM,Phòng GD&ĐT thành phố Mẫu (trùng),district_office,,,SGD'), none);
    expect(errors).toEqual([{ row: 4, field: 'code', message: expect.stringContaining('duplicates row 3') }]);
  });

  it('when parents form a cycle, then every row in it is reported and no unit is returned', () => {
    const text = csv(
      HEADER,
      SGD,
      'PGD-A,Phòng Giáo dục và Đào tạo huyện A,district_office,,Huyện A,PGD-B',
      'PGD-B,Phòng Giáo dục và Đào tạo huyện B,district_office,,Huyện B,PGD-A',
      'TH-A,Trường Tiểu học A,school,tieuhoc,Huyện A,PGD-A',
    );
    const { units, errors } = parseUnitsCsv(text, none);
    expect(units).toEqual([]);
    expect(errors.map((error) => [error.row, error.field])).toEqual([
      [3, 'parent'],
      [4, 'parent'],
    ]);
    expect(errors[0]?.message).toContain('cycle');
  });

  it('when a file re-parents a stored unit under its own child, then the cycle through stored units is found', () => {
    const stored = storedProvince();
    const school: Unit = {
      code: 'TH-HSG',
      name: 'Trường Tiểu học Sông Gianh',
      type: 'school',
      level: 'tieuhoc',
      parentCode: 'PGD-HSG',
      ancestors: ['SGD', 'PGD-HSG'],
    };
    const existing = new Map([...stored, [school.code, school]]);
    const { errors } = parseUnitsCsv(csv(HEADER, 'PGD-HSG,Phòng Giáo dục và Đào tạo huyện Sông Gianh,district_office,,,TH-HSG'), existing);
    expect(errors).toEqual([{ row: 2, field: 'parent', message: expect.stringContaining('PGD-HSG → TH-HSG → PGD-HSG') }]);
  });

  it('when a name is missing, then that row reports the name field', () => {
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, 'MOTCUA,  ,desk,,,SGD'), none);
    expect(errors).toEqual([{ row: 3, field: 'name', message: expect.stringContaining('name is required') }]);
  });

  it('when several rows are wrong, then all errors are collected in row order, a multi-line quoted row counted from its first line', () => {
    const text = csv(
      HEADER,
      'SGD,"Sở Giáo dục và Đào tạo\ntỉnh Mẫu",department,,,',
      'bad code!,Trường Tiểu học Kim Đồng,school,tieuhoc,,SGD',
      'TH-X,,school,daihoc,,',
    );
    const { errors } = parseUnitsCsv(text, none);
    expect(errors.map((error) => [error.row, error.field])).toEqual([
      [4, 'code'],
      [5, 'name'],
      [5, 'level'],
      [5, 'parent'],
    ]);
  });

  it('when a file has thousands of bad rows, then at most 200 errors are returned', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `TH-${i},Trường ${i},school,,,SGD`);
    const { errors } = parseUnitsCsv(csv(HEADER, SGD, ...rows), none);
    expect(errors).toHaveLength(MAX_ROW_ERRORS);
    expect(errors[0]?.row).toBe(3);
  });

  it('when a quote is never closed, then the CSV error points at the row that opened it', () => {
    const { units, errors } = parseUnitsCsv(csv(HEADER, SGD, 'MOTCUA,"Bộ phận Một cửa,desk,,,SGD', 'TH-A,Trường Tiểu học A,school,tieuhoc,,SGD'), none);
    expect(units).toEqual([]);
    expect(errors).toEqual([{ row: 3, message: expect.stringMatching(/^Tệp CSV sai định dạng: .* \/ malformed CSV: a quote/) }]);
  });
});
