import { randomUUID } from 'node:crypto';
import {
  auditedTransaction,
  idempotentCreate,
  notFound,
  requireRole,
  staleWrite,
  today,
  userError,
  type Viewer,
  inputError,
  queryService,
  validate,
} from '@coop/common';
import type { Enrolment, RunStatus } from '../entities';
import { nextCertificateNumber } from '../queries/certificates';
import {
  enrolmentOf,
  findEnrolment,
  lockRunOfEnrolment,
  findRun,
  placesTaken,
  plainEnrolment,
  WITHDRAWABLE,
  type EnrolmentInRun,
} from '../queries/writes';
import type { Context } from './context';
import {
  actorOf,
  clientKeySchema,
  idSchema,
  parseArgs,
  librarianProvince,
  refreshEnrolment,
  requireOwnLibrarian,
  requireOwnOffice,
  SCHEMA,
  versionSchema,
} from './writes';

type Manager = Parameters<typeof findEnrolment>[0];

/**
 * Locks an enrolment (and, for share, its run) for a change and checks that the caller may
 * change it: NOT_FOUND for an unknown id, FORBIDDEN for an operator of another province,
 * CONFLICT when the client sent a version that has moved on.
 */
async function lockEnrolmentToChange(
  manager: Manager,
  id: string,
  viewer: Viewer,
  version: number | null | undefined,
): Promise<EnrolmentInRun> {
  await lockRunOfEnrolment(manager, id);
  const enrolment = await findEnrolment(manager, id, true);
  if (!enrolment) throw notFound('Enrolment', id);
  requireOwnOffice(viewer, enrolment.provinceCode, `Enrolment ${id}`);
  if (version != null && enrolment.version !== version) {
    throw staleWrite('Enrolment', id, version, enrolment.version);
  }
  return enrolment;
}

async function reread(manager: Manager, id: string): Promise<Enrolment> {
  return plainEnrolment((await findEnrolment(manager, id))!);
}

const EnrolArgs = {
  runId: idSchema('runId'),
  librarianId: idSchema('librarianId'),
  clientKey: clientKeySchema,
};

/**
 * `enrol(runId, librarianId)`: a place in an OPEN run. The run row is locked for the whole
 * transaction before its places are counted, so concurrent enrolments in one run queue there
 * and never take more places than its quota. A librarian who withdrew may enrol again: the
 * same enrolment is registered again.
 */
export async function enrol(
  _: unknown,
  rawArgs: Record<string, unknown>,
  context: Context,
): Promise<Enrolment> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const args = parseArgs(EnrolArgs, rawArgs);
  const run = await findRun(context.db, args.runId);
  if (!run) throw notFound('ProgramRun', args.runId);
  requireOwnOffice(viewer, run.provinceCode, `Run ${args.runId}`);
  const home = await librarianProvince(args.librarianId, 'librarianId', context);
  requireOwnLibrarian(viewer, args.librarianId, home);

  const enrolment = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    let before: Enrolment | null = null;
    const scope = {
      actor: actorOf(viewer),
      operation: 'enrol',
      clientKey: args.clientKey,
      input: args,
    };
    const { id, replayed } = await idempotentCreate(manager, SCHEMA, scope, async () => {
      const locked = (await findRun(manager, args.runId, true))!;
      if (locked.status !== 'OPEN') {
        throw inputError(
          'runId',
          `Run ${args.runId} is ${locked.status}: librarians enrol only in an OPEN run`,
        );
      }
      const existing = await enrolmentOf(manager, args.runId, args.librarianId);
      if (existing && existing.status !== 'WITHDRAWN') {
        throw userError(
          'CONFLICT',
          `Librarian ${args.librarianId} is already enrolled in run ${args.runId} (enrolment ${existing.id}, ${existing.status})`,
          { field: 'librarianId', enrolmentId: existing.id },
        );
      }
      const taken = await placesTaken(manager, args.runId);
      if (taken >= locked.quota) {
        throw userError(
          'CONFLICT',
          `Run ${args.runId} is full (quota ${locked.quota}): every place is taken`,
          { field: 'runId', quota: locked.quota },
        );
      }
      if (existing) {
        before = existing;
        await manager.query(
          `UPDATE bpsdm_regional.enrolment
              SET status = 'REGISTERED', enrolled_on = $2, final_score = NULL,
                  lesson_hours_earned = NULL, version = version + 1
            WHERE id = $1`,
          [existing.id, today()],
        );
        return existing.id;
      }
      const id = randomUUID();
      await manager.query(
        `INSERT INTO bpsdm_regional.enrolment (id, run_id, librarian_id, status, enrolled_on)
         VALUES ($1, $2, $3, 'REGISTERED', $4)`,
        [id, args.runId, args.librarianId, today()],
      );
      return id;
    });
    const after = await reread(manager, id);
    if (!replayed) {
      await audit({ action: 'enrol', entity: 'Enrolment', entityId: id, before, after });
    }
    return after;
  });
  refreshEnrolment(context, enrolment);
  return enrolment;
}

const WithdrawArgs = { id: idSchema('id'), version: versionSchema.nullish() };

/** `withdrawEnrolment(id, version)`: a REGISTERED or ATTENDING enrolment is WITHDRAWN. */
export async function withdrawEnrolment(
  _: unknown,
  rawArgs: Record<string, unknown>,
  context: Context,
): Promise<Enrolment> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const args = parseArgs(WithdrawArgs, rawArgs);
  const enrolment = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    const before = await lockEnrolmentToChange(manager, args.id, viewer, args.version);
    if (!WITHDRAWABLE.includes(before.status)) {
      throw inputError(
        'id',
        `Enrolment ${args.id} is ${before.status}: only a ${WITHDRAWABLE.join(' or ')} enrolment can be withdrawn`,
      );
    }
    await manager.query(
      `UPDATE bpsdm_regional.enrolment SET status = 'WITHDRAWN', version = version + 1
        WHERE id = $1`,
      [args.id],
    );
    const after = await reread(manager, args.id);
    await audit({
      action: 'withdrawEnrolment',
      entity: 'Enrolment',
      entityId: args.id,
      before: plainEnrolment(before),
      after,
    });
    return after;
  });
  refreshEnrolment(context, enrolment);
  return enrolment;
}

/** Run statuses in which results are recorded. */
const RESULTS_IN: readonly RunStatus[] = ['ONGOING', 'COMPLETED'];

const RecordResultArgs = {
  enrolmentId: idSchema('enrolmentId'),
  finalScore: validate.score('finalScore'),
  lessonHoursEarned: validate.lessonHours('lessonHoursEarned'),
  version: versionSchema.nullish(),
};

/**
 * The lesson hours of the program of an enrolment's run: at most these can be earned. The
 * program is bpsdm-central's: its hours are asked there, through its API with the caller's
 * token, before the transaction (no call to another service while rows are locked). Null when
 * the enrolment or run is unknown or another office's: the transaction refuses those.
 */
async function programHoursOf(enrolmentId: string, context: Context): Promise<number | null> {
  const enrolment = await findEnrolment(context.db, enrolmentId);
  if (!enrolment) return null;
  const { viewer } = context;
  if (viewer.role !== 'admin' && viewer.provinceCode !== enrolment.provinceCode) return null;
  const run = await findRun(context.db, enrolment.runId);
  if (!run) return null;
  const { trainingProgram } = await queryService<{
    trainingProgram: { id: string; lessonHours: number } | null;
  }>(
    'bpsdm-central',
    'query($id: ID!){ trainingProgram(id: $id) { id lessonHours } }',
    { id: run.programId },
    context.authorization,
  );
  if (!trainingProgram) {
    throw inputError('enrolmentId', `The program of run ${run.id} could not be found`);
  }
  return trainingProgram.lessonHours;
}

function checkHours(hours: number, programHours: number | null): void {
  if (programHours === null || hours <= programHours) return;
  throw inputError(
    'lessonHoursEarned',
    `lessonHoursEarned must be between 0 and ${programHours}, the lesson hours of the run's program; got ${hours}`,
  );
}

/**
 * `recordResult(enrolmentId, finalScore, lessonHoursEarned, version)`: the participant
 * completed; the first result gives the enrolment the next completion certificate number of
 * its office's province and the year its run ends. A later correction keeps that number.
 */
export async function recordResult(
  _: unknown,
  rawArgs: Record<string, unknown>,
  context: Context,
): Promise<Enrolment> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const args = parseArgs(RecordResultArgs, rawArgs);
  const programHours = await programHoursOf(args.enrolmentId, context);
  const enrolment = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    const before = await lockEnrolmentToChange(manager, args.enrolmentId, viewer, args.version);
    if (!RESULTS_IN.includes(before.runStatus)) {
      throw inputError(
        'enrolmentId',
        `Run ${before.runId} is ${before.runStatus}: results are recorded only in an ${RESULTS_IN.join(' or ')} run`,
      );
    }
    if (before.status === 'WITHDRAWN') {
      throw inputError(
        'enrolmentId',
        `Enrolment ${args.enrolmentId} is WITHDRAWN: a participant who withdrew has no result`,
      );
    }
    if (before.status === 'NOT_COMPLETED') {
      throw inputError(
        'enrolmentId',
        `Enrolment ${args.enrolmentId} is NOT_COMPLETED: run ${before.runId} was completed without a result for it, so it gets no completion certificate (STTPP); results are recorded while the run is ONGOING`,
      );
    }
    checkHours(args.lessonHoursEarned, programHours);
    const number =
      before.completionCertificateNumber ??
      (await nextCertificateNumber(
        manager,
        before.provinceCode,
        Number(before.runEndsOn.slice(0, 4)),
      ));
    await manager.query(
      `UPDATE bpsdm_regional.enrolment
          SET status = 'COMPLETED', final_score = $2, lesson_hours_earned = $3,
              completion_certificate_number = $4, version = version + 1
        WHERE id = $1`,
      [args.enrolmentId, args.finalScore, args.lessonHoursEarned, number],
    );
    const after = await reread(manager, args.enrolmentId);
    await audit({
      action: 'recordResult',
      entity: 'Enrolment',
      entityId: args.enrolmentId,
      before: plainEnrolment(before),
      after,
    });
    return after;
  });
  refreshEnrolment(context, enrolment);
  return enrolment;
}
