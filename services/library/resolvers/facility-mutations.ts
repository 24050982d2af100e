import {
  auditedTransaction,
  idempotentCreate,
  loadForUpdate,
  parseInput,
  requireRole,
  validate,
} from '@coop/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Facility } from '../entities';
import type { Context } from './context';

const { clientKey, definedOnly, text } = validate;

const KINDS = [
  'CLASSROOM',
  'COMPUTER_LAB',
  'DORMITORY',
  'TEST_SITE',
  'DIGITAL_STUDIO',
  'AUDITORIUM',
  'LIBRARY',
] as const;

const fields = {
  name: text('name', 3, 300),
  kind: z.enum(KINDS),
  capacity: z
    .number()
    .int()
    .min(1, 'capacity must be at least 1')
    .max(10_000, 'capacity must be at most 10000'),
  address: text('address', 5, 500),
};

const createInput = z.object({ ...fields, clientKey });
const updateInput = z.object({
  name: fields.name.nullish(),
  kind: fields.kind.nullish(),
  capacity: fields.capacity.nullish(),
  address: fields.address.nullish(),
});

export async function createFacility(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const input = parseInput(createInput, args.input);
  const id = await auditedTransaction(
    context.db,
    'library',
    context.viewer,
    async (manager, audit) => {
      const scope = {
        actor: context.viewer.subject ?? '',
        operation: 'createFacility',
        clientKey: input.clientKey,
      };
      const result = await idempotentCreate(manager, 'library', scope, async () => {
        const { clientKey: _key, ...values } = input;
        const facility = { id: randomUUID(), ...values };
        await manager.getRepository(Facility).insert(facility);
        await audit({
          action: 'createFacility',
          entity: 'Facility',
          entityId: facility.id,
          before: null,
          after: { ...facility, version: 1 },
        });
        return facility.id;
      });
      return result.id;
    },
  );
  return context.loaders.facility.load(id);
}

export async function updateFacility(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = definedOnly(parseInput(updateInput, args.input));
  await auditedTransaction(context.db, 'library', context.viewer, async (manager, audit) => {
    const before = await loadForUpdate(manager, Facility, 'Facility', args.id, args.version);
    const after = { ...before, ...input, version: before.version + 1 };
    await manager.getRepository(Facility).save(after);
    await audit({
      action: 'updateFacility',
      entity: 'Facility',
      entityId: before.id,
      before,
      after,
    });
  });
  context.loaders.facility.clear(args.id);
  return context.loaders.facility.load(args.id);
}
