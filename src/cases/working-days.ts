/**
 * Due dates in working days (Monday to Friday, Asia/Ho_Chi_Minh): a case opened on Friday evening with 5 working
 * days is due at the end of the next Friday. Public holidays are not known here and count as working days.
 */
const VN_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export function addWorkingDays(from: Date, days: number): Date {
  // Work on the Vietnamese calendar day: shift by +7 h and read the UTC fields.
  let local = new Date(Math.floor((from.getTime() + VN_OFFSET_MS) / DAY_MS) * DAY_MS);
  let left = days;
  while (left > 0) {
    local = new Date(local.getTime() + DAY_MS);
    const weekday = local.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  // The end of that Vietnamese day, back in real time.
  return new Date(local.getTime() + DAY_MS - 1 - VN_OFFSET_MS);
}
