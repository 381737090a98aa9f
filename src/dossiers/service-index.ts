import { collectionOf, listByIds } from '../data/by-id';
import type { Models } from '../models';

/**
 * The groups of the national service index (Decision 766/QĐ-TTg, 2022) that a department's own one-stop data
 * supports. Transparency (18 points) is scored by the national portal from what it publishes, not from dossiers.
 */
export const SERVICE_INDEX_GROUPS = ['progress', 'online', 'payment', 'satisfaction', 'digitisation'] as const;
export type ServiceIndexGroupId = (typeof SERVICE_INDEX_GROUPS)[number];

/** A group's points and the rate at which it scores them all: settings with their source, not constants. */
export interface ServiceIndexSetting {
  id: ServiceIndexGroupId;
  points: number;
  threshold: number;
  source: string;
}

export const DECISION_766 =
  'Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp)';

/**
 * The published weights (domain.md, "Real-time service index"): progress 20 (full at 100% on time), online service 12
 * (full at 50% of dossiers online), online payment 10 (80%), satisfaction 18 (90%), digitisation 22 (80%).
 */
export const DEFAULT_SERVICE_INDEX: readonly ServiceIndexSetting[] = [
  { id: 'progress', points: 20, threshold: 1, source: DECISION_766 },
  { id: 'online', points: 12, threshold: 0.5, source: DECISION_766 },
  { id: 'payment', points: 10, threshold: 0.8, source: DECISION_766 },
  { id: 'satisfaction', points: 18, threshold: 0.9, source: DECISION_766 },
  { id: 'digitisation', points: 22, threshold: 0.8, source: DECISION_766 },
];

/** The group not computable from our data, listed so the reader sees what the index adds. */
export const UNCOMPUTED_GROUPS = [{ id: 'transparency', max: 18 }] as const;

export interface ServiceIndexGroup {
  id: ServiceIndexGroupId;
  /** null when the data for it is missing (no dossier, or a file without the column) */
  rate: number | null;
  threshold: number;
  points: number | null;
  max: number;
  formula: string;
  source: string;
}

export interface ServiceIndex {
  groups: ServiceIndexGroup[];
  /** the points of the groups with a rate */
  points: number;
  /** the points the groups listed can give */
  max: number;
  uncomputed: ReadonlyArray<{ id: string; max: number }>;
}

/** The rates the groups score: from the on-time figure and the one-stop shares of the same scope and months. */
export interface ServiceIndexRates {
  onTime: number | null;
  online: number | null;
  paidOnline: number | null;
  digitised: number | null;
  complaints: number | null;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** What each group's rate is. */
const RATE_OF: Record<ServiceIndexGroupId, { rate: (r: ServiceIndexRates) => number | null; text: string }> = {
  progress: { rate: (r) => r.onTime, text: 'on-time share' },
  online: { rate: (r) => r.online, text: 'online dossiers share' },
  payment: { rate: (r) => r.paidOnline, text: 'paid-online share' },
  // Issue #28: 100% − (% of dossiers overdue + % with a complaint), overdue being 100% − the on-time share.
  satisfaction: {
    rate: (r) => (r.onTime === null || r.complaints === null ? null : Math.max(0, r.onTime - r.complaints)),
    text: '(100% − (overdue share + complaint share))',
  },
  digitisation: { rate: (r) => r.digitised, text: 'digitised share' },
};

/** The index of the groups our data supports: below its threshold a group scores rate × points ÷ threshold. Pure. */
export function serviceIndex(rates: ServiceIndexRates, settings: readonly ServiceIndexSetting[]): ServiceIndex {
  const groups = settings.map(({ id, points: max, threshold, source }): ServiceIndexGroup => {
    const rate = RATE_OF[id].rate(rates);
    const points = rate === null ? null : Math.min(1, threshold > 0 ? rate / threshold : 1) * max;
    return { id, rate, threshold, points, max, formula: `min(${RATE_OF[id].text} ÷ ${pct(threshold)}, 1) × ${max}`, source };
  });
  return {
    groups,
    points: groups.reduce((sum, g) => sum + (g.points ?? 0), 0),
    max: groups.reduce((sum, g) => sum + g.max, 0),
    uncomputed: UNCOMPUTED_GROUPS,
  };
}

const settingId = (id: ServiceIndexGroupId) => `service-index:${id}`;

/** The groups' settings as the department set them, the defaults where it has not (or a stored one is unreadable). */
export async function serviceIndexSettings(models: Pick<Models, 'Setting'>): Promise<ServiceIndexSetting[]> {
  const stored = await listByIds(collectionOf<{ _id: string; value: string }>(models.Setting), SERVICE_INDEX_GROUPS.map(settingId));
  const byId = new Map(stored.map((s) => [s._id, s.value]));
  return DEFAULT_SERVICE_INDEX.map((fallback) => {
    const value = byId.get(settingId(fallback.id));
    return value === undefined ? { ...fallback } : (parseSetting(fallback.id, value) ?? { ...fallback });
  });
}

function parseSetting(id: ServiceIndexGroupId, value: string): ServiceIndexSetting | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<ServiceIndexSetting>;
    const { points, threshold, source } = parsed;
    if (typeof points !== 'number' || typeof threshold !== 'number' || typeof source !== 'string') return undefined;
    return { id, points, threshold, source };
  } catch {
    return undefined;
  }
}

/** Sets one group's points, threshold and source; returns what it replaced (for the audit). */
export async function setServiceIndexGroup(models: Pick<Models, 'Setting'>, setting: ServiceIndexSetting): Promise<ServiceIndexSetting> {
  const before = (await serviceIndexSettings(models)).find((s) => s.id === setting.id)!;
  const { points, threshold, source } = setting;
  await models.Setting.updateOne({ _id: settingId(setting.id) }, { $set: { value: JSON.stringify({ points, threshold, source }) } }, { upsert: true });
  return before;
}
