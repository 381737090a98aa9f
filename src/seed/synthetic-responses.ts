import { ratingQuestions, skippedQuestions } from '../surveys/form-fields';
import type { SurveyVersion } from '../surveys/survey.model';
import type { Link } from '../links/link.model';
import type { Unit } from '../units/unit.model';
import { shiftPeriod } from '../responses/period';
import { responseIdOn } from '../responses/response-id';
import type { ResponseDoc } from '../responses/response.model';
import { topTwo } from '../answers/build-response';

/** A small deterministic PRNG (mulberry32), so the same seed gives the same demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A score on 1..scale around a unit's own satisfaction level (`quality` in 0..1). */
function score(random: () => number, scale: number, quality: number): number {
  const r = random();
  if (scale === 3) return r < quality * 0.55 ? 3 : r < quality ? 2 : 1;
  if (r < quality * 0.5) return 5;
  if (r < quality) return 4;
  if (r < quality + (1 - quality) * 0.6) return 3;
  return r < quality + (1 - quality) * 0.85 ? 2 : 1;
}

const COMMENTS = [
  'Nhà trường thông tin kịp thời, cảm ơn thầy cô.',
  'Mong nhà trường sửa lại nhà vệ sinh.',
  'Cán bộ hướng dẫn tận tình, thủ tục nhanh.',
  'Bãi giữ xe chật, giờ tan học rất đông.',
  'Con tiến bộ nhiều trong năm học này.',
  'Nên có thêm hoạt động ngoại khóa.',
];

export interface SyntheticTarget {
  link: Link;
  unit: Unit;
  survey: SurveyVersion;
}

/**
 * Builds synthetic responses number `from` to `to - 1` spread over the 12 months ending with `lastPeriod`, marked synthetic so they
 * can be told apart and removed. Each unit gets its own satisfaction level, and a gentle upward trend, so the
 * dashboard shows real differences.
 */
export function syntheticResponses(targets: SyntheticTarget[], range: { from: number; to: number }, lastPeriod: string, seed: number): ResponseDoc[] {
  const quality = new Map(targets.map((t, i) => [t.unit.code, 0.72 + prng(seed + i)() * 0.25]));
  const out: ResponseDoc[] = [];
  for (let i = range.from; i < range.to; i++) {
    // One generator per response index, so responses i..j come out the same however the range is split.
    const random = prng(seed + Math.imul(i + 1, 2654435761));
    const target = targets[Math.floor(random() * targets.length)]!;
    const monthsBack = Math.floor(random() * 12);
    const period = shiftPeriod(lastPeriod, -monthsBack);
    const day = 1 + Math.floor(random() * 27);
    const submittedAt = new Date(`${period}-${String(day).padStart(2, '0')}T03:00:00Z`);
    const definition = target.survey.definition;
    const q = Math.min(0.98, quality.get(target.unit.code)! + (11 - monthsBack) * 0.004);
    const answers: Record<string, number> = {};
    for (const question of ratingQuestions(definition)) {
      if (question.key !== definition.overall.key && random() < 0.05) continue; // some leave items blank
      answers[question.key] = score(random, definition.scale, q);
    }
    const overall = answers[definition.overall.key]!;
    out.push({
      _id: responseIdOn(submittedAt, `syn-${seed}-${i}`),
      linkCode: target.link.code,
      surveyKey: target.survey.key,
      surveyVersion: target.survey.version,
      kind: target.survey.kind,
      channel: target.survey.channel,
      unitCode: target.unit.code,
      unitAncestors: target.unit.ancestors,
      ...(target.unit.level ? { level: target.unit.level } : {}),
      ...(target.unit.district ? { district: target.unit.district } : {}),
      ...(target.link.procedure ? { procedureCode: target.link.procedure.code } : {}),
      answers,
      skipped: skippedQuestions(definition, answers),
      overall,
      overallTopTwo: topTwo(overall, definition.scale),
      ...(definition.comment && random() < 0.08 ? { comment: COMMENTS[Math.floor(random() * COMMENTS.length)] } : {}),
      lang: 'vi',
      submittedAt,
      period,
      fillSeconds: 20 + Math.floor(random() * 100),
      // Most desk ratings name their dossier (drawn last, so the fields above are as before).
      ...(definition.dossierCode === 'optional' && random() < 0.6 ? { ratedDossier: true } : {}),
      flags: [],
      counted: true,
      hasContact: false,
      synthetic: true,
    });
  }
  return out;
}
