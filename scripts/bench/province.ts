import { publishUnit } from '../../src/public/published-units';
import { FIGURE_MIGRATION } from '../../src/figures/migrate-figures';
import { runOnce } from '../../src/settings.model';
import crypto from 'node:crypto';
import { hashApiToken } from '../../src/access/authenticate';
import { hashPassword } from '../../src/access/passwords';
import { newLinkCode } from '../../src/links/link-code';
import type { Link } from '../../src/links/link.model';
import { ensureIndexes, type Models } from '../../src/models';
import { DEMO_PROCEDURES, surveysForUnit } from '../../src/seed/demo-units';
import type { SyntheticTarget } from '../../src/seed/synthetic-responses';
import { seedTargets } from '../../src/stats/target.model';
import type { SchoolLevel } from '../../src/surveys/instrument.types';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import { LIST_INDEX_MIGRATION, LIST_SECONDS_MIGRATION } from '../../src/review/list-migration';
import { PROJECTOR_MIGRATION, RATED_UNITS_MIGRATION } from '../../src/projector/migration';
import { BLANKS_MIGRATION } from '../../src/projector/blanks-migration';
import type { Unit } from '../../src/units/unit.model';

/**
 * A made-up province of `count` units for the benchmarks (the demo province has 23): the department, the
 * one-stop desk, one district office and one GDTX centre per district (a district per 50 units), and schools
 * of every level spread over the districts (upper-secondary ones directly under the department, as in the demo).
 */
const DISTRICT_NAMES = [
  'Thành phố Mẫu',
  'Huyện An Phú',
  'Huyện Bình Sơn',
  'Thị xã Cao Lãnh',
  'Huyện Đông Hòa',
  'Huyện Gia Lộc',
  'Huyện Hòa Bình',
  'Huyện Kim Sơn',
  'Huyện Long Mỹ',
  'Huyện Mỹ Xuyên',
];

const SCHOOL_CYCLE: { level: SchoolLevel; prefix: string; label: string }[] = [
  { level: 'mamnon', prefix: 'MN', label: 'Trường Mầm non' },
  { level: 'tieuhoc', prefix: 'TH', label: 'Trường Tiểu học' },
  { level: 'thcs', prefix: 'THCS', label: 'Trường THCS' },
  { level: 'mamnon', prefix: 'MN', label: 'Trường Mầm non' },
  { level: 'tieuhoc', prefix: 'TH', label: 'Trường Tiểu học' },
  { level: 'thcs', prefix: 'THCS', label: 'Trường THCS' },
  { level: 'thpt', prefix: 'THPT', label: 'Trường THPT' },
];

export function benchUnits(count: number): Unit[] {
  if (count < 5) throw new Error('a bench province needs at least 5 units');
  const districts = Math.max(1, Math.round(count / 50));
  const districtKey = (d: number) => `D${String(d + 1).padStart(2, '0')}`;
  const districtName = (d: number) => DISTRICT_NAMES[d] ?? `Huyện số ${d + 1}`;
  const units: Unit[] = [
    { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] },
    { code: 'MOTCUA', name: 'Bộ phận Một cửa Sở Giáo dục và Đào tạo', type: 'desk', district: districtName(0), parentCode: 'SGD', ancestors: ['SGD'] },
  ];
  for (let d = 0; d < districts; d++) {
    units.push({
      code: `PGD-${districtKey(d)}`,
      name: `Phòng Giáo dục và Đào tạo ${districtName(d)}`,
      type: 'district_office',
      district: districtName(d),
      parentCode: 'SGD',
      ancestors: ['SGD'],
    });
  }
  for (let d = 0; d < districts && units.length < count; d++) {
    units.push({
      code: `GDTX-${districtKey(d)}`,
      name: `Trung tâm GDNN-GDTX ${districtName(d)}`,
      type: 'center',
      level: 'gdtx',
      district: districtName(d),
      parentCode: 'SGD',
      ancestors: ['SGD'],
    });
  }
  for (let i = 0; units.length < count; i++) {
    const d = i % districts;
    const kind = SCHOOL_CYCLE[Math.floor(i / districts) % SCHOOL_CYCLE.length]!;
    const number = Math.floor(i / districts) + 1;
    const office = `PGD-${districtKey(d)}`;
    const underDepartment = kind.level === 'thpt';
    units.push({
      code: `${kind.prefix}-${districtKey(d)}-${String(number).padStart(3, '0')}`,
      name: `${kind.label} số ${number} ${districtName(d)}`,
      type: 'school',
      level: kind.level,
      district: districtName(d),
      parentCode: underDepartment ? 'SGD' : office,
      ancestors: underDepartment ? ['SGD'] : ['SGD', office],
    });
  }
  return units;
}

export interface BenchData {
  units: Unit[];
  /** One per link: what the synthetic generator spreads responses over. */
  targets: SyntheticTarget[];
  admin: { email: string; password: string };
  apiToken: string;
}

/**
 * Writes the province, the published question bank, the targets, one link per unit and survey (per procedure at
 * the desk, as the demo seed does), a super admin and a province-wide API token, into an empty database.
 */
export async function setupBenchData(models: Models, options: { units: number; now: Date }): Promise<BenchData> {
  await ensureIndexes(models);
  // Marked done on the empty database (nothing to recount), so the app never starts it over the seeded responses:
  // the seed writes their lists (seed.ts), and a background recount would load the database during B1 and B2.
  await runOnce(models.Setting, PROJECTOR_MIGRATION, () => Promise.resolve());
  await runOnce(models.Setting, LIST_INDEX_MIGRATION, () => Promise.resolve());
  await runOnce(models.Setting, LIST_SECONDS_MIGRATION, () => Promise.resolve());
  await runOnce(models.Setting, RATED_UNITS_MIGRATION, () => Promise.resolve());
  // The seed's answers carry their blank questions (`skipped`): nothing for the migration to fill in, and its scan
  // of every answer at the app's first start would load the database during the measurements.
  await runOnce(models.Setting, BLANKS_MIGRATION, () => Promise.resolve());
  // The same for the figure documents: the seed writes them with the responses (seed.ts), so the app's start-up
  // migration (built for databases from before them) has nothing to do and must not weigh on B1's memory.
  await runOnce(models.Setting, FIGURE_MIGRATION, () => Promise.resolve());
  await seedTargets(models.Target);
  await publishQuestionBank(models.Survey, QUESTION_BANK, options.now);
  const units = benchUnits(options.units);
  await models.Unit.insertMany(units);

  const catalog = new SurveyCatalog(models.Survey);
  const targets: SyntheticTarget[] = [];
  for (const unit of units) {
    for (const surveyKey of surveysForUnit(unit)) {
      const survey = (await catalog.getLatest(surveyKey))!;
      for (const procedure of surveyKey === 'tthc-sipas' ? DEMO_PROCEDURES : [undefined]) {
        // The same fields createLink writes, built here so 500 units take one insert instead of 1000 queries.
        const link: Link = {
          code: newLinkCode(),
          surveyKey,
          kind: survey.kind,
          channel: survey.channel,
          unitCode: unit.code,
          procedure,
          opensAt: new Date(options.now.getTime() - 60_000),
        };
        targets.push({ link, unit, survey });
      }
    }
  }
  await models.Link.insertMany(targets.map((t) => t.link));
  // The province's results are public (B6 reads /cong-khai).
  await publishUnit(models.PublishedUnit, 'SGD', 'bench', options.now);

  const admin = { email: 'bench-admin@hailong.local', password: crypto.randomBytes(12).toString('hex') };
  await models.User.create({ email: admin.email, name: 'Bench admin', passwordHash: await hashPassword(admin.password), role: 'super_admin', unitCode: 'SGD' });
  const apiToken = `hl_${crypto.randomBytes(24).toString('base64url')}`;
  await models.ApiToken.create({ name: 'bench', tokenHash: hashApiToken(apiToken), unitCode: 'SGD', createdBy: 'bench', createdAt: options.now });
  return { units, targets, admin, apiToken };
}
