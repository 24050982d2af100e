import fc from 'fast-check';
import { adminToken, asTheGateway, testStack } from '../support/stack';

/**
 * A client's mistake is never a server error (issue 10, item 5). Generated hostile values of
 * each class — cursors that do not decode, years outside any plausible span, impossible dates,
 * strings carrying NUL, operation names that select nothing, numbers beyond any double, NaN and
 * Infinity, subscriptions (issue 17, item 7) — are sent to the gateway and to every subgraph
 * directly, as variables and as literals. No answer may be a 5xx, carry INTERNAL_SERVER_ERROR,
 * or show an internal URL, a stack or a terminal's colour codes; every error carries a code.
 */

type Target = 'gateway' | 'library' | 'bpsdm-central' | 'bpsdm-regional';

interface Attempt {
  target: Target;
  query: string;
  variables?: Record<string, unknown>;
  /** The variables as JSON text, for what JSON.stringify cannot write (`{"v": 1e400}`). */
  variablesJson?: string;
  operationName?: string | null;
  /** For a refusal: words of which its message must hold one (the argument, the variable). */
  names?: string[];
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
  const errors = errorsOf(text);
  if (!errors) problems.push('not JSON');
  for (const error of errors ?? []) {
    if (typeof error.extensions?.code !== 'string') problems.push('error without a code');
    if (typeof error.message !== 'string' || !error.message) problems.push('error without text');
    // A terminal's colour codes (util.inspect with colours) in a message meant for a client.
    if (typeof error.message === 'string' && error.message.includes('\u001b')) {
      problems.push('ANSI escape');
    }
  }
  return problems;
}

interface ErrorBody {
  message?: unknown;
  extensions?: { code?: unknown };
}

/** The errors of an answer, of every answer of a batch; undefined when it is not JSON. */
function errorsOf(text: string): ErrorBody[] | undefined {
  type Body = { errors?: ErrorBody[] } | null;
  try {
    const parsed = JSON.parse(text) as Body | Body[];
    return (Array.isArray(parsed) ? parsed : [parsed]).flatMap((body) => body?.errors ?? []);
  } catch {
    return undefined;
  }
}

/**
 * What a refusal must be besides no server error: HTTP 400, with errors, and a message naming
 * one of `names` (the argument or the variable to correct).
 */
function refusalProblemsOf(attempt: Attempt, status: number, text: string): string[] {
  const problems = problemsOf(status, text);
  if (status !== 400) problems.push(`HTTP ${status}, not 400`);
  const messages = (errorsOf(text) ?? []).map((error) => String(error.message));
  if (!messages.length) problems.push('no error');
  const names = attempt.names ?? [];
  if (names.length && !messages.some((message) => names.some((name) => message.includes(name)))) {
    problems.push(`no message names ${names.join(' or ')}`);
  }
  return problems;
}

function bodyOf(attempt: Attempt): string {
  const { query, variables = {}, variablesJson, operationName } = attempt;
  const body = JSON.stringify({ query, ...(operationName !== undefined ? { operationName } : {}) });
  return `${body.slice(0, -1)},"variables":${variablesJson ?? JSON.stringify(variables)}}`;
}

type Check = (attempt: Attempt, status: number, text: string) => string[];
const noServerError: Check = (_attempt, status, text) => problemsOf(status, text);

async function attemptAll(
  attempts: Attempt[],
  token: string,
  check: Check = noServerError,
): Promise<Failure[]> {
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
          body: bodyOf(attempt),
        });
        return { attempt, status: response.status, body: await response.text() };
      }),
    );
    for (const result of results) {
      if (check(result.attempt, result.status, result.body).length) failures.push(result);
    }
  }
  return failures;
}

/** Failures by target and problem, e.g. `gateway: HTTP 500, INTERNAL_SERVER_ERROR` → 12. */
function summary(failures: Failure[], check: Check): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const failure of failures) {
    const problems = check(failure.attempt, failure.status, failure.body);
    const key = `${failure.attempt.target}: ${problems.join(', ')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function expectAll(attempts: Attempt[], check: Check) {
  const failures = await attemptAll(attempts, await adminToken(), check);
  if (failures.length) {
    // The first few, whole, to see what went wrong.
    console.log(JSON.stringify(failures.slice(0, 3), null, 2));
  }
  expect(summary(failures, check)).toEqual({});
}

const expectNoServerErrors = (attempts: Attempt[]) => expectAll(attempts, noServerError);

/** Every attempt refused as the client's mistake: 400, a code, a message naming what to fix. */
const expectRefused = (attempts: Attempt[]) => expectAll(attempts, refusalProblemsOf);

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

  test('numbers beyond any double, in every scalar position', async () => {
    const overflowing = fc.oneof(
      fc.constantFrom(
        '1E400',
        '1e+400',
        '2e308',
        '-1.8e308',
        '123456789.5e300',
        `-${'9'.repeat(320)}`,
      ),
      fc
        .tuple(
          fc.boolean(),
          fc.integer({ min: 1, max: 9 }),
          fc.nat(999_999),
          fc.integer({ min: 309, max: 100_000 }),
        )
        .map(
          ([negative, lead, fraction, exponent]) =>
            `${negative ? '-' : ''}${lead}.${fraction}e${exponent}`,
        ),
    );
    const values = [
      '1e400',
      '-1e400',
      '1e309',
      `1${'0'.repeat(400)}`,
      ...sample(overflowing, 606).slice(0, 8),
    ];
    await expectRefused(
      values.flatMap((value) =>
        allPositions().flatMap((position) => [
          {
            target: position.target,
            query: position.text.replace('%', value),
            names: [position.name],
          },
          { ...withVariable(position, value), names: ['$v'] },
        ]),
      ),
    );
  });

  test('NaN and Infinity, as literals and as variables', async () => {
    const numeric = allPositions().filter((position) => NUMERIC_MISTAKE.test(position.type));
    // Names the parser reads as enum values: no number, whatever the position but an enum's.
    const spelledAsNames = ['NaN', 'Infinity', 'nan', 'inf', 'INFINITY'];
    const notEnums = allPositions().filter((position) => !ENUM.test(position.type));
    // Not GraphQL's number syntax at all: a syntax error.
    const unparsable = ['-Infinity', '+Infinity', '-NaN', '1e', '.5', '0x1F', '1_000', '1e400e1'];
    const strings = ['"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"∞"'];
    await expectRefused([
      ...spelledAsNames.flatMap((value) =>
        notEnums.map((position) => ({
          target: position.target,
          query: position.text.replace('%', value),
          names: [position.name],
        })),
      ),
      ...[...spelledAsNames, ...unparsable, ...strings].flatMap((value) =>
        numeric.map((position) => ({
          target: position.target,
          query: position.text.replace('%', value),
        })),
      ),
      ...strings.flatMap((value) =>
        numeric.map((position) => ({
          ...withVariable(position, value),
          names: ['$v', position.name],
        })),
      ),
    ]);
    // Where a string is expected, "NaN" is a string like any other: answered, or refused by
    // the field, never a server error.
    const textual = allPositions().filter((position) => !NUMERIC_MISTAKE.test(position.type));
    await expectNoServerErrors(
      strings.flatMap((value) => textual.map((position) => withVariable(position, value))),
    );
  });

  test('subscriptions, which this API has none of', async () => {
    const documents: { query: string; operationName?: string }[] = [
      { query: 'subscription { __typename }' },
      { query: 'subscription Watch { __typename }' },
      { query: 'subscription Watch { agreements(first: 1) { totalCount } }' },
      { query: 'subscription Watch($first: Int) { agreements(first: $first) { totalCount } }' },
      { query: 'subscription Watch { ...Fields } fragment Fields on Query { __typename }' },
      { query: 'subscription { ... on Query { __typename } }' },
      { query: 'subscription Watch { unknownField }' },
      {
        query: 'query Read { __typename } subscription Watch { __typename }',
        operationName: 'Watch',
      },
      {
        query: 'query Read { __typename } subscription Watch { __typename }',
        operationName: 'Read',
      },
      { query: 'subscription A { __typename } subscription B { __typename }', operationName: 'B' },
    ];
    const targets: Target[] = ['gateway', 'library', 'bpsdm-central', 'bpsdm-regional'];
    await expectRefused(
      targets.flatMap((target) =>
        documents.map((document) => ({ target, ...document, names: ['subscription'] })),
      ),
    );

    // In a batch, each subscription is refused in its own answer; the other operations stand.
    const batches = [
      [{ query: 'subscription { __typename }' }],
      [{ query: 'subscription Watch { __typename }' }, { query: 'subscription { __typename }' }],
      [
        { query: '{ __typename }' },
        { query: 'subscription Watch { ...F } fragment F on Query { __typename }' },
      ],
    ];
    const token = await adminToken();
    for (const batch of batches) {
      const response = await fetch(testStack().gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(batch),
      });
      const text = await response.text();
      const answers = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] }[];
      expect(problemsOf(response.status, text)).toEqual([]);
      expect(response.status).toBe(400);
      batch.forEach((item, index) => {
        const answer = answers[index];
        if (item.query.startsWith('subscription')) {
          expect(answer?.errors?.[0]?.message).toMatch(/subscription/);
        } else {
          expect(answer).toEqual({ data: { __typename: 'Query' } });
        }
      });
    }
  });
});

const UUID = '00000000-0000-4000-8000-000000000000';

/** Types where a number, NaN or Infinity (literal or string) is a mistake. */
const NUMERIC_MISTAKE = /^(Int|Float|Boolean|Date|AgreementKind|RunStatus|Scope)!?$/;
const ENUM = /^(AgreementKind|RunStatus|Scope)!?$/;

/**
 * An argument (or input field) of a scalar or enum type, `%` where its value goes; `type` is the
 * variable's for the same place. `_Any` takes its value inside a representation.
 */
interface Position {
  target: Target;
  type: string;
  name: string;
  text: string;
}

/** A createAgreement with `field` set to `value`: the empty title keeps it from creating anything. */
function createAgreement(field: string, value: string): string {
  const input: Record<string, string> = {
    kind: 'MOU',
    title: '""',
    signedOn: '"2025-01-01"',
    validFrom: '"2025-01-01"',
    scopes: '[]',
    parties: '[]',
    [field]: value,
  };
  const fields = Object.entries(input).map(([name, text]) => `${name}: ${text}`);
  return `mutation { createAgreement(input: { ${fields.join(', ')} }) { id } }`;
}

function positionsOf(target: Target): Position[] {
  const at = (type: string, name: string, text: string): Position => ({ target, type, name, text });
  const library = [
    at('Int', 'first', '{ agreements(first: %) { totalCount } }'),
    at('ID!', 'id', '{ agreement(id: %) { title } }'),
    at('String!', 'nip', '{ librarianByNip(nip: %) { id } }'),
    at('AgreementKind', 'kind', '{ agreements(first: 1, filter: { kind: % }) { totalCount } }'),
    at('Date!', 'signedOn', createAgreement('signedOn', '%')),
    at('Boolean', 'draft', createAgreement('draft', '%')),
    at('Scope!', 'scopes', createAgreement('scopes', '[%]')),
  ];
  const central = [
    at('Int', 'first', '{ trainingPrograms(first: %) { totalCount } }'),
    at('ID!', 'id', '{ trainingProgram(id: %) { title } }'),
    at('Scope', 'scope', '{ trainingPrograms(filter: { scope: % }) { totalCount } }'),
    at(
      'String!',
      'code',
      'mutation { createTrainingProgram(input: { code: %, title: "", description: "x", scope: FACILITIES, mode: ONLINE, modules: [] }) { id } }',
    ),
  ];
  const regional = [
    at('Int', 'first', '{ programRuns(first: %) { totalCount } }'),
    at('Int', 'year', '{ regionalOffices { trainingStats(year: %) { runs } } }'),
    at(
      'Float!',
      'finalScore',
      `mutation { recordResult(enrolmentId: "${UUID}", finalScore: %, lessonHoursEarned: 1) { id } }`,
    ),
    at('ID!', 'id', '{ programRun(id: %) { batchLabel } }'),
    at('String!', 'provinceCode', '{ regionalOffice(provinceCode: %) { name } }'),
    at('RunStatus', 'status', '{ programRuns(first: 1, filter: { status: % }) { totalCount } }'),
    at(
      'Date',
      'startsAfter',
      '{ programRuns(first: 1, filter: { startsAfter: % }) { totalCount } }',
    ),
  ];
  const directive = at('Boolean!', 'if', '{ __typename @include(if: %) }');
  if (target === 'gateway') return [...library, ...central, ...regional, directive];
  const own = { library, 'bpsdm-central': central, 'bpsdm-regional': regional }[target];
  const entity = {
    library: 'Agreement',
    'bpsdm-central': 'TrainingProgram',
    'bpsdm-regional': 'ProgramRun',
  }[target];
  const representation = `{ __typename: "${entity}", id: % }`;
  return [
    ...own,
    directive,
    at(
      '_Any!',
      'representations',
      `{ _entities(representations: [${representation}]) { __typename } }`,
    ),
  ];
}

function allPositions(): Position[] {
  return (['gateway', 'library', 'bpsdm-central', 'bpsdm-regional'] as const).flatMap(positionsOf);
}

/** The same place given by a variable `$v`, with `json` as its value, written as sent. */
function withVariable(position: Position, json: string): Attempt {
  const mutation = position.text.startsWith('mutation');
  const body = mutation ? position.text.slice('mutation'.length) : position.text;
  if (position.type === '_Any!') {
    const representation = /\[(\{.*\})\]/.exec(position.text)![1]!;
    const typename = /"(\w+)"/.exec(representation)![1]!;
    return {
      target: position.target,
      query: 'query ($v: _Any!) { _entities(representations: [$v]) { __typename } }',
      variablesJson: `{"v":{"__typename":"${typename}","id":${json}}}`,
    };
  }
  return {
    target: position.target,
    query: `${mutation ? 'mutation' : 'query'} ($v: ${position.type}) ${body.trim().replace('%', '$v')}`,
    variablesJson: `{"v":${json}}`,
  };
}
