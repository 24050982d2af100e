/** Calendar arithmetic on `YYYY-MM-DD` dates, in whole UTC days (no time zone can shift them). */

const DAY_MS = 86_400_000;

/** Days since 1970-01-01. */
export function dayNumber(isoDate: string): number {
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
}

export function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  return fromDayNumber(dayNumber(isoDate) + days);
}

function isWeekend(day: number): boolean {
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** The date itself when it is a weekday, else the Monday after it. */
export function nextWorkingDay(isoDate: string): string {
  let day = dayNumber(isoDate);
  while (isWeekend(day)) day += 1;
  return fromDayNumber(day);
}

/** The date `count` working days (Monday to Friday) after a working day. */
export function addWorkingDays(isoDate: string, count: number): string {
  let day = dayNumber(isoDate);
  for (let left = count; left > 0;) {
    day += 1;
    if (!isWeekend(day)) left -= 1;
  }
  return fromDayNumber(day);
}
