import fc from 'fast-check';
import { parse } from 'graphql';
import {
  clientOperationName,
  DisclosureCollector,
  TrailWriter,
  withDisclosures,
  type DisclosureRecord,
} from '@coop/common';

const record = (librarianId: string): DisclosureRecord => ({
  requestId: librarianId,
  operation: null,
  subject: null,
  role: 'admin',
  provinceCode: null,
  librarianId,
  fields: 'Librarian.nip',
});

describe('TrailWriter', () => {
  it('settles every append only once the statement holding its records is done (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(5), { minLength: 1, maxLength: 30 }), async (delays) => {
        const written = new Set<string>();
        const statements: number[] = [];
        const writer = new TrailWriter(async (records) => {
          statements.push(records.length);
          await new Promise((resolve) => setTimeout(resolve, 1));
          for (const { librarianId } of records) written.add(librarianId);
        });
        await Promise.all(
          delays.map(async (delay, index) => {
            await new Promise((resolve) => setTimeout(resolve, delay));
            await writer.append([record(String(index))]);
            // Acknowledged: its record is written.
            expect(written.has(String(index))).toBe(true);
          }),
        );
        expect(statements.reduce((a, b) => a + b, 0)).toBe(delays.length);
      }),
      { numRuns: 20 },
    );
  });

  it('fails every append of a statement that failed, and goes on with the next', async () => {
    let calls = 0;
    const writer = new TrailWriter(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database away');
    });
    await expect(writer.append([record('a')])).rejects.toThrow('database away');
    await expect(writer.append([record('b')])).resolves.toBeUndefined();
  });
});

describe('withDisclosures', () => {
  const typeDefs = parse(`
    type Query { librarian: Librarian }
    type Librarian { id: ID! level: String nip: String @policy(policies: [["p"]]) }
  `);

  it('notes a delivered personal field with its person, and nothing for a refused one', async () => {
    const resolvers = withDisclosures(
      {
        Librarian: {
          nip: (row: { id: string }) =>
            row.id === 'x' ? '1' : Promise.reject(new Error('refused')),
        },
      },
      typeDefs,
      { Librarian: (row) => [(row as { id: string }).id] },
    );
    const disclosures = new DisclosureCollector();
    const nip = resolvers.Librarian!.nip as (...args: unknown[]) => Promise<unknown>;
    await nip({ id: 'x' }, {}, { disclosures }, {});
    await expect(nip({ id: 'y' }, {}, { disclosures }, {})).rejects.toThrow('refused');
    expect(disclosures.entries()).toEqual([['x', 'Librarian.nip']]);
    expect(resolvers.Librarian!.level).toBeUndefined();
  });

  it('refuses at startup a personal field whose type names no person', () => {
    expect(() => withDisclosures({}, typeDefs, {}, 'library')).toThrow(
      'library: personal field Librarian.nip names no person',
    );
  });
});

it('takes the client’s operation name from the gateway’s subgraph operation name', () => {
  expect(clientOperationName('Profile__bpsdm_regional__1')).toBe('Profile');
  expect(clientOperationName('Profile__library__0')).toBe('Profile');
  expect(clientOperationName('Profile')).toBe('Profile');
  expect(clientOperationName(undefined)).toBeNull();
});
