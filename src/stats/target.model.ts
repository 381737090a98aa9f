import { Schema, type Connection, type Model } from 'mongoose';
import type { SurveyKind } from '../surveys/instrument.types';

/** What a target measures: satisfaction of a survey kind, or TTHC dossiers handled on time (dossiers/). */
export type TargetKind = SurveyKind | 'dossiers';
export const TARGET_KINDS = ['education', 'tthc', 'dossiers'] as const satisfies readonly TargetKind[];

/** Targets per kind and year, as fractions. Data, editable and audited, seeded from the plan. */
export interface Target {
  kind: TargetKind;
  year: number;
  value: number;
}

const targetSchema = new Schema<Target>(
  { kind: { type: String, required: true }, year: { type: Number, required: true }, value: { type: Number, required: true, min: 0, max: 1 } },
  { collection: 'targets', versionKey: false },
);
targetSchema.index({ kind: 1, year: 1 }, { unique: true });

export type TargetModel = Model<Target>;
export const targetModel = (c: Connection): TargetModel => (c.models.Target as TargetModel | undefined) ?? c.model<Target>('Target', targetSchema);

/**
 * The plan's targets (domain.md): education services at least 85% by 2025; TTHC handling 85% in 2023 and at
 * least 90% by 2025. Years in between keep the last stated value; an administrator can change any of them.
 */
export const DEFAULT_TARGETS: Target[] = [
  ...[2021, 2022, 2023, 2024, 2025, 2026].map((year) => ({ kind: 'education' as const, year, value: 0.85 })),
  ...[2021, 2022, 2023, 2024].map((year) => ({ kind: 'tthc' as const, year, value: 0.85 })),
  ...[2025, 2026].map((year) => ({ kind: 'tthc' as const, year, value: 0.9 })),
  // "Tỷ lệ hồ sơ giải quyết TTHC đúng hạn đạt tối thiểu 98%", every year of the plan.
  ...[2021, 2022, 2023, 2024, 2025, 2026].map((year) => ({ kind: 'dossiers' as const, year, value: 0.98 })),
];

export async function seedTargets(Target: TargetModel): Promise<void> {
  for (const target of DEFAULT_TARGETS) {
    await Target.updateOne({ kind: target.kind, year: target.year }, { $setOnInsert: target }, { upsert: true });
  }
}

/** The target in force for a year: that year's, else the latest earlier year's, else the earliest known. */
export function targetFor(targets: Target[], kind: TargetKind, year: number): number | null {
  const ofKind = targets.filter((t) => t.kind === kind).sort((a, b) => a.year - b.year);
  if (!ofKind.length) return null;
  const earlier = ofKind.filter((t) => t.year <= year);
  return (earlier.length ? earlier[earlier.length - 1]! : ofKind[0]!).value;
}
