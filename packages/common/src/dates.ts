/**
 * Dates of the domain are calendar dates in Indonesia's capital (WIB, UTC+7): a status that
 * follows from dates ("active", "expired") is computed against today's date there.
 */
const TIME_ZONE = 'Asia/Jakarta';

const JAKARTA_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE });

/** Today's date as `YYYY-MM-DD`; `TODAY` in the environment pins it (tests, demos). */
export function today(): string {
  const pinned = process.env.TODAY;
  if (pinned) return pinned;
  return JAKARTA_DATE.format(new Date());
}

export function addYears(isoDate: string, years: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year + years, month - 1, day));
  // 29 February plus a year lands on 1 March: keep the last day of February instead.
  if (date.getUTCMonth() !== month - 1) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
