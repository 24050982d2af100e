import {
  inputError,
  addYears,
  auditedCreate,
  auditedTransaction,
  parseInput,
  queryService,
  requireRole,
  today,
  userError,
  validate,
} from '@coop/common';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { Certification, CertificationScheme, Librarian } from '../entities';
import type { Context } from './context';

const { clientKey, isoDate, text, uuid } = validate;

/** Competency certificates of LSP Pustakawan are valid three years (*masa berlaku*). */
export const CERTIFICATE_VALIDITY_YEARS = 3;

const assessmentInput = z.object({
  librarianId: uuid('librarianId'),
  schemeCode: text('schemeCode', 1, 50),
  assessedOn: isoDate('assessedOn').refine(
    (day) => day <= today(),
    'assessedOn must not be in the future',
  ),
  result: z.enum(['COMPETENT', 'NOT_YET_COMPETENT']),
  runId: uuid('runId').nullish(),
  clientKey,
});

/**
 * The next registration number of a year, `LSP-PUS/<year>/<000001>`. The counter row is
 * locked by the UPDATE until the transaction ends, so two assessments never get one number;
 * it starts after the highest number already issued that year.
 */
async function nextNumber(manager: EntityManager, year: number): Promise<string> {
  await manager.query(
    `INSERT INTO library.certificate_sequence (year, last)
     SELECT $1, coalesce(max(split_part(number, '/', 3)::int), 0)
       FROM library.certification WHERE number LIKE $2
     ON CONFLICT (year) DO NOTHING`,
    [year, `LSP-PUS/${year}/%`],
  );
  const [row] = await manager.query(
    // As a CTE the statement reads as a SELECT: TypeORM returns its rows, not [rows, count].
    `WITH next AS (
       UPDATE library.certificate_sequence SET last = last + 1 WHERE year = $1 RETURNING last)
     SELECT last FROM next`,
    [year],
  );
  return `LSP-PUS/${year}/${String(row.last).padStart(6, '0')}`;
}

/** A run is bpsdm-regional's: whether it exists is asked there, through the graph. */
async function checkRun(runId: string, context: Context): Promise<void> {
  const { _entities } = await queryService<{ _entities: (object | null)[] }>(
    'bpsdm-regional',
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ProgramRun { id } } }`,
    { r: [{ __typename: 'ProgramRun', id: runId }] },
    context.authorization,
  );
  if (!_entities[0]) {
    throw inputError('input.runId', `no program run has id ${runId}`);
  }
}

export async function recordAssessment(_: unknown, args: { input: unknown }, context: Context) {
  requireRole(context.viewer);
  const input = parseInput(assessmentInput, args.input);
  if (input.runId) await checkRun(input.runId, context);
  const action = {
    action: 'recordAssessment',
    entity: 'Certification',
    clientKey: input.clientKey,
    input,
  };
  const number = await auditedCreate(
    context.db,
    'library',
    context.viewer,
    action,
    async (manager) => {
      if (!(await manager.getRepository(Librarian).existsBy({ id: input.librarianId }))) {
        throw inputError('input.librarianId', `no librarian has id ${input.librarianId}`);
      }
      if (
        !(await manager.getRepository(CertificationScheme).existsBy({ code: input.schemeCode }))
      ) {
        throw inputError(
          'input.schemeCode',
          `no certification scheme has code ${input.schemeCode}`,
        );
      }
      const competent = input.result === 'COMPETENT';
      const certification: Certification = {
        number: await nextNumber(manager, Number(input.assessedOn.slice(0, 4))),
        schemeCode: input.schemeCode,
        librarianId: input.librarianId,
        result: input.result,
        assessedOn: input.assessedOn,
        issuedOn: competent ? input.assessedOn : null,
        expiresOn: competent ? addYears(input.assessedOn, CERTIFICATE_VALIDITY_YEARS) : null,
        revokedOn: null,
        revocationReason: null,
        runId: input.runId ?? null,
      };
      await manager.getRepository(Certification).insert(certification);
      return { id: certification.number, after: certification };
    },
  );
  return context.loaders.certification.load(number);
}

export async function revokeCertificate(
  _: unknown,
  args: { number: string; reason: string },
  context: Context,
) {
  requireRole(context.viewer);
  const { reason } = parseInput(
    z.object({ reason: text('reason', 10, 2000) }),
    { reason: args.reason },
    'args',
  );
  await auditedTransaction(context.db, 'library', context.viewer, async (manager, audit) => {
    const before = await manager
      .getRepository(Certification)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.number = :number', { number: args.number })
      .getOne();
    if (!before) throw userError('NOT_FOUND', `No certificate has number ${args.number}`);
    if (before.result !== 'COMPETENT') {
      throw userError(
        'BAD_USER_INPUT',
        'No certificate was issued for this assessment: nothing to revoke',
        { field: 'number' },
      );
    }
    if (before.revokedOn) {
      throw userError(
        'BAD_USER_INPUT',
        `The certificate was already revoked on ${before.revokedOn}`,
        { field: 'number' },
      );
    }
    const after = { ...before, revokedOn: today(), revocationReason: reason };
    await manager.getRepository(Certification).save(after);
    await audit({
      action: 'revokeCertificate',
      entity: 'Certification',
      entityId: before.number,
      before,
      after,
    });
  });
  context.loaders.certification.clear(args.number);
  return context.loaders.certification.load(args.number);
}
