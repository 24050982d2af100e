import { inputError } from '@coop/common';
import type { RunStatus } from '../entities';

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
