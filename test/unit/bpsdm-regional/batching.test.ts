import { perParentLoader } from '../../../services/bpsdm-regional/batching';

const OFFICE_A = '0a9ca69a-0be1-5ca6-82bc-70da8976ba70';
const OFFICE_B = 'aedb7056-5264-526c-b75e-5cd178acd123';

describe('perParentLoader', () => {
  it('runs one fetch per distinct arguments, for all parents at once', async () => {
    const calls: { ids: string[]; year: number | null }[] = [];
    const loader = perParentLoader(
      async (ids, args: { year: number | null }) => {
        calls.push({ ids, year: args.year });
        return new Map(ids.map((id) => [id, `${id}:${args.year}`]));
      },
      () => 'none',
    );
    const results = await Promise.all([
      loader.load({ parentId: OFFICE_A, args: { year: 2025 } }),
      loader.load({ parentId: OFFICE_B, args: { year: 2025 } }),
      loader.load({ parentId: OFFICE_A, args: { year: null } }),
      loader.load({ parentId: OFFICE_A, args: { year: 2025 } }),
    ]);
    expect(results).toEqual([
      `${OFFICE_A}:2025`,
      `${OFFICE_B}:2025`,
      `${OFFICE_A}:null`,
      `${OFFICE_A}:2025`,
    ]);
    expect(calls).toHaveLength(2);
    expect(calls).toContainEqual({ ids: [OFFICE_A, OFFICE_B], year: 2025 });
    expect(calls).toContainEqual({ ids: [OFFICE_A], year: null });
  });

  it('answers ids that are not UUIDs without fetching', async () => {
    const fetch = jest.fn(async () => new Map<string, number>());
    const loader = perParentLoader(fetch, () => 0);
    await expect(loader.load({ parentId: 'not-a-uuid', args: {} })).resolves.toBe(0);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('gives parents without rows the empty value', async () => {
    const loader = perParentLoader(
      async () => new Map<string, string[]>(),
      (): string[] => [],
    );
    await expect(loader.load({ parentId: OFFICE_A, args: { page: 1 } })).resolves.toEqual([]);
  });
});
