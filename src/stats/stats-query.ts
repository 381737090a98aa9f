import { z } from 'zod';
import type { Principal } from '../access/scope';
import { assertCanRead } from '../access/scope';
import { BadRequestError, NotFoundError } from '../errors';
import type { Models } from '../models';
import { PERIOD_PATTERN, periodOf, shiftPeriod } from '../responses/period';
import { SMALL_CELL_DEFAULT_K } from './formulas';
import type { StatsQuery } from './stats.service';
import { unitsByCode } from '../units/unit-directory';

const MAX_MONTHS = 36;

const querySchema = z.object({
  kind: z.enum(['education', 'tthc']).default('education'),
  unit: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  from: z.string().regex(PERIOD_PATTERN).optional(),
  to: z.string().regex(PERIOD_PATTERN).optional(),
  level: z.enum(['mamnon', 'tieuhoc', 'thcs', 'thpt', 'gdtx']).optional(),
  tree: z.enum(['today', 'then']).default('today'),
});

/**
 * Turns `?kind=&unit=&from=&to=&level=&tree=` into a scoped stats query. Defaults: education, the caller's own units,
 * the last 12 months ending with the current month (Asia/Ho_Chi_Minh). A unit outside the caller's scope is 403.
 */
export async function parseStatsQuery(
  models: Models,
  principal: Principal,
  raw: Record<string, unknown>,
  now: Date,
  settings: { k?: number } = {},
): Promise<StatsQuery> {
  const values = Object.fromEntries(Object.entries(raw).filter(([key, v]) => key in querySchema.shape && v !== ''));
  const parsed = querySchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(`Invalid query parameter "${String(issue.path[0])}": expected ${describe(String(issue.path[0]))}.`);
  }
  const { kind, level, tree } = parsed.data;
  const to = parsed.data.to ?? (parsed.data.from ? shiftPeriod(parsed.data.from, 11) : periodOf(now));
  const from = parsed.data.from ?? shiftPeriod(to, -11);
  if (from > to) throw new BadRequestError('"from" must not be after "to".');
  if (shiftPeriod(from, MAX_MONTHS - 1) < to) throw new BadRequestError(`At most ${MAX_MONTHS} months at a time.`);

  const code = parsed.data.unit ?? principal.unitCode;
  const unit = (await unitsByCode(models.Unit)).get(code);
  if (!unit) throw new NotFoundError(`Unknown unit ${code}.`);
  assertCanRead(principal, unit);
  return { kind, unit, from, to, level, tree, k: settings.k ?? SMALL_CELL_DEFAULT_K, minN: 30 };
}

function describe(param: string): string {
  switch (param) {
    case 'kind':
      return '"education" or "tthc"';
    case 'from':
    case 'to':
      return 'a month as YYYY-MM';
    case 'level':
      return 'one of mamnon, tieuhoc, thcs, thpt, gdtx';
    case 'tree':
      return '"today" or "then"';
    default:
      return 'a unit code';
  }
}
