import { claimOnce } from '../data/claims';
import { insertOnce } from '../data/write-once';
import type { Unit } from '../units/unit.model';
import { buildSummary } from './build-summary';
import { deliverDue, monthlyMessageId, previewMessageId, toMail, type DeliveryDeps } from './outbox';
import type { OutboxEntry } from './report.models';

export interface RunOptions {
  period: string;
  /** Send again to recipients who already received this period. */
  force?: boolean;
  /** Compose and report what would be sent; send and record nothing. */
  dryRun?: boolean;
  /** Send a preview of the province-wide summary to this address only; not recorded as the period's delivery. */
  to?: string;
}

export interface RunResult {
  period: string;
  queued: number;
  sent: number;
  failed: number;
  retrying: number;
  skippedAlreadySent: number;
  subjects: string[];
}

async function provinceRoot(deps: DeliveryDeps): Promise<Unit> {
  const root = await deps.models.Unit.findOne({ type: 'department' }).lean<Unit>();
  if (!root) throw new Error('No department unit: import the units first');
  return root;
}

/**
 * The one monthly function: the schedule, the start-up catch-up, `npm run report:monthly` and the admin all call
 * it. Idempotent: outbox ids are "<period>:<subscription>", so running it again for a sent period sends nothing
 * unless `force` is given.
 */
export async function runMonthlyReport(deps: DeliveryDeps, options: RunOptions, now: Date): Promise<RunResult> {
  const result: RunResult = { period: options.period, queued: 0, sent: 0, failed: 0, retrying: 0, skippedAlreadySent: 0, subjects: [] };
  if (options.to) {
    const root = await provinceRoot(deps);
    const summary = await buildSummary(deps, {
      period: options.period,
      unitCode: root.code,
      kind: 'education',
      lang: 'vi',
      publicBaseUrl: deps.publicBaseUrl,
      k: deps.smallCellK,
    });
    result.subjects.push(summary.subject);
    if (!options.dryRun) {
      await deps.mailer.send(toMail(summary, options.to, deps.mailFrom, previewMessageId(deps.publicBaseUrl)));
      result.sent = 1;
    }
    return result;
  }

  const subscriptions = await deps.models.Subscription.find().lean();
  if (options.dryRun) {
    for (const sub of subscriptions) {
      const summary = await buildSummary(deps, {
        period: options.period,
        unitCode: sub.unitCode,
        kind: sub.kind,
        lang: sub.lang,
        publicBaseUrl: deps.publicBaseUrl,
        k: deps.smallCellK,
      });
      result.subjects.push(`${sub.email}: ${summary.subject}`);
    }
    return result;
  }

  // The period is claimed once (a record of who started it); enqueuing itself is idempotent, so a crash between
  // the claim and the last entry is repaired by the next run.
  await claimOnce(deps.models.Claim, `monthly:${options.period}`, now);
  const existing = new Map((await deps.models.Outbox.find({ period: options.period }).lean<OutboxEntry[]>()).map((e) => [e._id, e]));
  for (const sub of subscriptions) {
    const id = `${options.period}:${String(sub._id)}`;
    const entry = existing.get(id);
    if (entry) {
      if (entry.state === 'pending') continue;
      if (!options.force) {
        result.skippedAlreadySent += entry.state === 'sent' ? 1 : 0;
        continue;
      }
      const resend = entry.attempts + 1;
      await deps.models.Outbox.updateOne(
        { _id: id },
        {
          $set: {
            state: 'pending',
            attempts: resend,
            nextAttemptAt: now,
            messageId: monthlyMessageId(options.period, String(sub._id), resend, deps.publicBaseUrl),
          },
          $unset: { claimedAt: '', lastError: '' },
        },
      );
      result.queued += 1;
      continue;
    }
    // Another instance may have queued it first: then it is not counted here.
    const queued = await insertOnce(() =>
      deps.models.Outbox.create({
        _id: id,
        period: options.period,
        subscriptionId: String(sub._id),
        to: sub.email,
        unitCode: sub.unitCode,
        kind: sub.kind,
        lang: sub.lang,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        messageId: monthlyMessageId(options.period, String(sub._id), 0, deps.publicBaseUrl),
        createdAt: now,
      }),
    );
    if (queued) result.queued += 1;
  }
  const delivered = await deliverDue(deps, now);
  return { ...result, ...delivered };
}
