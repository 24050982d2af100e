import {
  inputError,
  auditedCreate,
  auditedUpdate,
  isUniqueViolation,
  parseInput,
  queryService,
  requireRole,
  userError,
  validate,
} from '@coop/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { ProgramModule, TrainingProgram } from '../entities';
import type { Context } from './context';

const { clientKey, definedOnly, SCOPES, text, uuid } = validate;

const LEVELS = [
  'TERAMPIL',
  'MAHIR',
  'PENYELIA',
  'AHLI_PERTAMA',
  'AHLI_MUDA',
  'AHLI_MADYA',
  'AHLI_UTAMA',
] as const;

const IT = 'INFORMATION_TECHNOLOGY';

const initiativeCode = z
  .string()
  .regex(
    /^[A-Z][A-Z0-9_]{1,39}$/,
    'initiativeCode must be the code of an IT initiative, e.g. INLISLITE',
  );

const onlyForIt = (scope: string) =>
  `only a program of scope ${IT} teaches an IT initiative, not one of scope ${scope}: leave initiativeCode out`;

const modules = z
  .array(
    z.object({
      title: text('title', 3, 300),
      lessonHours: z.number().int().min(1, 'lessonHours of a module must be at least 1').max(1000),
    }),
  )
  .min(1, 'modules must list at least one module');

const createInput = z
  .object({
    code: z
      .string()
      .regex(
        /^[A-Z0-9][A-Z0-9-]{1,39}$/,
        'code must be 2–40 capital letters, digits or dashes, e.g. PF-AP',
      ),
    title: text('title', 5, 300),
    description: text('description', 10, 5000),
    scope: z.enum(SCOPES),
    mode: z.enum(['CLASSROOM', 'ONLINE', 'BLENDED']),
    modules,
    agreementId: uuid('agreementId').nullish(),
    targetLevel: z.enum(LEVELS).nullish(),
    lessonHours: z.number().int().nullish(),
    initiativeCode: initiativeCode.nullish(),
    clientKey,
  })
  .superRefine((value, context) => {
    if (value.initiativeCode && value.scope !== IT) {
      context.addIssue({
        code: 'custom',
        path: ['initiativeCode'],
        message: onlyForIt(value.scope),
      });
    }
    const sum = value.modules.reduce((total, module) => total + module.lessonHours, 0);
    if (value.lessonHours != null && value.lessonHours !== sum) {
      context.addIssue({
        code: 'custom',
        path: ['lessonHours'],
        message: `lessonHours must equal the sum of the modules' hours (${sum}), got ${value.lessonHours}`,
      });
    }
  });

const updateInput = z.object({
  title: text('title', 5, 300).nullish(),
  description: text('description', 10, 5000).nullish(),
  scope: z.enum(SCOPES).nullish(),
  mode: z.enum(['CLASSROOM', 'ONLINE', 'BLENDED']).nullish(),
  modules: modules.nullish(),
  agreementId: uuid('agreementId').nullish(),
  targetLevel: z.enum(LEVELS).nullish(),
  initiativeCode: initiativeCode.nullish(),
});

/**
 * A program implements a PKS that exists, is ACTIVE today and covers the program's scope. The
 * library subgraph owns agreements: it is asked through its API, never through its tables.
 */
async function checkAgreement(agreementId: string, scope: string, context: Context) {
  const { agreement } = await queryService<{
    agreement: { kind: string; status: string; scopes: string[] } | null;
  }>(
    'library',
    'query ($id: ID!) { agreement(id: $id) { kind status scopes } }',
    { id: agreementId },
    context.authorization,
  );
  const refuse = (message: string) => inputError('input.agreementId', `${message}`);
  if (!agreement) throw refuse(`no agreement has id ${agreementId}`);
  if (agreement.kind !== 'PKS') throw refuse('a program implements a PKS, not an MoU');
  if (agreement.status !== 'ACTIVE') throw refuse(`the PKS is ${agreement.status}, not ACTIVE`);
  if (!agreement.scopes.includes(scope)) {
    throw refuse(
      `the PKS does not cover the scope ${scope} (it covers ${agreement.scopes.join(', ')})`,
    );
  }
}

/** The IT initiative a program teaches is the library's: asked through its API (decision 15). */
async function checkInitiative(code: string, context: Context) {
  const { itInitiative } = await queryService<{ itInitiative: { code: string } | null }>(
    'library',
    'query ($code: ID!) { itInitiative(code: $code) { code } }',
    { code },
    context.authorization,
  );
  if (!itInitiative) {
    throw inputError(
      'input.initiativeCode',
      `no IT initiative has code ${code}; see itInitiatives`,
    );
  }
}

async function replaceModules(
  manager: EntityManager,
  programId: string,
  list: { title: string; lessonHours: number }[],
) {
  await manager.getRepository(ProgramModule).delete({ programId });
  await manager.getRepository(ProgramModule).insert(
    list.map((module, index) => ({
      id: randomUUID(),
      programId,
      position: index + 1,
      ...module,
    })),
  );
}

const totalHours = (list: { lessonHours: number }[]) =>
  list.reduce((total, module) => total + module.lessonHours, 0);

export async function createTrainingProgram(
  _: unknown,
  args: { input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = parseInput(createInput, args.input);
  const { clientKey: key, modules: list, lessonHours: _sum, ...values } = input;
  if (values.agreementId) await checkAgreement(values.agreementId, values.scope, context);
  if (values.initiativeCode) await checkInitiative(values.initiativeCode, context);
  const action = {
    action: 'createTrainingProgram',
    entity: 'TrainingProgram',
    clientKey: key,
    input: { ...values, modules: list },
  };
  let id: string;
  try {
    id = await auditedCreate(
      context.db,
      'bpsdm_central',
      context.viewer,
      action,
      async (manager) => {
        const program = {
          id: randomUUID(),
          ...values,
          lessonHours: totalHours(list),
          targetLevel: values.targetLevel ?? null,
          agreementId: values.agreementId ?? null,
          initiativeCode: values.initiativeCode ?? null,
        };
        await manager.getRepository(TrainingProgram).insert(program);
        await replaceModules(manager, program.id, list);
        return { id: program.id, after: { ...program, version: 1, modules: list } };
      },
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw userError('CONFLICT', `A program with code ${values.code} already exists`, {
        field: 'input.code',
      });
    }
    throw error;
  }
  return context.loaders.program.load(id);
}

export async function updateTrainingProgram(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const { modules: list, ...fields } = definedOnly(parseInput(updateInput, args.input));
  const { id, version } = args;
  const action = {
    action: 'updateTrainingProgram',
    entity: 'TrainingProgram',
    target: TrainingProgram,
    id,
    version,
  };
  await auditedUpdate(
    context.db,
    'bpsdm_central',
    context.viewer,
    action,
    async (before, manager) => {
      const after = { ...before, ...fields };
      if (after.agreementId && (fields.agreementId || fields.scope)) {
        await checkAgreement(after.agreementId, after.scope, context);
      }
      if (fields.initiativeCode) {
        if (after.scope !== IT) throw inputError('input.initiativeCode', onlyForIt(after.scope));
        await checkInitiative(fields.initiativeCode, context);
      }
      // A program that leaves the IT scope no longer teaches an IT initiative.
      const changes = after.scope === IT ? fields : { ...fields, initiativeCode: null };
      if (!list) return changes;
      await replaceModules(manager, before.id, list);
      return { ...changes, lessonHours: totalHours(list) };
    },
  );
  context.loaders.program.clear(args.id);
  return context.loaders.program.load(args.id);
}
