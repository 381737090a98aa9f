/**
 * When an answer was given (issue #29): a rating tapped at a kiosk while the network was down is sent later, and
 * counts in the month it was given, not the month it arrived. The page posts the tap's time (`given_at`) and the
 * time it sends (`sent_at`), both by the device's clock; their difference from the server's clock corrects the
 * device's drift. A device whose clock disagrees with the server's by more than a form token's life is not
 * believed: the answer counts at its token's issue time. Either way the time lies between the token's issue (the
 * page could not have been answered before) and now, so an answer is never placed in a month its token did not live
 * in, and the exports' `_id`-by-day reading (exports/responses-by-day.ts) still finds it within a day of its id.
 */
export function givenTime(posted: { givenAt?: string; sentAt?: string }, issuedAt: number, now: number, tokenLifeMs: number): Date {
  const givenAt = millis(posted.givenAt);
  const sentAt = millis(posted.sentAt);
  if (givenAt === undefined || sentAt === undefined) return new Date(now);
  const drift = now - sentAt;
  if (Math.abs(drift) > tokenLifeMs) return new Date(issuedAt);
  return new Date(Math.min(now, Math.max(issuedAt, givenAt + drift)));
}

/** How long after it was given an answer arrives to count as sent late ("đánh giá gửi muộn"): a queued one. */
export const LATE_AFTER_MS = 2 * 60_000;

/** A time in milliseconds since 1970 as the page posts it: digits only, within the years this can be. */
function millis(value: string | undefined): number | undefined {
  if (!value || !/^\d{12,14}$/.test(value)) return undefined;
  return Number(value);
}
