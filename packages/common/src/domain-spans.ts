/**
 * The spans of the domain's values, in one place: the reads' input check (input-domains.ts)
 * and the writes' zod schemas (validation.ts) both take them from here.
 *
 * Years and dates: the MoU is of 31 January 2019, the PKS of 9 March 2022, and the seed's
 * runs, agreements and assessments lie in 2019–2027; a librarian's competency assessment may
 * predate the MoU (LSP Pustakawan assessed against SKKNI 83/2012 before SKKNI 236/2019), so
 * the span starts in 2000, well before anything the cooperation records, and ends in 2100,
 * far beyond any plan or validity period. A date written by a write is always within the
 * years the reads accept, so whatever is written can be found by year.
 */
export const YEAR_SPAN = { min: 2000, max: 2100 } as const;

/** Every `Date` a write accepts: the first and last day of YEAR_SPAN's years. */
export const DATE_SPAN = {
  min: `${YEAR_SPAN.min}-01-01`,
  max: `${YEAR_SPAN.max}-12-31`,
} as const;

/** A participant's final score (`finalScore`), a percentage. */
export const SCORE_SPAN = { min: 0, max: 100 } as const;

/**
 * Lesson hours (*jam pelajaran*) a participant earns: from 0 to the hours of the run's program
 * (checked against the program, asked of bpsdm-central); never more than this bound, whatever a
 * program says, so no sum of them can overflow an aggregate.
 */
export const LESSON_HOURS_SPAN = { min: 0, max: 10_000 } as const;

/** True when an ISO date `YYYY-MM-DD` lies within DATE_SPAN (strings compare as dates). */
export function dateInSpan(isoDate: string): boolean {
  return isoDate >= DATE_SPAN.min && isoDate <= DATE_SPAN.max;
}

export function dateSpanMessage(name: string): string {
  return `${name} must be a date from ${DATE_SPAN.min} to ${DATE_SPAN.max}`;
}
