import fc from 'fast-check';
import { adminToken, asTheGateway, testStack } from '../support/stack';

/**
 * A client's mistake is never a server error (issue 10, item 5). Generated hostile values of
 * each class — cursors that do not decode, years outside any plausible span, impossible dates,
 * strings carrying NUL, operation names that select nothing — are sent to the gateway and to
 * every subgraph directly, as variables and as literals. No answer may be a 5xx, carry
 * INTERNAL_SERVER_ERROR, or show an internal URL or a stack; every error carries a code.
 */

type Target = 'gateway' | 'library' | 'bpsdm-central' | 'bpsdm-regional';

interface Attempt {
  target: Target;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string | null;
}

interface Failure {
  attempt: Attempt;
  status: number;
  body: string;
}

function urlOf(target: Target): string {
  const stack = testStack();
  return target === 'gateway' ? stack.gatewayUrl : `${stack.subgraphUrls[target]}/graphql`;
}

/** What no answer to a client's mistake may show. */
function problemsOf(status: number, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`HTTP ${status}`);
  if (text.includes('INTERNAL_SERVER_ERROR')) problems.push('INTERNAL_SERVER_ERROR');
  if (/https?:\/\/(localhost|127\.0\.0\.1)/.test(text)) problems.push('internal URL');
  // A stack, or an exception's own text ("TypeError: …", "Error: …"); GraphQL's "Syntax Error:"
  // names the client's mistake and is fine.
  if (/\w+Error: |"message":"Error:|stacktrace|\n\s+at |\\n\s+at /.test(text)) {
    problems.push('stack text');
  }
  type Body = { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null;
  const body = ((): Body => {
    try {
      return JSON.parse(text) as Body;
    } catch {
      problems.push('not JSON');
      return null;
    }
  })();
  for (const error of body?.errors ?? []) {
    if (typeof error.extensions?.code !== 'string') problems.push('error without a code');
    if (typeof error.message !== 'string' || !error.message) problems.push('error without text');
  }
  return problems;
}

async function attemptAll(attempts: Attempt[], token: string): Promise<Failure[]> {
  const failures: Failure[] = [];
  // A few at a time: enough to be quick, few enough not to look like a flood.
  for (let start = 0; start < attempts.length; start += 8) {
    const batch = attempts.slice(start, start + 8);
    const results = await Promise.all(
      batch.map(async (attempt) => {
        const response = await fetch(urlOf(attempt.target), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            // To a subgraph as the gateway sends it: what the subgraph does with the mistake.
            ...(attempt.target === 'gateway' ? {} : asTheGateway()),
          },
          body: JSON.stringify({
            query: attempt.query,
            variables: attempt.variables ?? {},
            ...(attempt.operationName !== undefined
              ? { operationName: attempt.operationName }
              : {}),
          }),
        });
        return { attempt, status: response.status, body: await response.text() };
      }),
    );
    for (const result of results) {
      if (problemsOf(result.status, result.body).length) failures.push(result);
    }
  }
  return failures;
}

/** Failures by target and problem, e.g. `gateway: HTTP 500, INTERNAL_SERVER_ERROR` → 12. */
function summary(failures: Failure[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const failure of failures) {
    const key = `${failure.attempt.target}: ${problemsOf(failure.status, failure.body).join(', ')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function expectNoServerErrors(attempts: Attempt[]) {
  const failures = await attemptAll(attempts, await adminToken());
  if (failures.length) {
    // The first few, whole, to see what went wrong.
    console.log(JSON.stringify(failures.slice(0, 3), null, 2));
  }
  expect(summary(failures)).toEqual({});
}

/** A GraphQL string literal of any text (JSON's escapes are GraphQL's). */
const literal = (value: unknown) => JSON.stringify(value);

const RUNS = 12;
const sample = <T>(arbitrary: fc.Arbitrary<T>, seed: number) =>
  fc.sample(arbitrary, { numRuns: RUNS, seed });

/** Each value once as a variable and once as a literal, on every operation given. */
function attemptsFor<T>(
  values: T[],
  operations: { target: Target; variable: string; literal: (value: string) => string }[],
): Attempt[] {
  return values.flatMap((value) =>
    operations.flatMap((operation) => [
      { target: operation.target, query: operation.variable, variables: { v: value } },
      { target: operation.target, query: operation.literal(literal(value)) },
    ]),
  );
}

describe('client mistakes are answered as client errors, on the gateway and every subgraph', () => {
  test('cursors that do not decode', async () => {
    const offsetText = fc.oneof(
      fc.constantFrom(
        'offset:1e20',
        'offset:99999999999999999999',
        'offset:9007199254740993',
        'offset:-1',
        'offset:1.5',
        'offset:0x10',
        'offset:',
        'offset:Infinity',
        'offset: 3',
      ),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => `offset:${n}`),
      fc.string().map((text) => `offset:${text}`),
    );
    const cursor = fc.oneof(
      fc.string(),
      fc.base64String(),
      offsetText.map((text) => Buffer.from(text, 'utf8').toString('base64url')),
    );
    const connection = (target: Target, field: string, selection = '{ totalCount }') => ({
      target,
      variable: `query ($v: String) { ${field}(first: 2, after: $v) ${selection} }`,
      literal: (value: string) => `{ ${field}(first: 2, after: ${value}) ${selection} }`,
    });
    const officeRuns = (target: Target) => ({
      target,
      variable:
        'query ($v: String) { regionalOffices { runs(first: 1, after: $v) { totalCount } } }',
      literal: (value: string) =>
        `{ regionalOffices { runs(first: 1, after: ${value}) { totalCount } } }`,
    });
    await expectNoServerErrors(
      attemptsFor(sample(cursor, 101), [
        connection('gateway', 'agreements', '{ totalCount edges { cursor } }'),
        connection('gateway', 'programRuns'),
        connection('gateway', 'trainingPrograms'),
        officeRuns('gateway'),
        connection('library', 'agreements'),
        connection('library', 'librarians'),
        connection('bpsdm-central', 'trainingPrograms'),
        connection('bpsdm-regional', 'programRuns'),
        officeRuns('bpsdm-regional'),
      ]),
    );
  });

  test('years outside any plausible span', async () => {
    const year = fc.oneof(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.constantFrom(-2147483648, -1, 0, 1, 99, 1899, 10000, 275760, 5874898, 2147483647),
    );
    const librarian = '00000000-0000-4000-8000-000000000000';
    const operations = (target: Target) => [
      {
        target,
        variable: 'query ($v: Int) { regionalOffices { trainingStats(year: $v) { runs } } }',
        literal: (value: string) =>
          `{ regionalOffices { trainingStats(year: ${value}) { runs } } }`,
      },
      target === 'gateway'
        ? {
            target,
            variable:
              'query ($v: Int) { librarians(first: 2) { edges { node { lessonHoursCompleted(year: $v) } } } }',
            literal: (value: string) =>
              `{ librarians(first: 2) { edges { node { lessonHoursCompleted(year: ${value}) } } } }`,
          }
        : {
            target,
            variable: `query ($v: Int) { _entities(representations: [{ __typename: "Librarian", id: "${librarian}" }]) { ... on Librarian { lessonHoursCompleted(year: $v) } } }`,
            literal: (value: string) =>
              `{ _entities(representations: [{ __typename: "Librarian", id: "${librarian}" }]) { ... on Librarian { lessonHoursCompleted(year: ${value}) } } }`,
          },
    ];
    const values = sample(year, 202);
    await expectNoServerErrors(
      attemptsFor(values, [...operations('gateway'), ...operations('bpsdm-regional')]),
    );
  });

  test('impossible dates', async () => {
    const pad = (value: number, width: number) => String(value).padStart(width, '0');
    const date = fc.oneof(
      fc
        .tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 40 }),
        )
        .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
      fc.constantFrom(
        '2025-02-30',
        '2025-02-29',
        '2023-02-29',
        '2025-04-31',
        '0000-00-00',
        '2025-13-01',
        '99999-01-01',
        '2025-1-1',
        '+002025-01-01',
        '2025-01-01T00:00:00Z',
        '',
      ),
      fc.string(),
    );
    const runs = (target: Target) => ({
      target,
      variable:
        'query ($v: Date) { programRuns(first: 1, filter: { startsAfter: $v }) { totalCount } }',
      literal: (value: string) =>
        `{ programRuns(first: 1, filter: { startsBefore: ${value} }) { totalCount } }`,
    });
    // The title is empty, so even a real date creates nothing.
    const agreement = (target: Target) => ({
      target,
      variable:
        'mutation ($v: Date!) { createAgreement(input: { kind: MOU, title: "", signedOn: $v, validFrom: $v, scopes: [], parties: [] }) { id } }',
      literal: (value: string) =>
        `mutation { createAgreement(input: { kind: MOU, title: "", signedOn: ${value}, validFrom: "2025-01-01", scopes: [], parties: [] }) { id } }`,
    });
    await expectNoServerErrors(
      attemptsFor(sample(date, 303), [
        runs('gateway'),
        agreement('gateway'),
        runs('bpsdm-regional'),
        agreement('library'),
      ]),
    );
  });

  test('strings carrying NUL', async () => {
    const withNul = fc
      .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
      .map(([before, after]) => `${before}\u0000${after}`);
    const lookup = (target: Target, field: string, type: string, selection: string) => ({
      target,
      variable: `query ($v: ${type}) { ${field.replace('%', '$v')} ${selection} }`,
      literal: (value: string) => `{ ${field.replace('%', value)} ${selection} }`,
    });
    // Every create fails validation (an empty title or code) when the NUL is let through.
    const program = (target: Target) => ({
      target,
      variable:
        'mutation ($v: String) { createTrainingProgram(input: { code: $v, title: "", description: $v, scope: FACILITIES, mode: ONLINE, modules: [], clientKey: $v }) { id } }',
      literal: (value: string) =>
        `mutation { createTrainingProgram(input: { code: ${value}, title: "", description: "x", scope: FACILITIES, mode: ONLINE, modules: [], clientKey: ${value} }) { id } }`,
    });
    const library = (target: Target) => [
      lookup(target, 'librarianByNip(nip: %)', 'String!', '{ id }'),
      lookup(target, 'verifyCertificate(number: %)', 'String!', '{ valid }'),
      lookup(target, 'certification(number: %)', 'ID!', '{ number }'),
      lookup(
        target,
        'librarians(first: 1, filter: { provinceCode: % })',
        'String',
        '{ totalCount }',
      ),
      lookup(target, 'agreement(id: %)', 'ID!', '{ title }'),
    ];
    const central = (target: Target) => [
      lookup(target, 'trainingProgram(id: %)', 'ID!', '{ title }'),
      lookup(target, 'trainingPrograms(filter: { agreementId: % })', 'ID', '{ totalCount }'),
      program(target),
    ];
    const regional = (target: Target) => [
      lookup(target, 'regionalOffice(provinceCode: %)', 'String!', '{ name }'),
      lookup(target, 'programRuns(filter: { provinceCode: % })', 'String', '{ totalCount }'),
      lookup(target, 'programRun(id: %)', 'ID!', '{ batchLabel }'),
    ];
    await expectNoServerErrors(
      attemptsFor(sample(withNul, 404), [
        ...library('gateway'),
        ...central('gateway'),
        ...regional('gateway'),
        ...library('library'),
        ...central('bpsdm-central'),
        ...regional('bpsdm-regional'),
      ]),
    );
  });

  test('operation names that select no operation', async () => {
    const documents = [
      'query A { __typename } query B { __typename }',
      'query Only { __typename }',
      '{ __typename }',
      'query A { __typename } mutation B { __typename }',
    ];
    const choice = fc.record({
      query: fc.constantFrom(...documents),
      operationName: fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.constant(''),
        fc.string({ maxLength: 20 }),
      ),
    });
    const names = (query: string) =>
      [...query.matchAll(/(?:query|mutation) (\w+)/g)].map((m) => m[1]);
    const chosen = sample(choice, 505).filter(
      // Only mistakes: a name that is in the document, or none for a single operation, is fine.
      ({ query, operationName }) =>
        operationName ? !names(query).includes(operationName) : names(query).length > 1 || false,
    );
    // Always at least the two plain mistakes.
    chosen.push(
      { query: documents[0]!, operationName: undefined },
      { query: documents[1]!, operationName: 'Missing' },
    );
    const targets: Target[] = ['gateway', 'library', 'bpsdm-central', 'bpsdm-regional'];
    await expectNoServerErrors(
      targets.flatMap((target) => chosen.map((attempt) => ({ target, ...attempt }))),
    );
  });
});
