import { inputError } from '@coop/common';
import type { EnrolmentStatus, RunStatus } from '../entities';

/** Every status of a run, in the order a run normally goes through them. */
export const RUN_STATUSES = ['PLANNED', 'OPEN', 'ONGOING', 'COMPLETED', 'CANCELLED'] as const;

/**
 * The moves a run may make: PLANNED → OPEN → ONGOING → COMPLETED, and any run not finished yet
 * may be CANCELLED. COMPLETED and CANCELLED are final.
 */
export const RUN_MOVES: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  PLANNED: ['OPEN', 'CANCELLED'],
  OPEN: ['ONGOING', 'CANCELLED'],
  ONGOING: ['COMPLETED', 'CANCELLED'],
  COMPLETED: [],
  CANCELLED: [],
};

export function canMove(from: RunStatus, to: RunStatus): boolean {
  return RUN_MOVES[from].includes(to);
}

/** Why a run may not move from `from` to `to`, naming the moves it may make; null when it may. */
export function refusedMove(from: RunStatus, to: RunStatus): string | null {
  if (canMove(from, to)) return null;
  const allowed = RUN_MOVES[from];
  if (allowed.length === 0) {
    return `A ${from} run is final: it cannot move to ${to} (no move is allowed from ${from})`;
  }
  return `A ${from} run cannot move to ${to}: from ${from} it may move only to ${allowed.join(' or ')}`;
}

/** Refuses a move the state machine does not allow: BAD_USER_INPUT on the `status` argument. */
export function checkMove(from: RunStatus, to: RunStatus): void {
  const problem = refusedMove(from, to);
  if (problem) throw inputError('status', problem);
}

/**
 * What a run's move does to its enrolments still in progress (REGISTERED or ATTENDING), in the
 * move's transaction (decision 14): completing the run settles them as NOT_COMPLETED (a
 * participant completes by a recorded result, which makes the enrolment COMPLETED at once);
 * cancelling it withdraws them. Null: the move leaves enrolments as they are.
 */
export function settlementOf(to: RunStatus): EnrolmentStatus | null {
  if (to === 'COMPLETED') return 'NOT_COMPLETED';
  if (to === 'CANCELLED') return 'WITHDRAWN';
  return null;
}

/**
 * A run in which someone completed (a result recorded, an STTPP number issued) is not
 * cancelled: an issued certificate is not taken back. BAD_USER_INPUT on `status`.
 */
export function checkCancellable(runId: string, completed: number): void {
  if (completed === 0) return;
  throw inputError(
    'status',
    `Run ${runId} has ${completed} participant${completed === 1 ? '' : 's'} with a recorded result and a completion certificate (STTPP) number, which cancelling would void: move the run to COMPLETED instead (participants without a result then become NOT_COMPLETED)`,
  );
}
