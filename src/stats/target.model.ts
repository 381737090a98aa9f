import { Schema, type Connection, type Model } from 'mongoose';
import type { SurveyKind } from '../surveys/instrument.types';

/**
 * What a target measures: satisfaction of a survey kind, TTHC dossiers handled on time, or a one-stop share
 * (dossiers/one-stop-shares.ts: dossiers received online, paid online of those with a fee, results digitised).
 */
export type TargetKind = SurveyKind | 'dossiers' | OneStopTargetKind;
export type OneStopTargetKind = 'online' | 'paidOnline' | 'digitised';
export const TARGET_KINDS = ['education', 'tthc', 'dossiers', 'online', 'paidOnline', 'digitised'] as const satisfies readonly TargetKind[];

/**
 * Targets per kind and year, as fractions. Data, editable and audited, seeded from the plan. `source` is the
 * decision or plan the target comes from (domain.md: every target records it); targets entered before sources
 * were recorded have none.
 */
export interface Target {
  kind: TargetKind;
  year: number;
  value: number;
  source?: string;
}

const targetSchema = new Schema<Target>(
  {
    kind: { type: String, required: true },
    year: { type: Number, required: true },
    value: { type: Number, required: true, min: 0, max: 1 },
    source: { type: String, maxlength: 300 },
  },
  { collection: 'targets', versionKey: false },
);
targetSchema.index({ kind: 1, year: 1 }, { unique: true });

export type TargetModel = Model<Target>;
export const targetModel = (c: Connection): TargetModel => (c.models.Target as TargetModel | undefined) ?? c.model<Target>('Target', targetSchema);

/** The reform plan the first targets come from (../shared/reference/ke-hoach-cchc-giao-duc-2021-2025.txt). */
export const PLAN_2021_2025 = 'Kế hoạch cải cách hành chính ngành giáo dục và đào tạo giai đoạn 2021–2025 của Sở GDĐT';
/** 2026 onwards: the plan has ended; its last targets stay until the department enters new ones with their source. */
export const PLAN_2021_2025_CARRIED = `Mặc định: chỉ tiêu năm 2025 của ${PLAN_2021_2025} (kế hoạch đã kết thúc), giữ đến khi Sở nhập chỉ tiêu mới`;

const planTarget =
  (kind: TargetKind, value: number) =>
  (year: number): Target => ({ kind, year, value, source: year <= 2025 ? PLAN_2021_2025 : PLAN_2021_2025_CARRIED });

/**
 * The plan's targets (domain.md): education services at least 85% by 2025; TTHC handling 85% in 2023 and at
 * least 90% by 2025; dossiers on time at least 98%; and the one-stop shares below. Years in between keep the last stated value; 2026 carries the
 * plan's last values forward (and targetFor carries the latest year forward after that). Any can be changed.
 */
export const DEFAULT_TARGETS: Target[] = [
  ...[2021, 2022, 2023, 2024, 2025, 2026].map(planTarget('education', 0.85)),
  ...[2021, 2022, 2023, 2024].map(planTarget('tthc', 0.85)),
  ...[2025, 2026].map(planTarget('tthc', 0.9)),
  // "Tỷ lệ hồ sơ giải quyết TTHC đúng hạn đạt tối thiểu 98%", every year of the plan.
  ...[2021, 2022, 2023, 2024, 2025, 2026].map(planTarget('dossiers', 0.98)),
  // "Đến năm 2023, tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4 trên tổng số hồ sơ đạt tối thiểu
  // 30% và đến năm 2025 đạt tối thiểu 50%".
  ...[2023, 2024].map(planTarget('online', 0.3)),
  ...[2025, 2026].map(planTarget('online', 0.5)),
  // "… tỷ lệ giao dịch thanh toán trực tuyến đạt từ 30% trở lên" (by 2025).
  ...[2025, 2026].map(planTarget('paidOnline', 0.3)),
  // "Năm 2021, 2022 số hóa kết quả giải quyết TTHC … tối thiểu 30%. Năm 2023-2025 mỗi năm tăng tối thiểu 20%".
  ...[2021, 2022].map(planTarget('digitised', 0.3)),
  planTarget('digitised', 0.5)(2023),
  planTarget('digitised', 0.7)(2024),
  ...[2025, 2026].map(planTarget('digitised', 0.9)),
];

/**
 * Inserts the defaults that are missing. A default row seeded before sources were recorded, still at its default
 * value, gets the plan as its source; a value someone changed keeps no source rather than a wrong one.
 */
export async function seedTargets(Target: TargetModel): Promise<void> {
  for (const target of DEFAULT_TARGETS) {
    await Target.updateOne({ kind: target.kind, year: target.year }, { $setOnInsert: target }, { upsert: true });
    // The raw collection: mongoose's sanitizeFilter (db.ts) would refuse the operator.
    await Target.collection.updateOne(
      { kind: target.kind, year: target.year, value: target.value, source: { $exists: false } },
      { $set: { source: target.source } },
    );
  }
}

/** Sets one kind's target for one year (a department's decision); returns the row it replaced, if any. */
export async function setTarget(Target: TargetModel, target: Target): Promise<Target | null> {
  const before = await Target.findOne({ kind: target.kind, year: target.year }).lean<Target>();
  await Target.updateOne({ kind: target.kind, year: target.year }, { $set: target }, { upsert: true });
  return before;
}

/** The target row in force for a year: that year's, else the latest earlier year's, else the earliest known. */
export function targetRowFor(targets: readonly Target[], kind: TargetKind, year: number): Target | null {
  const ofKind = targets.filter((t) => t.kind === kind).sort((a, b) => a.year - b.year);
  if (!ofKind.length) return null;
  const earlier = ofKind.filter((t) => t.year <= year);
  return earlier.length ? earlier[earlier.length - 1]! : ofKind[0]!;
}

/** The target in force for a year (targetRowFor's value). */
export function targetFor(targets: readonly Target[], kind: TargetKind, year: number): number | null {
  return targetRowFor(targets, kind, year)?.value ?? null;
}

/**
 * Where the target in force for a year comes from, as the API's `headline.targetSource` gives it: the row's
 * source, saying so when the row is another year's carried forward; null without a target or a recorded source.
 */
export function targetSourceFor(targets: readonly Target[], kind: TargetKind, year: number): string | null {
  const row = targetRowFor(targets, kind, year);
  if (!row?.source) return null;
  return row.year === year ? row.source : `${row.source} (chỉ tiêu năm ${row.year}, áp dụng cho năm ${year})`;
}
