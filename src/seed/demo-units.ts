import type { Unit } from '../units/unit.model';
import type { SchoolLevel } from '../surveys/instrument.types';

/**
 * A made-up province for demos: the department, four district offices each with a preschool, a primary and a
 * lower-secondary school, upper-secondary schools and a GDTX centre under the department, and the one-stop desk.
 */
const DISTRICTS = [
  { key: 'TPM', name: 'Thành phố Mẫu', schools: ['Hoa Sen', 'Kim Đồng', 'Lê Quý Đôn'] },
  { key: 'ANPHU', name: 'Huyện An Phú', schools: ['Sơn Ca', 'Nguyễn Du', 'Trần Phú'] },
  { key: 'BINHSON', name: 'Huyện Bình Sơn', schools: ['Họa Mi', 'Võ Thị Sáu', 'Lý Tự Trọng'] },
  { key: 'CAOLANH', name: 'Thị xã Cao Lãnh', schools: ['Măng Non', 'Phan Bội Châu', 'Nguyễn Trãi'] },
];

const LEVELS: { level: SchoolLevel; prefix: string; label: string }[] = [
  { level: 'mamnon', prefix: 'MN', label: 'Trường Mầm non' },
  { level: 'tieuhoc', prefix: 'TH', label: 'Trường Tiểu học' },
  { level: 'thcs', prefix: 'THCS', label: 'Trường THCS' },
];

const slug = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase();

export function demoUnits(): Unit[] {
  const root: Unit = { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] };
  const units: Unit[] = [root];
  for (const district of DISTRICTS) {
    const office = `PGD-${district.key}`;
    units.push({
      code: office,
      name: `Phòng Giáo dục và Đào tạo ${district.name}`,
      type: 'district_office',
      district: district.name,
      parentCode: 'SGD',
      ancestors: ['SGD'],
    });
    LEVELS.forEach(({ level, prefix, label }, i) => {
      const school = district.schools[i]!;
      units.push({
        code: `${prefix}-${slug(school)}-${district.key}`,
        name: `${label} ${school}`,
        type: 'school',
        level,
        district: district.name,
        parentCode: office,
        ancestors: ['SGD', office],
      });
    });
  }
  for (const [name, district] of [
    ['Chu Văn An', 'Thành phố Mẫu'],
    ['Nguyễn Huệ', 'Huyện An Phú'],
    ['Lê Hồng Phong', 'Huyện Bình Sơn'],
  ] as const) {
    units.push({ code: `THPT-${slug(name)}`, name: `Trường THPT ${name}`, type: 'school', level: 'thpt', district, parentCode: 'SGD', ancestors: ['SGD'] });
  }
  units.push({
    code: 'GDTX-TINH',
    name: 'Trung tâm Giáo dục thường xuyên tỉnh',
    type: 'center',
    level: 'gdtx',
    district: 'Thành phố Mẫu',
    parentCode: 'SGD',
    ancestors: ['SGD'],
  });
  units.push({
    code: 'MOTCUA',
    name: 'Bộ phận Một cửa Sở Giáo dục và Đào tạo',
    type: 'desk',
    district: 'Thành phố Mẫu',
    parentCode: 'SGD',
    ancestors: ['SGD'],
  });
  return units;
}

/** Which surveys each unit's links carry. */
export function surveysForUnit(unit: Unit): string[] {
  if (unit.type === 'desk') return ['tthc-sipas', 'tthc-quick'];
  switch (unit.level) {
    case 'thpt':
      return ['edu-parent-thpt', 'edu-pupil-thpt'];
    case 'gdtx':
      return ['edu-learner-gdtx'];
    case undefined:
      return [];
    default:
      return [`edu-parent-${unit.level}`];
  }
}

/** A few common TTHC procedures of the department, for the desk's SIPAS links. */
export const DEMO_PROCEDURES = [
  { code: '1.005092', name: 'Công nhận văn bằng tốt nghiệp do cơ sở giáo dục nước ngoài cấp' },
  { code: '1.001639', name: 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc' },
  { code: '2.002478', name: 'Chuyển trường đối với học sinh trung học phổ thông' },
];
