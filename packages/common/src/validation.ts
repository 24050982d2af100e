import { z } from 'zod';
import { isIsoDate } from './dates';
import { isUuid } from './loaders';

/** Shared pieces of the services' input schemas (zod), with messages a person can act on. */
export const isoDate = (name: string) =>
  z.string().refine(isIsoDate, `${name} must be a date written YYYY-MM-DD`);

export const uuid = (name: string) =>
  z.string().refine(isUuid, `${name} must be an id returned by this API`);

export const text = (name: string, min = 1, max = 500) =>
  z
    .string()
    .trim()
    .min(min, `${name} must have at least ${min} character${min > 1 ? 's' : ''}`)
    .max(max, `${name} must have at most ${max} characters`);

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
