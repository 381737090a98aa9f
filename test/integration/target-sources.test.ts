import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { PLAN_2021_2025, PLAN_2021_2025_CARRIED, seedTargets, targetSourceFor } from '../../src/stats/target.model';
import { connectTestDatabase } from '../helpers/test-db';

describe('targets with their source', () => {
  let db: Database;
  let models: Models;
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
  });
  afterAll(() => db.close());

  it('when a database seeded before sources is started, then default rows get the plan as source and a changed value keeps none', async () => {
    // As an older version left them: the defaults without a source, and 2025 TTHC changed by the department.
    await models.Target.collection.insertMany([
      { kind: 'education', year: 2024, value: 0.85 },
      { kind: 'tthc', year: 2025, value: 0.93 },
      { kind: 'dossiers', year: 2026, value: 0.98 },
    ]);
    await seedTargets(models.Target);
    await seedTargets(models.Target); // twice: nothing more changes
    const targets = await models.Target.find().lean();
    expect(targets.find((t) => t.kind === 'education' && t.year === 2024)?.source).toBe(PLAN_2021_2025);
    expect(targets.find((t) => t.kind === 'tthc' && t.year === 2025)).toMatchObject({ value: 0.93 });
    expect(targets.find((t) => t.kind === 'tthc' && t.year === 2025)?.source).toBeUndefined();
    expect(targets.find((t) => t.kind === 'dossiers' && t.year === 2026)?.source).toBe(PLAN_2021_2025_CARRIED);
    // Education, TTHC and on time for 2021–2026, online 2023–2026, paid online 2025–2026, digitised 2021–2026.
    expect(targets).toHaveLength(30);
    expect(targetSourceFor(targets, 'tthc', 2025)).toBeNull();
    expect(targetSourceFor(targets, 'education', 2030)).toBe(`${PLAN_2021_2025_CARRIED} (chỉ tiêu năm 2026, áp dụng cho năm 2030)`);
  });
});
