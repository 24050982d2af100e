import { z } from 'zod';
import { isIsoDate } from './dates';
import {
  dateInSpan,
  dateSpanMessage,
  LESSON_HOURS_SPAN,
  SCORE_SPAN,
  YEAR_SPAN,
} from './domain-spans';
import { isUuid } from './loaders';
import { nipProblem } from './nip';

/**
 * Shared pieces of the services' input schemas (zod), with messages a person can act on. The
 * spans come from domain-spans.ts, so every write refuses the same out-of-domain values.
 */

/** A calendar date `YYYY-MM-DD` within DATE_SPAN (no year 0000–0099, no 9999). */
export const isoDate = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .refine(isIsoDate, { error: `${name} must be a calendar date written YYYY-MM-DD`, abort: true })
    .refine(dateInSpan, { error: dateSpanMessage(name) });

/** A year within YEAR_SPAN. */
export const year = (name: string) =>
  z
    .int({ error: `${name} must be a whole number` })
    .min(YEAR_SPAN.min, {
      error: `${name} must be a year from ${YEAR_SPAN.min} to ${YEAR_SPAN.max}`,
    })
    .max(YEAR_SPAN.max, {
      error: `${name} must be a year from ${YEAR_SPAN.min} to ${YEAR_SPAN.max}`,
    });

/** A score within SCORE_SPAN (0..100). */
export const score = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .min(SCORE_SPAN.min, {
      error: `${name} must be between ${SCORE_SPAN.min} and ${SCORE_SPAN.max}`,
    })
    .max(SCORE_SPAN.max, {
      error: `${name} must be between ${SCORE_SPAN.min} and ${SCORE_SPAN.max}`,
    });

/** Whole lesson hours within LESSON_HOURS_SPAN; the program's own hours are checked apart. */
export const lessonHours = (name: string) =>
  z
    .int({ error: `${name} must be a whole number of lesson hours` })
    .min(LESSON_HOURS_SPAN.min, { error: `${name} must be ${LESSON_HOURS_SPAN.min} or more` })
    .max(LESSON_HOURS_SPAN.max, {
      error: `${name} must be at most ${LESSON_HOURS_SPAN.max} lesson hours`,
    });

export const uuid = (name: string) =>
  z.string().refine(isUuid, `${name} must be an id returned by this API`);

export const text = (name: string, min = 1, max = 500) =>
  z
    .string()
    .trim()
    .min(min, `${name} must have at least ${min} character${min > 1 ? 's' : ''}`)
    .max(max, `${name} must have at most ${max} characters`);

/** A NIP whose birth date, appointment, sex and serial hold (nip.ts). */
export const nip = () =>
  z.string().superRefine((value, context) => {
    const problem = nipProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

export const provinceCode = z
  .string()
  .regex(/^\d{2}$/, 'provinceCode must be a two-digit Kemendagri code, e.g. 32');

export const SCOPES = [
  'COMPETENCY_DEVELOPMENT',
  'FACILITIES',
  'COMPETENCY_CERTIFICATION',
  'INFORMATION_TECHNOLOGY',
] as const;

export const clientKey = z.string().trim().min(1).max(200).nullish();

/** Drops the keys a client left out (undefined) or sent as null, for partial updates. */
export function definedOnly<T extends object>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined && field !== null),
  ) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}
