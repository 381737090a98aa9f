import { createLogger } from '../../src/logger';
import type { Models } from '../../src/models';
import { createMailer } from '../../src/mail/mailer';
import { runMonthlyReport, type RunResult } from '../../src/reports/monthly-run';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { startCountingSink } from './smtp-sink';
import { Projector } from '../../src/projector/projector';

/**
 * B4: the monthly run (runMonthlyReport, the function the schedule calls) for `subscriptions` recipients, one per
 * unit of the province taken in order (each a different scope, so no summary is shared: the worst case), mail
 * going to a local SMTP sink.
 */
export interface B4Result {
  subscriptions: number;
  period: string;
  /** subscriptions actually run (all of them, or the sample when the full run would exceed the budget) */
  ran: number;
  durationMs: number;
  /** durationMs / ran × subscriptions: the full run's time, measured when ran = subscriptions */
  projectedMs: number;
  sent: number;
  failed: number;
  retrying: number;
  received: number;
  mailBytes: number;
}

type SubscriptionInput = { email: string; name: string; unitCode: string; kind: 'education' | 'tthc'; lang: 'vi' | 'en'; createdBy: string; createdAt: Date };

async function runWith(models: Models, subscriptions: SubscriptionInput[], period: string, now: Date, profile?: <T>(task: () => Promise<T>) => Promise<T>) {
  await models.Subscription.deleteMany({});
  await models.Outbox.deleteMany({});
  await models.Subscription.insertMany(subscriptions);
  const sink = await startCountingSink();
  const logger = createLogger('silent');
  const deps = {
    models,
    catalog: new SurveyCatalog(models.Survey),
    projector: new Projector(models.Response.db),
    mailer: createMailer(sink.url, logger),
    logger,
    mailFrom: 'Hài Lòng <no-reply@bench.local>',
    publicBaseUrl: 'http://127.0.0.1',
  };
  try {
    const started = Date.now();
    const run = () => runMonthlyReport(deps, { period }, now);
    const result: RunResult = profile ? await profile(run) : await run();
    return { durationMs: Date.now() - started, result, received: sink.received(), mailBytes: sink.bytes() };
  } finally {
    await sink.close();
  }
}

/**
 * With `budgetSec`, a sample of `sample` subscriptions spread over the list runs first; when its pace projects
 * the full run past the budget, the projection is reported instead of running for hours.
 */
export async function runB4(
  models: Models,
  options: { subscriptions: number; period: string; now: Date; budgetSec?: number; sample?: number; profile?: <T>(task: () => Promise<T>) => Promise<T> },
): Promise<B4Result> {
  const units = await models.Unit.find().sort({ code: 1 }).lean();
  if (!units.length) throw new Error('B4 needs units');
  const all: SubscriptionInput[] = Array.from({ length: options.subscriptions }, (_, i) => {
    const unit = units[i % units.length]!;
    return {
      email: `leader-${i}@bench.hailong.local`,
      name: `Lãnh đạo ${unit.name}`,
      unitCode: unit.code,
      kind: unit.type === 'desk' ? 'tthc' : 'education',
      lang: i % 10 === 9 ? 'en' : 'vi',
      createdBy: 'bench',
      createdAt: options.now,
    };
  });
  let chosen = all;
  if (options.budgetSec !== undefined && all.length > (options.sample ?? 10)) {
    const size = options.sample ?? 10;
    const step = all.length / size;
    const sample = Array.from({ length: size }, (_, i) => all[Math.floor(i * step)]!);
    const trial = await runWith(models, sample, options.period, options.now, options.profile);
    const projectedMs = (trial.durationMs / sample.length) * all.length;
    if (projectedMs > options.budgetSec * 1000) {
      return {
        subscriptions: all.length,
        period: options.period,
        ran: sample.length,
        durationMs: trial.durationMs,
        projectedMs,
        sent: trial.result.sent,
        failed: trial.result.failed,
        retrying: trial.result.retrying,
        received: trial.received,
        mailBytes: trial.mailBytes,
      };
    }
    chosen = all;
  }
  const full = await runWith(models, chosen, options.period, options.now, options.profile);
  return {
    subscriptions: all.length,
    period: options.period,
    ran: chosen.length,
    durationMs: full.durationMs,
    projectedMs: full.durationMs,
    sent: full.result.sent,
    failed: full.result.failed,
    retrying: full.result.retrying,
    received: full.received,
    mailBytes: full.mailBytes,
  };
}
