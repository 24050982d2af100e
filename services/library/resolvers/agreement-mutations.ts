import {
  inputError,
  auditedCreate,
  auditedUpdate,
  parseInput,
  requireRole,
  stableId,
  today,
  userError,
  validate,
} from '@coop/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { Agreement, AgreementParty } from '../entities';
import type { AgreementState } from '../entities/agreement';
import type { Context } from './context';
const { clientKey, definedOnly, isoDate, provinceCode, SCOPES, text, uuid } = validate;

const party = z.object({
  role: z.enum(['FIRST', 'SECOND', 'THIRD']),
  organization: text('organization', 2),
  documentNumber: text('documentNumber').nullish(),
  signatoryName: text('signatoryName', 2).nullish(),
  signatoryPosition: text('signatoryPosition', 2).nullish(),
  provinceCode: provinceCode.nullish(),
});

const period = <T extends { validFrom?: string | null; validUntil?: string | null }>(
  value: T,
  context: z.RefinementCtx,
) => {
  if (value.validFrom && value.validUntil && value.validUntil < value.validFrom) {
    context.addIssue({
      code: 'custom',
      path: ['validUntil'],
      message: 'validUntil must not be before validFrom',
    });
  }
};

const scopes = z
  .array(z.enum(SCOPES))
  .min(1, 'scopes must name at least one scope')
  .refine((list) => new Set(list).size === list.length, 'scopes must not repeat a scope');

const createInput = z
  .object({
    kind: z.enum(['MOU', 'PKS']),
    title: text('title', 5, 1000),
    parentId: uuid('parentId').nullish(),
    signedOn: isoDate('signedOn'),
    place: text('place').nullish(),
    validFrom: isoDate('validFrom'),
    validUntil: isoDate('validUntil').nullish(),
    draft: z.boolean().nullish(),
    scopes,
    parties: z
      .array(party)
      .min(2, 'parties must list at least two parties')
      .refine(
        (list) => new Set(list.map((p) => p.role)).size === list.length,
        'parties must not repeat a role',
      ),
    clientKey,
  })
  .superRefine(period)
  .superRefine((value, context) => {
    if (value.kind === 'PKS' && !value.parentId) {
      context.addIssue({
        code: 'custom',
        path: ['parentId'],
        message: 'a PKS needs parentId: the MoU it carries out',
      });
    }
    if (value.kind === 'MOU' && value.parentId) {
      context.addIssue({
        code: 'custom',
        path: ['parentId'],
        message: 'an MoU has no parent agreement',
      });
    }
  });

const updateInput = z
  .object({
    title: text('title', 5, 1000).nullish(),
    place: text('place').nullish(),
    signedOn: isoDate('signedOn').nullish(),
    validFrom: isoDate('validFrom').nullish(),
    validUntil: isoDate('validUntil').nullish(),
    draft: z.boolean().nullish(),
    scopes: scopes.nullish(),
  })
  .superRefine(period);

/** A PKS carries out an MoU and covers only the scopes of that MoU. */
async function checkParent(
  manager: EntityManager,
  parentId: string,
  agreementScopes: string[],
): Promise<void> {
  const parent = await manager.getRepository(Agreement).findOneBy({ id: parentId });
  if (!parent) throw inputError('input.parentId', `no agreement has id ${parentId}`);
  if (parent.kind !== 'MOU') {
    throw userError('BAD_USER_INPUT', 'input.parentId: a PKS carries out an MoU, not another PKS', {
      field: 'input.parentId',
    });
  }
  const outside = agreementScopes.filter((scope) => !parent.scopes.includes(scope));
  if (outside.length) {
    throw inputError('input.scopes', `the MoU does not cover ${outside.join(', ')}`);
  }
}

export async function createAgreement(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const input = parseInput(createInput, args.input);
  const { clientKey: key, parties, draft, ...values } = input;
  const action = { action: 'createAgreement', entity: 'Agreement', clientKey: key, input };
  const id = await auditedCreate(context.db, 'library', context.viewer, action, async (manager) => {
    if (values.parentId) await checkParent(manager, values.parentId, values.scopes);
    const agreement = {
      id: randomUUID(),
      ...values,
      parentId: values.parentId ?? null,
      place: values.place ?? null,
      validUntil: values.validUntil ?? null,
      state: draft ? ('DRAFT' as const) : ('SIGNED' as const),
    };
    await manager.getRepository(Agreement).insert(agreement);
    await manager.getRepository(AgreementParty).insert(
      parties.map((party, index) => ({
        id: stableId('agreement-party', `${agreement.id}:${index}`),
        agreementId: agreement.id,
        position: index + 1,
        role: party.role,
        organization: party.organization,
        documentNumber: party.documentNumber ?? null,
        signatoryName: party.signatoryName ?? null,
        signatoryPosition: party.signatoryPosition ?? null,
        provinceCode: party.provinceCode ?? null,
      })),
    );
    return { id: agreement.id, after: { ...agreement, version: 1, parties } };
  });
  return context.loaders.agreement.load(id);
}

export async function updateAgreement(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const { draft, ...fields } = definedOnly(parseInput(updateInput, args.input));
  const { id, version } = args;
  const action = { action: 'updateAgreement', entity: 'Agreement', target: Agreement, id, version };
  await auditedUpdate(context.db, 'library', context.viewer, action, async (before, manager) => {
    if (before.state === 'TERMINATED') {
      throw userError('BAD_USER_INPUT', 'A terminated agreement cannot be changed', {
        field: 'id',
      });
    }
    const state: AgreementState = draft === undefined ? before.state : draft ? 'DRAFT' : 'SIGNED';
    if (before.state === 'SIGNED' && state === 'DRAFT') {
      throw userError(
        'BAD_USER_INPUT',
        'input.draft: a signed agreement cannot become a draft again',
        {
          field: 'input.draft',
        },
      );
    }
    const after = { ...before, ...fields };
    if (after.validUntil && after.validUntil < after.validFrom) {
      throw userError('BAD_USER_INPUT', 'input.validUntil: must not be before validFrom', {
        field: 'input.validUntil',
      });
    }
    if (after.parentId && fields.scopes) await checkParent(manager, after.parentId, after.scopes);
    return { ...fields, state };
  });
  context.loaders.agreement.clear(args.id);
  return context.loaders.agreement.load(args.id);
}

export async function terminateAgreement(
  _: unknown,
  args: { id: string; version: number; reason: string },
  context: Context,
) {
  requireRole(context.viewer);
  const { reason } = parseInput(z.object({ reason: text('reason', 10, 2000) }), args, 'args');
  const { id, version } = args;
  const action = {
    action: 'terminateAgreement',
    entity: 'Agreement',
    target: Agreement,
    id,
    version,
  };
  await auditedUpdate(context.db, 'library', context.viewer, action, (before) => {
    if (before.state === 'TERMINATED') {
      throw userError('BAD_USER_INPUT', 'The agreement is already terminated', { field: 'id' });
    }
    return { state: 'TERMINATED' as const, terminatedOn: today(), terminationReason: reason };
  });
  context.loaders.agreement.clear(args.id);
  return context.loaders.agreement.load(args.id);
}
