import {
  auditedCreate,
  auditedUpdate,
  inputError,
  isUniqueViolation,
  parseInput,
  provinces,
  requireRole,
  today,
  userError,
  validate,
} from '@coop/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ItInitiative, ItRollout } from '../entities';
import type { Context } from './context';

const { clientKey, definedOnly, isoDate, text } = validate;

const KINDS = [
  'LIBRARY_SYSTEM',
  'UNION_CATALOGUE',
  'DIGITAL_LENDING',
  'E_RESOURCES',
  'DIGITAL_HERITAGE',
] as const;

const httpsUrl = text('url', 12, 500).refine((value) => {
  try {
    return new URL(value).protocol === 'https:' && !/\s/.test(value);
  } catch {
    return false;
  }
}, 'url must be an https:// address, e.g. https://inlislite.perpusnas.go.id');

const fields = {
  name: text('name', 2, 200),
  kind: z.enum(KINDS),
  description: text('description', 10, 2000),
  url: httpsUrl,
};

const createInitiativeInput = z.object({
  code: z
    .string()
    .regex(
      /^[A-Z][A-Z0-9_]{1,39}$/,
      'code must be 2–40 capital letters, digits or underscores starting with a letter, e.g. INLISLITE',
    ),
  ...fields,
  clientKey,
});

const updateInitiativeInput = z.object({
  name: fields.name.nullish(),
  kind: fields.kind.nullish(),
  description: fields.description.nullish(),
  url: fields.url.nullish(),
});

const knownProvince = validate.provinceCode.refine(
  (code) => provinces().some((province) => province.code === code),
  'provinceCode must be the code of one of the 38 provinces, e.g. 35 (Jawa Timur)',
);

const count = (name: string, min: number) =>
  z
    .int({ error: `${name} must be a whole number` })
    .min(min, `${name} must be ${min} or more`)
    .max(100_000, `${name} must be at most 100000`);

/**
 * A rollout's numbers must tell one story: a PLANNED rollout has no library using the service
 * yet and a piloting or used one has at least one; no more libraries use it than the province
 * has; and a forum exists only where half of the regency/city libraries use it (decision 15).
 */
export const rolloutInput = z
  .object({
    initiativeCode: text('initiativeCode', 1, 40),
    provinceCode: knownProvince,
    status: z.enum(['PLANNED', 'PILOTING', 'IN_USE']),
    librariesUsing: count('librariesUsing', 0),
    librariesTotal: count('librariesTotal', 1).nullish(),
    hasForum: z.boolean().nullish(),
    since: isoDate('since')
      .refine((day) => day <= today(), 'since must not be in the future')
      .nullish(),
    version: z.int().min(1, 'version must be one you read').nullish(),
    clientKey,
  })
  .superRefine((value, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (value.status === 'PLANNED' && value.librariesUsing > 0) {
      problem(
        'librariesUsing',
        'a PLANNED rollout has no library using it yet: send 0, or status PILOTING or IN_USE',
      );
    }
    if (value.status !== 'PLANNED' && value.librariesUsing === 0) {
      problem(
        'librariesUsing',
        `a ${value.status} rollout has at least one library using it: send 1 or more, or status PLANNED`,
      );
    }
    const total = value.librariesTotal;
    if (total != null && value.librariesUsing > total) {
      problem(
        'librariesUsing',
        `librariesUsing (${value.librariesUsing}) cannot exceed librariesTotal (${total})`,
      );
    }
    if (value.hasForum && (total == null || value.librariesUsing * 2 < total)) {
      problem(
        'hasForum',
        total == null
          ? 'a forum needs half of the regency/city libraries using it: send librariesTotal'
          : `a forum needs half of the ${total} regency/city libraries using it (${Math.ceil(total / 2)}), not ${value.librariesUsing}`,
      );
    }
  });

function noInitiative(field: string, code: string) {
  return inputError(field, `no IT initiative has code ${code}; see itInitiatives`);
}

export async function createItInitiative(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const { clientKey: key, ...values } = parseInput(createInitiativeInput, args.input);
  const action = {
    action: 'createItInitiative',
    entity: 'ItInitiative',
    clientKey: key,
    input: values,
  };
  let id: string;
  try {
    id = await auditedCreate(context.db, 'library', context.viewer, action, async (manager) => {
      const initiative = { id: randomUUID(), ...values };
      await manager.getRepository(ItInitiative).insert(initiative);
      return { id: initiative.id, after: { ...initiative, version: 1 } };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw userError('CONFLICT', `An IT initiative with code ${values.code} already exists`, {
        field: 'input.code',
      });
    }
    throw error;
  }
  // A replayed key answers with what it created then, whatever code this request names.
  const created = await context.db.getRepository(ItInitiative).findOneByOrFail({ id });
  return created;
}

export async function updateItInitiative(
  _: unknown,
  args: { code: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = definedOnly(parseInput(updateInitiativeInput, args.input));
  // The code never changes and initiatives are never deleted: it names one id for good.
  const current = await context.loaders.itInitiative.load(args.code);
  if (!current) throw userError('NOT_FOUND', `No IT initiative has code ${args.code}`);
  const action = {
    action: 'updateItInitiative',
    entity: 'ItInitiative',
    target: ItInitiative,
    id: current.id,
    version: args.version,
  };
  await auditedUpdate(context.db, 'library', context.viewer, action, () => input);
  context.loaders.itInitiative.clear(args.code);
  return context.loaders.itInitiative.load(args.code);
}

/**
 * Records a province's rollout of an initiative. Without `version` it records the first one
 * (idempotent on `clientKey`); with it, it replaces the rollout read at that version, so two
 * operators never overwrite each other unseen (CONFLICT).
 */
export async function recordRollout(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const { clientKey: key, version, ...input } = parseInput(rolloutInput, args.input);
  const values = {
    ...input,
    librariesTotal: input.librariesTotal ?? null,
    hasForum: !!input.hasForum,
    since: input.since ?? null,
  };
  if (!(await context.loaders.itInitiative.load(values.initiativeCode))) {
    throw noInitiative('input.initiativeCode', values.initiativeCode);
  }
  const repository = context.db.getRepository(ItRollout);
  const where = { initiativeCode: values.initiativeCode, provinceCode: values.provinceCode };
  const exists = (found: { version: number }) =>
    userError(
      'CONFLICT',
      `Province ${values.provinceCode} already has a rollout of ${values.initiativeCode} (version ${found.version}): read it and send its version`,
      { field: 'input.version', actualVersion: found.version },
    );
  let id: string;
  if (version == null) {
    const action = { action: 'recordRollout', entity: 'ItRollout', clientKey: key, input: values };
    try {
      id = await auditedCreate(context.db, 'library', context.viewer, action, async (manager) => {
        const found = await manager.getRepository(ItRollout).findOneBy(where);
        if (found) throw exists(found);
        const rollout = { id: randomUUID(), ...values };
        await manager.getRepository(ItRollout).insert(rollout);
        return { id: rollout.id, after: { ...rollout, version: 1 } };
      });
    } catch (error) {
      // Two first records of one province at once: the later one is told, as above.
      if (isUniqueViolation(error)) throw exists(await repository.findOneByOrFail(where));
      throw error;
    }
  } else {
    const found = await repository.findOneBy(where);
    if (!found) {
      throw inputError(
        'input.version',
        `province ${values.provinceCode} has no rollout of ${values.initiativeCode} yet: leave version out to record the first`,
      );
    }
    id = found.id;
    const action = { action: 'recordRollout', entity: 'ItRollout', target: ItRollout, id, version };
    await auditedUpdate(context.db, 'library', context.viewer, action, () => values);
  }
  return context.loaders.itRollout.load(id);
}
