import { GraphQLError } from 'graphql';
import type { RunStatus } from '../../../services/bpsdm-regional/entities';
import {
  canMove,
  checkCancellable,
  checkMove,
  refusedMove,
  RUN_MOVES,
  RUN_STATUSES,
  settlementOf,
} from '../../../services/bpsdm-regional/resolvers/run-status';

const ALLOWED: [RunStatus, RunStatus][] = [
  ['PLANNED', 'OPEN'],
  ['OPEN', 'ONGOING'],
  ['ONGOING', 'COMPLETED'],
  ['PLANNED', 'CANCELLED'],
  ['OPEN', 'CANCELLED'],
  ['ONGOING', 'CANCELLED'],
];

const allPairs = RUN_STATUSES.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as const));

describe('the run state machine', () => {
  it('allows exactly the six moves of the lifecycle', () => {
    const allowed = allPairs.filter(([from, to]) => canMove(from, to));
    expect(allowed).toHaveLength(6);
    expect(new Set(allowed.map((pair) => pair.join('→')))).toEqual(
      new Set(ALLOWED.map((pair) => pair.join('→'))),
    );
  });

  it.each(ALLOWED)('lets a %s run move to %s', (from, to) => {
    expect(refusedMove(from, to)).toBeNull();
    expect(() => checkMove(from, to)).not.toThrow();
  });

  it.each(allPairs.filter(([from, to]) => !canMove(from, to)))(
    'refuses %s → %s with BAD_USER_INPUT on `status`',
    (from, to) => {
      let thrown: unknown;
      try {
        checkMove(from, to);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      const error = thrown as GraphQLError;
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.field).toBe('status');
      expect(error.message).toContain(`${from} run`);
      expect(error.message).toContain(to);
    },
  );

  it('names the allowed moves when it refuses one', () => {
    expect(refusedMove('PLANNED', 'COMPLETED')).toBe(
      'A PLANNED run cannot move to COMPLETED: from PLANNED it may move only to OPEN or CANCELLED',
    );
    expect(refusedMove('OPEN', 'OPEN')).toBe(
      'A OPEN run cannot move to OPEN: from OPEN it may move only to ONGOING or CANCELLED',
    );
  });

  it('keeps COMPLETED and CANCELLED final', () => {
    expect(RUN_MOVES.COMPLETED).toEqual([]);
    expect(RUN_MOVES.CANCELLED).toEqual([]);
    expect(refusedMove('CANCELLED', 'COMPLETED')).toBe(
      'A CANCELLED run is final: it cannot move to COMPLETED (no move is allowed from CANCELLED)',
    );
    expect(refusedMove('COMPLETED', 'CANCELLED')).toMatch(/^A COMPLETED run is final/);
  });
});

describe('settling the enrolments of a run (decision 14)', () => {
  it('settles them when the run is completed or cancelled, and only then', () => {
    expect(Object.fromEntries(RUN_STATUSES.map((to) => [to, settlementOf(to)]))).toEqual({
      PLANNED: null,
      OPEN: null,
      ONGOING: null,
      COMPLETED: 'NOT_COMPLETED',
      CANCELLED: 'WITHDRAWN',
    });
  });

  it('refuses to cancel a run in which someone completed, with BAD_USER_INPUT on `status`', () => {
    expect(() => checkCancellable('r', 0)).not.toThrow();
    for (const completed of [1, 2, 500]) {
      let thrown: unknown;
      try {
        checkCancellable('r', completed);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'status',
      });
      expect((thrown as GraphQLError).message).toContain(`Run r has ${completed} participant`);
    }
  });
});
