import { auditedCreate, auditedUpdate, parseInput, requireRole, validate } from '@coop/common';
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
  const { clientKey: key, ...values } = parseInput(createInput, args.input);
  const action = { action: 'createFacility', entity: 'Facility', clientKey: key, input: values };
  const id = await auditedCreate(context.db, 'library', context.viewer, action, async (manager) => {
    const facility = { id: randomUUID(), ...values };
    await manager.getRepository(Facility).insert(facility);
    return { id: facility.id, after: { ...facility, version: 1 } };
  });
  return context.loaders.facility.load(id);
}

export async function updateFacility(
  _: unknown,
  args: { id: string; version: number; input: unknown },
  context: Context,
) {
  requireRole(context.viewer);
  const input = definedOnly(parseInput(updateInput, args.input));
  const { id, version } = args;
  const action = { action: 'updateFacility', entity: 'Facility', target: Facility, id, version };
  await auditedUpdate(context.db, 'library', context.viewer, action, () => input);
  context.loaders.facility.clear(args.id);
  return context.loaders.facility.load(args.id);
}
