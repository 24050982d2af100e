import { signDevToken } from '@coop/common';

export type UserKind = 'operator' | 'analyst' | 'admin' | 'anonymous';

export interface SimulatedUser {
  kind: UserKind;
  /** The token's subject; for an anonymous caller, only a name in the bench's own records. */
  subject: string;
  /** `Bearer …`, or empty for an anonymous caller. */
  authorization: string;
  /** A regional operator's province. */
  provinceCode?: string;
}

export interface Population {
  operators: SimulatedUser[];
  analysts: SimulatedUser[];
  admins: SimulatedUser[];
  anonymous: SimulatedUser[];
}

export interface PopulationSizes {
  analysts: number;
  admins: number;
  anonymous: number;
}

/**
 * One regional operator per province, and the given numbers of analysts, admins and anonymous
 * callers; every user with a token has a subject of its own, so that the gateway sees (and
 * caches, and budgets) distinct callers.
 */
export async function simulatedPopulation(
  provinceCodes: string[],
  sizes: PopulationSizes,
): Promise<Population> {
  const signed = async (kind: 'analyst' | 'admin', index: number): Promise<SimulatedUser> => {
    const subject = `bench-mix-${kind}-${index + 1}`;
    const token = await signDevToken({ role: kind, subject });
    return { kind, subject, authorization: `Bearer ${token}` };
  };
  const operators = await Promise.all(
    provinceCodes.map(async (provinceCode): Promise<SimulatedUser> => {
      const subject = `bench-mix-operator-${provinceCode}`;
      const token = await signDevToken({ role: 'regional-operator', provinceCode, subject });
      return { kind: 'operator', subject, authorization: `Bearer ${token}`, provinceCode };
    }),
  );
  const times = <T>(n: number, make: (index: number) => T) =>
    Array.from({ length: n }, (_, i) => make(i));
  return {
    operators,
    analysts: await Promise.all(times(sizes.analysts, (i) => signed('analyst', i))),
    admins: await Promise.all(times(sizes.admins, (i) => signed('admin', i))),
    anonymous: times(sizes.anonymous, (i) => ({
      kind: 'anonymous' as const,
      subject: `anonymous-${i + 1}`,
      authorization: '',
    })),
  };
}
