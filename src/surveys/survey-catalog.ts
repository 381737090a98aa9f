import crypto from 'node:crypto';
import type { InstrumentDefinition } from './instrument.types';
import type { SurveyModel, SurveyVersion } from './survey.model';
import { insertOnce } from '../data/write-once';

/** Canonical JSON (sorted keys) so the same definition always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const definitionHash = (definition: InstrumentDefinition) => crypto.createHash('sha256').update(canonical(definition)).digest('hex');

/**
 * Publishes each instrument of the question bank whose wording differs from the last version published from the
 * bank, as a new version; unchanged instruments are left alone, and so are wordings an admin edited since (a
 * restart must not undo them). Safe to run at every start and from several instances (the unique key/version
 * index lets one writer win).
 */
export async function publishQuestionBank(Survey: SurveyModel, bank: readonly InstrumentDefinition[], now: Date): Promise<string[]> {
  const published: string[] = [];
  for (const definition of bank) {
    const versions = await Survey.find({ key: definition.key }).sort({ version: -1 }).lean();
    const lastFromBank = versions.find((v) => (v.source ?? 'bank') === 'bank');
    if (lastFromBank?.hash === definitionHash(definition)) continue;
    const result = await publishVersion(Survey, definition, now, { source: 'bank' });
    if (result.created) published.push(`${definition.key}@${result.version}`);
  }
  return published;
}

/** Publishes `definition` as the next version of its survey unless it equals the latest one. */
export async function publishVersion(
  Survey: SurveyModel,
  definition: InstrumentDefinition,
  now: Date,
  origin: { source: 'bank' | 'admin'; publishedBy?: string },
): Promise<{ version: number; created: boolean }> {
  const hash = definitionHash(definition);
  const latest = await Survey.findOne({ key: definition.key }).sort({ version: -1 }).lean();
  if (latest?.hash === hash) return { version: latest.version, created: false };
  const version = (latest?.version ?? 0) + 1;
  const created = await insertOnce(() =>
    Survey.create({ key: definition.key, version, kind: definition.kind, channel: definition.channel, hash, definition, publishedAt: now, ...origin }),
  );
  // Another publisher took this version number first: look again (its definition may be this one).
  return created ? { version, created: true } : publishVersion(Survey, definition, now, origin);
}

/**
 * Read access to published versions. Versions never change, so each is cached forever once read; "latest" is
 * re-read after `latestTtlMs` so a newly published version reaches the forms quickly.
 */
export class SurveyCatalog {
  private readonly versions = new Map<string, SurveyVersion>();
  private readonly latest = new Map<string, { version: SurveyVersion; readAt: number }>();
  private keys?: { keys: string[]; readAt: number };

  constructor(
    private readonly Survey: SurveyModel,
    private readonly latestTtlMs = 30_000,
  ) {}

  async getVersion(key: string, version: number): Promise<SurveyVersion | undefined> {
    const id = `${key}@${version}`;
    const cached = this.versions.get(id);
    if (cached) return cached;
    const found = await this.Survey.findOne({ key, version }).lean<SurveyVersion>();
    if (found) this.versions.set(id, found);
    return found ?? undefined;
  }

  /** The rating scale of a published version (5 for a version not stored: the scale of every form before the quick rating). */
  readonly scaleOf = async (key: string, version: number): Promise<number> => (await this.getVersion(key, version))?.definition.scale ?? 5;

  /** Drops the cached "latest" of a survey (after an admin publishes a new version on this instance). */
  forgetLatest(key: string): void {
    this.latest.delete(key);
    this.keys = undefined;
  }

  /** Keys of every published survey, re-read after `latestTtlMs` like "latest". */
  async surveyKeys(now = Date.now()): Promise<string[]> {
    if (this.keys && now - this.keys.readAt < this.latestTtlMs) return this.keys.keys;
    const keys = await this.Survey.distinct('key');
    this.keys = { keys, readAt: now };
    return keys;
  }

  async getLatest(key: string, now = Date.now()): Promise<SurveyVersion | undefined> {
    const cached = this.latest.get(key);
    if (cached && now - cached.readAt < this.latestTtlMs) return cached.version;
    const found = await this.Survey.findOne({ key }).sort({ version: -1 }).lean<SurveyVersion>();
    if (!found) return undefined;
    this.latest.set(key, { version: found, readAt: now });
    this.versions.set(`${key}@${found.version}`, found);
    return found;
  }
}
