import { Cron } from 'croner';
import { periodOf, shiftPeriod } from '../responses/period';
import { runMonthlyReport } from './monthly-run';
import { deliverDue, type DeliveryDeps } from './outbox';

export const REPORT_TIMEZONE = 'Asia/Ho_Chi_Minh';
const RETRY_TICK_MS = 60_000;

/** The period a run at `now` reports on: the month that just ended (in Vietnam's time). */
export const reportedPeriod = (now: Date) => shiftPeriod(periodOf(now), -1);

/** When this month's run was due: the first scheduled instant in the current month (Asia/Ho_Chi_Minh). */
export function dueThisMonth(cron: string, now: Date): Date | null {
  const monthStart = new Date(`${periodOf(now)}-01T00:00:00+07:00`);
  return new Cron(cron, { timezone: REPORT_TIMEZONE, paused: true }).nextRun(new Date(monthStart.getTime() - 1000));
}

/**
 * The schedule only schedules: at each cron instant (default 07:00 on the 1st, Vietnam time) it calls the same
 * runMonthlyReport the CLI calls; every minute it retries due deliveries; at start it catches up a run missed
 * while the app was down. Every instance ticks; the outbox's claims make the sending happen once.
 */
export function startReportSchedule(deps: DeliveryDeps, cron: string, clock: () => Date): { stop(): void; catchUp(): Promise<void> } {
  const run = async () => {
    const now = clock();
    try {
      const result = await runMonthlyReport(deps, { period: reportedPeriod(now) }, now);
      deps.logger.info(result, 'monthly summaries run');
    } catch (error) {
      deps.logger.error({ err: error }, 'monthly summaries run failed');
    }
  };
  const job = new Cron(cron, { timezone: REPORT_TIMEZONE, protect: true }, run);
  const retry = setInterval(() => {
    deliverDue(deps, clock()).catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'outbox retry tick failed');
    });
  }, RETRY_TICK_MS);
  retry.unref();

  return {
    stop() {
      job.stop();
      clearInterval(retry);
    },
    async catchUp() {
      const now = clock();
      const due = dueThisMonth(cron, now);
      if (!due || due > now) return;
      const period = reportedPeriod(now);
      const subscriptions = await deps.models.Subscription.estimatedDocumentCount();
      const queued = await deps.models.Outbox.countDocuments({ period });
      if (subscriptions > 0 && queued < subscriptions) {
        deps.logger.info({ period }, 'catching up the monthly summaries missed while the app was down');
        await run();
      }
    },
  };
}
