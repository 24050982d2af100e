import {
  auditedCreate,
  auditedUpdate,
  isUniqueViolation,
  parseInput,
  requireRole,
  userError,
  validate,
} from '@coop/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Librarian } from '../entities';
import type { Context } from './context';

const { clientKey, definedOnly, nip, provinceCode, text } = validate;

const SKILLED = ['TERAMPIL', 'MAHIR', 'PENYELIA'] as const;
const EXPERT = ['AHLI_PERTAMA', 'AHLI_MUDA', 'AHLI_MADYA', 'AHLI_UTAMA'] as const;

/** The level must belong to the track: Terampil, Mahir, Penyelia are skilled; Ahli … expert. */
function levelMatchesCategory(
  value: { category?: string | null; level?: string | null },
  context: z.RefinementCtx,
) {
  if (!value.category || !value.level) return;
  const levels: readonly string[] = value.category === 'SKILLED' ? SKILLED : EXPERT;
  if (!levels.includes(value.level)) {
    context.addIssue({
      code: 'custom',
      path: ['level'],
      message: `level ${value.level} is not a level of the ${value.category} track (${levels.join(', ')})`,
    });
  }
}

const fields = {
  name: text('name', 3, 200),
  category: z.enum(['SKILLED', 'EXPERT']),
  level: z.enum([...SKILLED, ...EXPERT]),
  grade: z.string().regex(/^(I|II|III|IV)\/[a-e]$/, 'grade must be written like III/a'),
  employer: text('employer', 3, 300),
  provinceCode,
};

const registerInput = z
  .object({
    nip: nip(),
    ...fields,
    clientKey,
  })
  .superRefine(levelMatchesCategory);

const updateInput = z
  .object({
    name: fields.name.nullish(),
    category: fields.category.nullish(),
    level: fields.level.nullish(),
    grade: fields.grade.nullish(),
    employer: fields.employer.nullish(),
    provinceCode: fields.provinceCode.nullish(),
  })
  .superRefine(levelMatchesCategory);

export async function registerLibrarian(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const { clientKey: key, ...values } = parseInput(registerInput, args.input);
  const action = {
    action: 'registerLibrarian',
    entity: 'Librarian',
    clientKey: key,
    input: values,
  };
  let id: string;
  try {
    id = await auditedCreate(context.db, 'library', context.viewer, action, async (manager) => {
      const librarian = { id: randomUUID(), ...values };
      await manager.getRepository(Librarian).insert(librarian);
      return { id: librarian.id, after: { ...librarian, version: 1 } };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw userError('CONFLICT', `A librarian with NIP ${values.nip} is already registered`, {
        field: 'input.nip',
      });
    }
    throw error;
  }
  return context.loaders.librarian.load(id);
}

export async function updateLibrarian(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = definedOnly(parseInput(updateInput, args.input));
  const { id, version } = args;
  const action = { action: 'updateLibrarian', entity: 'Librarian', target: Librarian, id, version };
  await auditedUpdate(context.db, 'library', context.viewer, action, (before) => {
    // The level and the category are checked together, whichever of the two changed.
    parseInput(updateInput, { ...before, ...input });
    return input;
  });
  context.loaders.librarian.clear(args.id);
  return context.loaders.librarian.load(args.id);
}
