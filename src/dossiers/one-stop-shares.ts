import { share, statusOf, wilson95, type Status } from '../stats/formulas';
import type { OneStopTargetKind } from '../stats/target.model';
import { noOneStopCounts, type DossierFigureDoc, type OneStopCounts } from './dossier-figure.model';

/** A one-stop share against its target: `part` of `base`, with the Wilson interval and the status. */
export interface OneStopShare {
  share: number | null;
  ci95: [number, number] | null;
  target: number | null;
  targetSource: string | null;
  status: Status;
}

/**
 * The one-stop shares of issue #28, as `/api/v1/dossier-stats` gives them. Dossiers are records, not people:
 * like the on-time figure, none is hidden under the small-cell threshold.
 */
export interface OneStopShares {
  /** dossiers received through online public services (level 3–4) ÷ dossiers received, by month received */
  online: OneStopShare & { received: number; online: number; byMonth: Array<{ period: string; n: number; share: number | null }> };
  /** dossiers paid online ÷ dossiers of a procedure with a fee, by month received */
  paidOnline: OneStopShare & { withFee: number; paidOnline: number };
  /** results digitised ÷ dossiers returned (with the column), by month returned */
  digitised: OneStopShare & { returned: number; digitised: number };
  /** dossiers with a complaint or a "dislike" rating ÷ dossiers returned (with the column), by month returned */
  complaints: { n: number; complaints: number; share: number | null; ci95: [number, number] | null };
}

/** The one-stop formulas, printed next to the figures (domain.md, "Since the plan was written"). */
export const ONE_STOP_FORMULAS = {
  online: {
    vi: 'Tỷ lệ hồ sơ trực tuyến = số hồ sơ tiếp nhận qua dịch vụ công trực tuyến (kênh online) chia cho tổng số hồ sơ tiếp nhận trong tháng.',
    en: 'Online dossiers = dossiers received through online public services (channel online) divided by all dossiers received in the month.',
  },
  paidOnline: {
    vi: 'Tỷ lệ thanh toán trực tuyến = số hồ sơ nộp phí, lệ phí trực tuyến chia cho số hồ sơ có phí, lệ phí (tiếp nhận trong tháng).',
    en: 'Paid online = dossiers whose fee was paid online divided by dossiers of a procedure with a fee (received in the month).',
  },
  digitised: {
    vi: 'Tỷ lệ số hóa kết quả = số hồ sơ có kết quả được số hóa chia cho số hồ sơ đã trả kết quả trong tháng.',
    en: 'Digitised results = dossiers whose result was digitised divided by dossiers returned in the month.',
  },
  complaints: {
    vi: 'Tỷ lệ phản ánh, không hài lòng = số hồ sơ có phản ánh, kiến nghị hoặc đánh giá không hài lòng chia cho số hồ sơ đã trả kết quả.',
    en: 'Complaints = dossiers with a complaint or a "dislike" rating divided by dossiers returned.',
  },
} as const;

export interface OneStopTargets {
  value: (kind: OneStopTargetKind, period: string) => number | null;
  source: (kind: OneStopTargetKind, period: string) => string | null;
}

/** The one-stop shares of one scope over `periods` from its figure documents, against the range's last targets. Pure. */
export function oneStopShares(docs: readonly DossierFigureDoc[], periods: readonly string[], targets: OneStopTargets, minN = 30): OneStopShares {
  const byPeriod = new Map(docs.map((d) => [d.period, d.oneStop ?? noOneStopCounts()]));
  const total = noOneStopCounts();
  const byMonth = periods.map((period) => {
    const counts = byPeriod.get(period) ?? noOneStopCounts();
    for (const key of Object.keys(total) as Array<keyof OneStopCounts>) total[key] += counts[key];
    return { period, n: counts.received, share: share(counts.online, counts.received) };
  });
  const last = periods[periods.length - 1]!;
  const against = (kind: OneStopTargetKind, part: number, base: number): OneStopShare => {
    const target = targets.value(kind, last);
    return {
      share: share(part, base),
      ci95: wilson95(part, base),
      target,
      targetSource: targets.source(kind, last),
      status: target === null ? 'insufficient' : statusOf(part, base, target, minN),
    };
  };
  return {
    online: { received: total.received, online: total.online, ...against('online', total.online, total.received), byMonth },
    paidOnline: { withFee: total.withFee, paidOnline: total.paidOnline, ...against('paidOnline', total.paidOnline, total.withFee) },
    digitised: { returned: total.digitisedKnown, digitised: total.digitised, ...against('digitised', total.digitised, total.digitisedKnown) },
    complaints: {
      n: total.complaintKnown,
      complaints: total.complaints,
      share: share(total.complaints, total.complaintKnown),
      ci95: wilson95(total.complaints, total.complaintKnown),
    },
  };
}

/** The shares as the dossiers page's rows: each with its count, its base and its formula. */
export function oneStopRows(shares: OneStopShares) {
  const { online, paidOnline, digitised, complaints } = shares;
  return [
    { id: 'online', part: online.online, base: online.received, ...online, formula: ONE_STOP_FORMULAS.online },
    { id: 'paidOnline', part: paidOnline.paidOnline, base: paidOnline.withFee, ...paidOnline, formula: ONE_STOP_FORMULAS.paidOnline },
    { id: 'digitised', part: digitised.digitised, base: digitised.returned, ...digitised, formula: ONE_STOP_FORMULAS.digitised },
    {
      id: 'complaints',
      part: complaints.complaints,
      base: complaints.n,
      share: complaints.share,
      ci95: complaints.ci95,
      formula: ONE_STOP_FORMULAS.complaints,
    },
  ];
}
