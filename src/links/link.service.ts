import { isDatabaseUnavailable, NotFoundError } from '../errors';
import type { Channel } from '../surveys/instrument.types';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit, UnitModel } from '../units/unit.model';
import { LINK_CODE_PATTERN, newLinkCode } from './link-code';
import { LINKS_STAMP, type Link, type LinkModel } from './link.model';
import { readStamp, stampModel } from '../stamps';
import { unitsByCode } from '../units/unit-directory';

export interface CreateLinkInput {
  surveyKey: string;
  unitCode: string;
  procedure?: { code: string; name: string };
  opensAt?: Date;
  closesAt?: Date;
}

export async function createLink(deps: { Link: LinkModel; Unit: UnitModel; catalog: SurveyCatalog }, input: CreateLinkInput, now: Date): Promise<Link> {
  const survey = await deps.catalog.getLatest(input.surveyKey);
  if (!survey) throw new NotFoundError(`Unknown survey ${input.surveyKey}`);
  const unit = await deps.Unit.findOne({ code: input.unitCode }).lean();
  if (!unit) throw new NotFoundError(`Unknown unit ${input.unitCode}`);
  const link: Link = {
    code: newLinkCode(),
    surveyKey: survey.key,
    kind: survey.kind,
    channel: survey.channel,
    unitCode: unit.code,
    procedure: input.procedure,
    opensAt: input.opensAt ?? now,
    closesAt: input.closesAt,
  };
  await deps.Link.create(link);
  return link;
}

export interface OpenLink {
  link: Link;
  unit: Unit;
}

export function isOpen(link: Link, now: Date): boolean {
  if (link.closedAt && link.closedAt <= now) return false;
  if (link.opensAt > now) return false;
  return !(link.closesAt && link.closesAt <= now);
}

/**
 * Finds an open link of the given channel with its unit. Lookups are cached because a QR burst sends hundreds of
 * requests for the same code. After `ttlMs` an entry is checked against the links' change stamp (one read by `_id`):
 * reread only when some link changed since, so a link closed by an admin on any instance stops answering within
 * `ttlMs`, while a quiet province never searches its links again (a search by code reads the whole collection on
 * FerretDB: half a second at a province's thousand links). The unit comes from the units directory, itself checked
 * against the units' stamp (unit-directory.ts).
 */
export class LinkResolver {
  private readonly cache = new Map<string, { value: OpenLink | null; readAt: number; stamp: number }>();

  constructor(
    private readonly deps: { Link: LinkModel; Unit: UnitModel },
    private readonly ttlMs = 15_000,
  ) {}

  async resolveOpen(code: string, channel: Channel, now: Date): Promise<OpenLink> {
    const found = LINK_CODE_PATTERN.test(code) ? await this.lookup(code, now.getTime()) : null;
    if (!found || found.link.channel !== channel || !isOpen(found.link, now)) throw new NotFoundError('Unknown or closed link');
    return found;
  }

  private async lookup(code: string, now: number): Promise<OpenLink | null> {
    const cached = this.cache.get(code);
    if (cached && now - cached.readAt < this.ttlMs) return cached.value;
    let value: OpenLink | null;
    let stamp: number;
    try {
      // The stamp before the link: what is read is at least as new as the stamp says.
      stamp = (await readStamp(stampModel(this.deps.Link.db), LINKS_STAMP)).reset;
      const link = cached && cached.stamp === stamp ? (cached.value?.link ?? null) : await this.deps.Link.findOne({ code }).lean<Link>();
      const unit = link ? ((await unitsByCode(this.deps.Unit)).get(link.unitCode) ?? null) : null;
      value = link && unit ? { link, unit } : null;
    } catch (error) {
      // During a database outage a stale answer is better than none: the form can still be shown again with
      // the respondent's answers and a 503 banner, instead of a bare error page.
      if (cached && isDatabaseUnavailable(error)) return cached.value;
      throw error;
    }
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(code, { value, readAt: now, stamp });
    return value;
  }

  forget(code: string): void {
    this.cache.delete(code);
  }
}
