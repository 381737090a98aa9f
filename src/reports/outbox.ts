import crypto from 'node:crypto';
import { claimOnce } from '../data/claims';
import { inParallel } from '../in-parallel';
import type { Logger } from '../logger';
import type { Models } from '../models';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { buildSummary } from './build-summary';
import { mailFailure, type Mailer } from '../mail/mailer';
import type { MonthlySummary } from './monthly-summary';
import type { OutboxEntry } from './report.models';
import { TREND_CID } from './summary-html';
import type { Settles } from '../projector/ports';

export interface DeliveryDeps {
  models: Models;
  catalog: SurveyCatalog;
  /** the figures wait for this instance's own answers (read-your-writes) */
  projector: Settles;
  mailer: Mailer;
  logger: Logger;
  mailFrom: string;
  publicBaseUrl: string;
  /** SMALL_CELL_K: the mail hides what the dashboard hides. */
  smallCellK?: number;
}

/** Waits between attempts after a temporary (4xx or network) failure; after the last, the entry fails. */
const BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000, 3600_000, 3 * 3600_000, 6 * 3600_000];
const MAX_ATTEMPTS = 8;
/** A claimed attempt not finished within this time is taken over (its sender died mid-way). */
export const LEASE_MS = 10 * 60_000;
const DELIVERY_PARALLEL = 4;

const host = (publicBaseUrl: string) => new URL(publicBaseUrl).hostname || 'hailong.local';

/** Deterministic, so a retry of the same delivery carries the same Message-ID and clients can de-duplicate. */
export const monthlyMessageId = (period: string, subscriptionId: string, resend: number, publicBaseUrl: string) =>
  `<monthly.${period}.${subscriptionId}${resend ? `.r${resend}` : ''}@${host(publicBaseUrl)}>`;

export function toMail(summary: MonthlySummary, to: string, from: string, messageId: string) {
  return {
    from,
    to,
    subject: summary.subject,
    html: summary.html,
    text: summary.text,
    messageId,
    attachments: [
      { filename: 'xu-huong-12-thang.png', content: summary.chartPng, contentType: 'image/png', cid: TREND_CID, contentDisposition: 'inline' as const },
      { ...summary.attachment, contentDisposition: 'attachment' as const },
    ],
  };
}

/**
 * Sends every due pending entry once. Each attempt is claimed with a unique key, so instances ticking together
 * never send the same attempt twice. 4xx and network errors are retried with backoff, 5xx mark the entry failed.
 */
export async function deliverDue(deps: DeliveryDeps, now: Date): Promise<{ sent: number; failed: number; retrying: number }> {
  const counts = { sent: 0, failed: 0, retrying: 0 };
  const pending = (await deps.models.Outbox.find({ state: 'pending' }).lean<OutboxEntry[]>()).filter((e) => e.nextAttemptAt <= now);
  const summaries = new Map<string, Promise<MonthlySummary>>();
  // A few at a time: building a summary (CPU here), the database and the SMTP server then overlap.
  await inParallel(pending, DELIVERY_PARALLEL, async (entry) => {
    if (!(await claimOnce(deps.models.Claim, `send:${entry._id}:${entry.attempts}`, now))) {
      // Someone else holds this attempt; if they died holding it, open the next attempt for the next tick.
      if (entry.claimedAt && now.getTime() - entry.claimedAt.getTime() > LEASE_MS) {
        await deps.models.Outbox.updateOne({ _id: entry._id, attempts: entry.attempts }, { $set: { attempts: entry.attempts + 1 }, $unset: { claimedAt: '' } });
      }
      return;
    }
    await deps.models.Outbox.updateOne({ _id: entry._id }, { $set: { claimedAt: now } });
    try {
      const key = `${entry.period}|${entry.unitCode}|${entry.kind}|${entry.lang}`;
      if (!summaries.has(key)) summaries.set(key, buildSummary(deps, { ...entry, publicBaseUrl: deps.publicBaseUrl, k: deps.smallCellK }));
      await deps.mailer.send(toMail(await summaries.get(key)!, entry.to, deps.mailFrom, entry.messageId));
      await deps.models.Outbox.updateOne({ _id: entry._id }, { $set: { state: 'sent', sentAt: now }, $unset: { lastError: '' } });
      counts.sent += 1;
    } catch (error) {
      const failure = mailFailure(error);
      const code = failure.responseCode;
      const message = `${code ? `${code} ` : ''}${failure.message}`.slice(0, 500);
      const attempts = entry.attempts + 1;
      if ((code !== undefined && code >= 500) || attempts >= MAX_ATTEMPTS) {
        await deps.models.Outbox.updateOne({ _id: entry._id }, { $set: { state: 'failed', lastError: message, attempts } });
        deps.logger.error({ entry: entry._id, period: entry.period, error: message }, 'monthly summary failed permanently');
        counts.failed += 1;
      } else {
        const wait = BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)]!;
        await deps.models.Outbox.updateOne(
          { _id: entry._id },
          { $set: { attempts, lastError: message, nextAttemptAt: new Date(now.getTime() + wait) }, $unset: { claimedAt: '' } },
        );
        deps.logger.warn({ entry: entry._id, period: entry.period, error: message, retryInMs: wait }, 'monthly summary will be retried');
        counts.retrying += 1;
      }
    }
  });
  return counts;
}

/** A random id for one-off previews, which are never recorded. */
export const previewMessageId = (publicBaseUrl: string) => `<preview.${crypto.randomUUID()}@${host(publicBaseUrl)}>`;
