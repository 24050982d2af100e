import {
  auditedTransaction,
  idempotentCreate,
  loadForUpdate,
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
  if (!parent)
    throw userError('BAD_USER_INPUT', `input.parentId: no agreement has id ${parentId}`, {
      field: 'input.parentId',
    });
  if (parent.kind !== 'MOU') {
    throw userError('BAD_USER_INPUT', 'input.parentId: a PKS carries out an MoU, not another PKS', {
      field: 'input.parentId',
    });
  }
  const outside = agreementScopes.filter((scope) => !parent.scopes.includes(scope));
  if (outside.length) {
    throw userError(
      'BAD_USER_INPUT',
      `input.scopes: the MoU does not cover ${outside.join(', ')}`,
      { field: 'input.scopes' },
    );
  }
}

export async function createAgreement(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const input = parseInput(createInput, args.input);
  const id = await auditedTransaction(
    context.db,
    'library',
    context.viewer,
    async (manager, audit) => {
      const result = await idempotentCreate(
        manager,
        'library',
        {
          actor: context.viewer.subject ?? '',
          operation: 'createAgreement',
          clientKey: input.clientKey,
        },
        async () => {
          if (input.parentId) await checkParent(manager, input.parentId, input.scopes);
          const agreement = manager.getRepository(Agreement).create({
            id: randomUUID(),
            kind: input.kind,
            title: input.title,
            parentId: input.parentId ?? null,
            signedOn: input.signedOn,
            place: input.place ?? null,
            validFrom: input.validFrom,
            validUntil: input.validUntil ?? null,
            state: input.draft ? 'DRAFT' : 'SIGNED',
            scopes: input.scopes,
            terminatedOn: null,
            terminationReason: null,
          });
          await manager.getRepository(Agreement).insert(agreement);
          await manager.getRepository(AgreementParty).insert(
            input.parties.map((p, index) => ({
              id: stableId('agreement-party', `${agreement.id}:${index}`),
              agreementId: agreement.id,
              position: index + 1,
              role: p.role,
              organization: p.organization,
              documentNumber: p.documentNumber ?? null,
              signatoryName: p.signatoryName ?? null,
              signatoryPosition: p.signatoryPosition ?? null,
              provinceCode: p.provinceCode ?? null,
            })),
          );
          await audit({
            action: 'createAgreement',
            entity: 'Agreement',
            entityId: agreement.id,
            before: null,
            after: { ...agreement, version: 1, parties: input.parties },
          });
          return agreement.id;
        },
      );
      return result.id;
    },
  );
  return context.loaders.agreement.load(id);
}

export async function updateAgreement(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = definedOnly(parseInput(updateInput, args.input));
  await auditedTransaction(context.db, 'library', context.viewer, async (manager, audit) => {
    const before = await loadForUpdate(manager, Agreement, 'Agreement', args.id, args.version);
    if (before.state === 'TERMINATED') {
      throw userError('BAD_USER_INPUT', 'A terminated agreement cannot be changed', {
        field: 'id',
      });
    }
    const { draft, ...fields } = input;
    const after: Agreement = {
      ...before,
      ...fields,
      state: draft === undefined ? before.state : draft ? 'DRAFT' : 'SIGNED',
      version: before.version + 1,
    };
    if (after.validUntil && after.validUntil < after.validFrom) {
      throw userError('BAD_USER_INPUT', 'input.validUntil: must not be before validFrom', {
        field: 'input.validUntil',
      });
    }
    if (before.state === 'SIGNED' && after.state === 'DRAFT') {
      throw userError(
        'BAD_USER_INPUT',
        'input.draft: a signed agreement cannot become a draft again',
        { field: 'input.draft' },
      );
    }
    if (after.parentId && input.scopes) await checkParent(manager, after.parentId, after.scopes);
    await manager.getRepository(Agreement).save(after);
    await audit({
      action: 'updateAgreement',
      entity: 'Agreement',
      entityId: before.id,
      before,
      after,
    });
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
  await auditedTransaction(context.db, 'library', context.viewer, async (manager, audit) => {
    const before = await loadForUpdate(manager, Agreement, 'Agreement', args.id, args.version);
    if (before.state === 'TERMINATED') {
      throw userError('BAD_USER_INPUT', 'The agreement is already terminated', { field: 'id' });
    }
    const after: Agreement = {
      ...before,
      state: 'TERMINATED',
      terminatedOn: today(),
      terminationReason: reason,
      version: before.version + 1,
    };
    await manager.getRepository(Agreement).save(after);
    await audit({
      action: 'terminateAgreement',
      entity: 'Agreement',
      entityId: before.id,
      before,
      after,
    });
  });
  context.loaders.agreement.clear(args.id);
  return context.loaders.agreement.load(args.id);
}
