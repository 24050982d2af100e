import type { MixSample } from './mix-sample';
import type { Population, SimulatedUser } from './mix-population';
import { WRITE_NAMES, type WriteAllocator, type WriteName } from './mix-writes';
import {
  AGREEMENT_QUERY,
  DASHBOARD_QUERY,
  IT_DASHBOARD_QUERY,
  MY_RUNS_QUERY,
  OPERATOR_PROFILE_QUERY,
  PROFILE_QUERY,
  VERIFY_QUERY,
} from './operations';

export type ReadName = 'MyRuns' | 'Dashboard' | 'Profile' | 'Agreement' | 'Verify' | 'ItDashboard';
export type MixOperation = ReadName | WriteName;

/** The share of each kind of request in the mix; the writes are enrol, recordResult and planRun. */
export const MIX_SHARES: readonly { kind: ReadName | 'write'; share: number }[] = [
  { kind: 'MyRuns', share: 0.5 },
  { kind: 'Dashboard', share: 0.15 },
  { kind: 'Profile', share: 0.1 },
  { kind: 'Agreement', share: 0.1 },
  { kind: 'Verify', share: 0.05 },
  { kind: 'ItDashboard', share: 0.05 },
  { kind: 'write', share: 0.05 },
];

export const MIX_OPERATIONS: readonly MixOperation[] = [
  ...MIX_SHARES.flatMap(({ kind }) => (kind === 'write' ? [] : [kind])),
  ...WRITE_NAMES,
];

export interface MixRequest {
  operation: MixOperation;
  user: SimulatedUser;
  payload: { query: string; variables: Record<string, unknown> };
}

type Random = () => number;

/**
 * Draws the next request of the mix: its kind by MIX_SHARES, then who sends it and with which
 * real ids, as the users of the graph would (see bench/README.md, "A mixed workload").
 */
export class RequestMix {
  private readonly pick = <T>(items: readonly T[]): T =>
    items[Math.floor(this.random() * items.length)]!;

  constructor(
    private readonly population: Population,
    private readonly sample: MixSample,
    private readonly writes: WriteAllocator,
    private readonly random: Random = Math.random,
  ) {}

  next(): MixRequest {
    let draw = this.random();
    const kind = MIX_SHARES.find(({ share }) => (draw -= share) < 0)?.kind ?? 'MyRuns';
    return this.requestFor(kind === 'write' ? this.pick(WRITE_NAMES) : kind);
  }

  /** A request of the operation (a write: of that kind when it can succeed, else another). */
  requestFor(kind: MixOperation): MixRequest {
    const { operators, analysts, admins, anonymous } = this.population;
    const librarianOf = (provinceCode: string) =>
      this.pick(this.sample.librariansByProvince.get(provinceCode) ?? []);
    const make = (
      operation: MixOperation,
      user: SimulatedUser,
      query: string,
      variables: Record<string, unknown> = {},
    ): MixRequest => ({ operation, user, payload: { query, variables } });
    switch (kind) {
      case 'MyRuns': {
        const operator = this.pick(operators);
        return make('MyRuns', operator, MY_RUNS_QUERY, { provinceCode: operator.provinceCode });
      }
      case 'Dashboard':
        return make('Dashboard', this.pick([...analysts, ...admins]), DASHBOARD_QUERY);
      case 'ItDashboard':
        return make('ItDashboard', this.pick([...analysts, ...admins]), IT_DASHBOARD_QUERY);
      case 'Profile': {
        if (this.random() < 0.25) {
          const province = this.pick(this.sample.provinceCodes);
          return make('Profile', this.pick(admins), PROFILE_QUERY, { id: librarianOf(province) });
        }
        const operator = this.pick(operators);
        const id = librarianOf(operator.provinceCode!);
        return make('Profile', operator, OPERATOR_PROFILE_QUERY, { id });
      }
      case 'Agreement': {
        const user = this.pick(this.pick([anonymous, analysts, operators, admins]));
        return make('Agreement', user, AGREEMENT_QUERY, {
          id: this.pick(this.sample.agreementIds),
        });
      }
      case 'Verify':
        return make('Verify', this.pick(anonymous), VERIFY_QUERY, {
          n: this.pick(this.sample.certificateNumbers),
        });
      case 'planRun':
      case 'enrol':
      case 'recordResult': {
        const byAdmin = this.random() < 0.1;
        const user = byAdmin ? this.pick(admins) : this.pick(operators);
        const province = user.provinceCode ?? this.pick(this.sample.provinceCodes);
        const write = this.writes.next(kind, province);
        return make(write.name, user, write.query, write.variables);
      }
    }
  }
}
