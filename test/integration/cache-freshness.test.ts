import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { latencyProxy, type LatencyProxy } from '../support/latency-proxy';
import { query, testStack, tokenFor } from '../support/stack';

/**
 * The freshness invariant of the response cache (docs/decisions/0021): after a write's response
 * has arrived, no answer from any gateway predates it — whatever the documents look like, from
 * whichever gateway, for every audience — and nobody receives an answer or a refusal that was
 * meant for another caller. Two gateways share one Redis; every subgraph sits behind a proxy
 * that slows requests and answers, so reads are in flight while writes land.
 */

/** A province and year of their own: no other test file writes here. */
const PROVINCE = '36';
const OTHER_PROVINCE = '64';
const YEAR = 2032;

type CallerName =
  'admin' | 'analyst' | 'operator' | 'otherSubject' | 'otherProvince' | 'anonymous' | 'badToken';
const CALLERS: CallerName[] = [
  'admin',
  'analyst',
  'operator',
  'otherSubject',
  'otherProvince',
  'anonymous',
  'badToken',
];
/** Who may plan and open this province's runs. */
const WRITERS: CallerName[] = ['admin', 'operator'];

/** The figures a read may ask for; each only ever grows, by one write kind. */
type Figure = 'planned' | 'listed' | 'open';
const FIGURES: Figure[] = ['planned', 'listed', 'open'];
type WriteKind = 'plan' | 'open' | 'elsewhere';
const GROWS_WITH: Record<Figure | 'national', WriteKind[]> = {
  planned: ['plan'],
  listed: ['plan'],
  open: ['open'],
  national: ['plan', 'elsewhere'],
};

/** How a read is written: the same figures, in the shapes a client may send them. */
type ReadForm = 'plain' | 'fragments' | 'inline' | 'introspection' | 'beside-mutation';
const READ_FORMS: ReadForm[] = ['plain', 'fragments', 'inline', 'introspection', 'beside-mutation'];
/** How a write is written. */
type WriteForm = 'plain' | 'beside-query' | 'beside-introspection' | 'fragment' | 'batched';
const WRITE_FORMS: WriteForm[] = [
  'plain',
  'beside-query',
  'beside-introspection',
  'fragment',
  'batched',
];

interface Read {
  kind: 'read';
  caller: CallerName;
  figures: Figure[];
  form: ReadForm;
  /** Also every office's count of runs: a national figure, changed by a write in any province. */
  national: boolean;
  /** A comment that makes the text new: some reads meet a stored answer, some do not. */
  variant: number;
}
interface Write {
  /** `elsewhere`: a run planned in another province, by an admin. */
  kind: 'plan' | 'open' | 'elsewhere' | 'refused';
  caller: CallerName;
  form: WriteForm;
  /** Which planned run an `open` opens (modulo those still planned). */
  pick: number;
}
/** The same document, by the same caller, as one of the last reads: a likely cache hit. */
interface Repeat {
  kind: 'repeat';
  pick: number;
}
type Step = (Read | Write) & { gateway: number; staggerMs: number };
type Planned = (Read | Write | Repeat) & { gateway: number; staggerMs: number };

/** One request as it happened: when it left, when its answer came, what it said. */
interface Exchange {
  step: Step;
  sentAt: number;
  answeredAt: number;
  status: number;
  cache: string | null;
  /** The answer of the step's own operation (the first of a batch). */
  answer: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  /** A batch's other answers: reads that ran beside the write. */
  batchReads: Exchange['answer'][];
}

function figureSelection(figures: Figure[]) {
  const parts: Record<Figure, string> = {
    planned: `trainingStats(year: ${YEAR}) { runs }`,
    listed: `listed: runs(first: 1) { totalCount }`,
    open: `open: runs(first: 1, filter: { status: OPEN }) { totalCount }`,
  };
  return figures.map((figure) => parts[figure]).join(' ');
}

const officeField = (selection: string) =>
  `regionalOffice(provinceCode: "${PROVINCE}") { ${selection} }`;
const NATIONAL_FIELD = `national: regionalOffices { trainingStats(year: ${YEAR}) { runs } }`;

/** A read's document and the operation to run in it. */
function readDocument(read: Read): { query: string; operationName?: string } {
  const selection = figureSelection(read.figures);
  const comment = `# freshness ${read.variant}`;
  // The office's figures, and the national ones when the read asks for them.
  const figureFields = (inOffice: string) =>
    `${officeField(inOffice)} ${read.national ? NATIONAL_FIELD : ''}`;
  switch (read.form) {
    case 'plain':
      return { query: `{ ${figureFields(selection)} } ${comment}` };
    case 'fragments':
      return {
        query: `query Figures { ...Office } fragment Office on Query { ${figureFields('...Counts')} }
          fragment Counts on RegionalOffice { ${selection} }
          ${comment}`,
        operationName: 'Figures',
      };
    case 'inline':
      return {
        query: `query { ... on Query { ${figureFields(`... { ${selection} }`)} } } ${comment}`,
      };
    case 'introspection':
      return {
        query: `query Figures { __schema { queryType { name } } ${figureFields(selection)}
          __type(name: "RegionalOffice") { name } } ${comment}`,
        operationName: 'Figures',
      };
    case 'beside-mutation':
      // The document holds a mutation too; only the query runs.
      return {
        query: `mutation Never { setRunStatus(id: "${randomUUID()}", version: 1, status: OPEN) { id } }
          query Figures { ${figureFields(selection)} } ${comment}`,
        operationName: 'Figures',
      };
  }
}

interface Context {
  programIds: string[];
  nextBatch: number;
  /** Runs planned by the test and not yet opened, with their version. */
  planned: { id: string; version: number }[];
}

/** A write's operation as a field on Mutation, with the variables it needs. */
function writeField(write: Write, context: Context): { field: string; variables: object } {
  if (write.kind === 'open' && context.planned.length > 0) {
    const run = context.planned[write.pick % context.planned.length]!;
    return {
      field: `setRunStatus(id: $id, version: $version, status: OPEN) { id version status }`,
      variables: { id: run.id, version: run.version },
    };
  }
  const batch = context.nextBatch++;
  const provinceCode = write.kind === 'elsewhere' ? OTHER_PROVINCE : PROVINCE;
  return {
    field: `planRun(input: $input) { id version status }`,
    variables: {
      input: {
        provinceCode,
        programId: context.programIds[batch % context.programIds.length],
        // Batch numbers the seed never uses.
        batch: 500 + Math.floor(batch / context.programIds.length),
        startsOn: `${YEAR}-02-02`,
        endsOn: `${YEAR}-02-06`,
        quota: 20,
      },
    },
  };
}

function writeBody(write: Write, context: Context): object {
  const { field, variables } = writeField(write, context);
  const declared = field.startsWith('planRun')
    ? '($input: PlanRunInput!)'
    : '($id: ID!, $version: Int!)';
  const read = `query Figures { ${officeField(figureSelection(FIGURES))} }`;
  switch (write.form) {
    case 'plain':
      return { query: `mutation Write${declared} { ${field} }`, variables };
    case 'beside-query':
      return {
        query: `${read} mutation Write${declared} { ${field} }`,
        operationName: 'Write',
        variables,
      };
    case 'beside-introspection':
      return {
        query: `mutation Write${declared} { ${field} } query Schema { ...Types }
          fragment Types on Query { __schema { types { name } } __type(name: "Mutation") { name } }`,
        operationName: 'Write',
        variables,
      };
    case 'fragment':
      return {
        query: `mutation Write${declared} { ...Change } fragment Change on Mutation { ${field} }`,
        operationName: 'Write',
        variables,
      };
    case 'batched':
      return [{ query: `mutation Write${declared} { ${field} }`, variables }, { query: read }];
  }
}

describe('the response cache of two gateways sharing Redis, with reads in flight while writes land', () => {
  const proxies: LatencyProxy[] = [];
  let gateways: RunningService[] = [];
  const tokens = {} as Record<CallerName, string | undefined>;
  const context: Context = { programIds: [], nextBatch: 0, planned: [] };
  /** The figures before the test wrote anything. */
  let base: Record<Figure | 'national', number>;
  /** Successful writes so far, by kind, in the order their answers arrived. */
  const writesDone: Record<WriteKind, number[]> = { plan: [], open: [], elsewhere: [] };
  /** When each write that may have changed something was sent, by kind. */
  const writesSent: Record<WriteKind, number[]> = { plan: [], open: [], elsewhere: [] };
  const delay = () => Math.floor(Math.random() * 40);
  /** How long the proxies hold the next GraphQL answer through them (the in-flight example). */
  let holdNextAnswerMs: number | null = null;
  const answerDelay = (request: { method?: string }) => {
    // Only a GraphQL answer: the gateways also ask every subgraph's /health (GET).
    if (request.method !== 'POST') return delay();
    const held = holdNextAnswerMs;
    holdNextAnswerMs = null;
    return held ?? delay();
  };

  beforeAll(async () => {
    const urls: Record<string, string> = {};
    for (const [name, subgraphBase] of Object.entries(testStack().subgraphUrls)) {
      const proxy = await latencyProxy(subgraphBase, { beforeMs: delay, afterMs: answerDelay });
      proxies.push(proxy);
      urls[name] = `${proxy.url}/graphql`;
    }
    const settings = {
      ...cacheSettingsFromEnv(),
      enabled: true,
      redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      redisKeyPrefix: `coop-test:${randomUUID()}:`,
    };
    for (let i = 0; i < 2; i += 1) {
      gateways.push(await startGateway(await freePort(), urls, limitsFromEnv(), settings));
    }
    tokens.admin = await tokenFor('admin');
    tokens.analyst = await tokenFor('analyst');
    tokens.operator = await tokenFor('regional-operator', PROVINCE);
    tokens.otherSubject = await tokenFor('regional-operator', PROVINCE, { subject: 'operator-b' });
    tokens.otherProvince = await tokenFor('regional-operator', OTHER_PROVINCE);
    tokens.anonymous = undefined;
    // Refused before anything runs: its 401 must never reach anybody else, nor theirs it.
    tokens.badToken = `${tokens.admin.slice(0, -4)}AAAA`;

    const { trainingPrograms } = await query<{
      trainingPrograms: { edges: { node: { id: string } }[] };
    }>(`{ trainingPrograms(first: 20) { edges { node { id } } } }`, {}, { token: tokens.admin });
    context.programIds = trainingPrograms.edges.map((edge) => edge.node.id);
    base = await truth();
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    gateways = [];
  });

  /** The figures as the database has them now, asked of the graph under a text never cached. */
  async function truth(): Promise<Record<Figure | 'national', number>> {
    const data = await query<{ regionalOffice: OfficeFigures; national: NationalFigures }>(
      `{ ${officeField(figureSelection(FIGURES))} ${NATIONAL_FIELD} } # ${randomUUID()}`,
      {},
      { token: tokens.admin },
    );
    return { ...figuresOf(data.regionalOffice), national: nationalOf(data.national) };
  }

  type OfficeFigures = {
    trainingStats?: { runs: number };
    listed?: { totalCount: number };
    open?: { totalCount: number };
  };
  type NationalFigures = { trainingStats: { runs: number } | null }[];
  const nationalOf = (offices: unknown) =>
    (offices as NationalFigures | undefined)?.reduce(
      (sum, office) => sum + (office.trainingStats?.runs ?? NaN),
      0,
    ) ?? NaN;
  const figuresOf = (office: OfficeFigures): Record<Figure, number> => ({
    planned: office.trainingStats?.runs ?? NaN,
    listed: office.listed?.totalCount ?? NaN,
    open: office.open?.totalCount ?? NaN,
  });

  async function post(gateway: number, body: object, token?: string) {
    const response = await fetch(gateways[gateway % gateways.length]!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      cache: response.headers.get('x-cache'),
      body: (await response.json()) as Exchange['answer'] | Exchange['answer'][],
    };
  }

  /** Sends one step, and keeps the model's account of the writes. */
  async function run(step: Step): Promise<Exchange> {
    await new Promise((resolve) => setTimeout(resolve, step.staggerMs));
    const write = step.kind !== 'read' ? step : null;
    const body =
      step.kind === 'read' ? readDocument(step) : writeBody(step as Write & Step, context);
    const writeKind: WriteKind | null = !write
      ? null
      : write.kind === 'elsewhere'
        ? 'elsewhere'
        : JSON.stringify(body).includes('planRun')
          ? 'plan'
          : 'open';
    const opening =
      writeKind === 'open'
        ? context.planned[(step as Write).pick % context.planned.length]
        : undefined;
    const sentAt = performance.now();
    if (writeKind && step.kind !== 'refused') writesSent[writeKind].push(sentAt);
    const reply = await post(step.gateway, body, tokens[step.caller]);
    const answeredAt = performance.now();
    const [answer, ...batchReads] = Array.isArray(reply.body) ? reply.body : [reply.body];
    const exchange = {
      step,
      sentAt,
      answeredAt,
      status: reply.status,
      cache: reply.cache,
      answer: answer!,
      batchReads,
    };
    if (writeKind && !answer!.errors?.length) {
      writesDone[writeKind].push(answeredAt);
      const result = Object.values(answer!.data ?? {})[0] as { id: string; version: number };
      if (writeKind === 'plan') context.planned.push({ id: result.id, version: result.version });
      else context.planned = context.planned.filter((runOf) => runOf !== opening);
    }
    return exchange;
  }

  /** Writes of a kind whose answer arrived before `time`; writes sent before `time`. */
  const doneBefore = (kinds: WriteKind[], time: number) =>
    kinds.reduce((sum, kind) => sum + writesDone[kind].filter((at) => at < time).length, 0);
  const sentBefore = (kinds: WriteKind[], time: number) =>
    kinds.reduce((sum, kind) => sum + writesSent[kind].filter((at) => at < time).length, 0);

  /** What the invariants say of one exchange; null when it holds them all. */
  function violation(exchange: Exchange): string | null {
    const { step, answer } = exchange;
    const codes = (answer.errors ?? []).map((error) => error.extensions?.code);
    if (step.kind === 'read') {
      // Callers without a valid token are one caller (their address), with one request in
      // flight: their own requests may refuse each other, never anybody else's.
      const tokenless = step.caller === 'badToken' || step.caller === 'anonymous';
      if (tokenless && exchange.status === 429 && codes.includes('RATE_LIMITED')) {
        return answer.data ? `a refusal with data: ${JSON.stringify(answer)}` : null;
      }
      if (step.caller === 'badToken') {
        const own = exchange.status === 401 && codes.includes('UNAUTHENTICATED');
        return own && !answer.data
          ? null
          : `a bad token got ${exchange.status} ${JSON.stringify(answer)}`;
      }
      if (exchange.status !== 200) return `HTTP ${exchange.status}: ${JSON.stringify(answer)}`;
      // An anonymous caller may read the runs (public), never the stats (needs a token).
      const refusedStats =
        step.caller === 'anonymous' && (step.figures.includes('planned') || step.national);
      const office = answer.data?.regionalOffice as OfficeFigures | undefined;
      if (refusedStats) {
        const statsShown = step.figures.includes('planned') && office?.trainingStats !== null;
        if (!codes.includes('UNAUTHENTICATED') || statsShown) {
          return `anonymous caller got ${JSON.stringify(answer)}`;
        }
      } else if (codes.length) {
        return `refused: ${JSON.stringify(answer.errors)}`;
      }
      const seen = { ...figuresOf(office!), national: nationalOf(answer.data?.national) };
      const checked: (Figure | 'national')[] = [
        ...step.figures.filter((name) => !refusedStats || name !== 'planned'),
        ...(step.national && !refusedStats ? ['national' as const] : []),
      ];
      for (const figure of checked) {
        const kind = GROWS_WITH[figure];
        const lowest = base[figure] + doneBefore(kind, exchange.sentAt);
        const highest = base[figure] + sentBefore(kind, exchange.answeredAt);
        if (seen[figure] < lowest) {
          return `stale ${figure}: ${seen[figure]}, but ${lowest} after the writes answered before it was sent (x-cache ${exchange.cache})`;
        }
        if (seen[figure] > highest) return `${figure} ${seen[figure]} is ahead of every write sent`;
      }
      return null;
    }
    if (step.kind === 'refused') {
      return codes.includes('FORBIDDEN') ? null : `a write out of the caller's province: ${codes}`;
    }
    if (codes.length && !codes.every((code) => code === 'CONFLICT' || code === 'BAD_USER_INPUT')) {
      return `write refused: ${JSON.stringify(answer.errors)}`;
    }
    return null;
  }

  const stepArbitrary: fc.Arbitrary<Planned> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('repeat' as const),
        pick: fc.nat({ max: 3 }),
        gateway: fc.integer({ min: 0, max: 1 }),
        staggerMs: fc.integer({ min: 0, max: 60 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('read' as const),
        caller: fc.constantFrom(...CALLERS),
        figures: fc.oneof(fc.constant(FIGURES), fc.subarray(FIGURES, { minLength: 1 })),
        form: fc.constantFrom(...READ_FORMS),
        national: fc.boolean(),
        variant: fc.integer({ min: 0, max: 1 }),
        gateway: fc.integer({ min: 0, max: 1 }),
        staggerMs: fc.integer({ min: 0, max: 60 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constantFrom(
          'plan' as const,
          'open' as const,
          'elsewhere' as const,
          'refused' as const,
        ),
        caller: fc.constantFrom(...WRITERS),
        form: fc.constantFrom(...WRITE_FORMS),
        pick: fc.nat({ max: 50 }),
        gateway: fc.integer({ min: 0, max: 1 }),
        staggerMs: fc.integer({ min: 0, max: 60 }),
      }),
    },
  );

  /** Answers served from the store so far: the runs met the cache. */
  let hits = 0;
  /** Every read sent so far, for the steps that repeat one. */
  const earlierReads: Read[] = [];
  function resolve(planned: Planned): Step {
    if (planned.kind === 'repeat') {
      const { gateway, staggerMs } = planned;
      // One of the last few: likely still stored, unless a write came since.
      const earlier = earlierReads[earlierReads.length - 1 - (planned.pick % 4)];
      return { ...(earlier ?? read('admin', 'plain', gateway)), gateway, staggerMs } as Step;
    }
    if (planned.kind === 'read') earlierReads.push(planned);
    if (planned.kind === 'refused') return { ...planned, caller: 'otherProvince' };
    return planned.kind === 'elsewhere' ? { ...planned, caller: 'admin' } : planned;
  }

  async function check(groups: Planned[][]) {
    for (const group of groups) {
      const exchanges = await Promise.all(group.map((planned) => run(resolve(planned))));
      for (const { cache } of exchanges) if (cache === 'hit') hits += 1;
      for (const exchange of exchanges) {
        const problem = violation(exchange);
        if (problem) {
          throw new Error(`${problem}\nstep: ${JSON.stringify(exchange.step)}`);
        }
      }
    }
  }

  it('never answers with figures older than a write that has answered (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(stepArbitrary, { minLength: 1, maxLength: 4 }), {
          minLength: 3,
          maxLength: 8,
        }),
        check,
      ),
      // Each run takes a second or so; shrinking a failure takes many.
      { numRuns: 25, interruptAfterTimeLimit: 100_000 },
    );
    // The runs met the cache: some reads were answered from it, and writes changed the figures.
    expect(writesDone.plan.length).toBeGreaterThan(5);
    expect(hits).toBeGreaterThan(5);
    expect((await truth()).planned).toBe(base.planned + writesDone.plan.length);
  }, 120_000);

  const read = (caller: CallerName, form: ReadForm, gateway: number, national = true): Step => ({
    kind: 'read',
    caller,
    figures: [...FIGURES],
    form,
    national,
    variant: 9,
    gateway,
    staggerMs: 0,
  });
  const write = (kind: WriteKind, form: WriteForm, gateway: number): Step => ({
    kind,
    caller: kind === 'elsewhere' ? 'admin' : 'operator',
    form,
    pick: 0,
    gateway,
    staggerMs: 0,
  });

  it.each(WRITE_FORMS)(
    'refreshes every stored answer on both gateways after a write written as %s',
    async (form) => {
      const readers = (['admin', 'analyst', 'operator'] as const).flatMap((caller) =>
        READ_FORMS.map((readForm, i) => read(caller, readForm, i)),
      );
      // Stored (twice each, so the second is a hit), then a write, then every one of them again.
      await check([readers, readers, [write('plan', form, 1)], readers]);
      await check([[write('open', form, 0)], readers]);
    },
  );

  it('keeps a province’s answers through a write in another province, and refreshes the national ones', async () => {
    const callers = ['admin', 'analyst', 'operator'] as const;
    const own = callers.map((caller, i) => ({ ...read(caller, 'plain', i, false), variant: 11 }));
    const national = callers.map((caller, i) => ({ ...read(caller, 'plain', i + 1), variant: 11 }));
    await check([
      [...own, ...national],
      [...own, ...national],
    ]);
    const hitsBefore = hits;
    const before = writesDone.elsewhere.length;
    await check([[write('elsewhere', 'plain', 0)]]);
    expect(writesDone.elsewhere.length).toBe(before + 1);
    // The invariant holds for all of them (check); the province's own were served from the store.
    await check([[...own, ...national]]);
    expect(hits - hitsBefore).toBe(own.length);
  });

  it('does not hand a read sent after a write the answer of a read in flight before it', async () => {
    // A text no earlier read used: the first read is computed, not served from the store.
    const reader: Step = { ...read('analyst', 'plain', 0), variant: 1000 + Date.now() } as Step;
    // The first read reads the database at once and its answer is held 500 ms; the write lands
    // in between, and identical reads are sent on both gateways after the write has answered.
    holdNextAnswerMs = 500;
    const first = run(reader);
    while (holdNextAnswerMs !== null) await new Promise((resolve) => setTimeout(resolve, 5));
    await check([[write('plan', 'plain', 1)]]);
    const beforeFirstAnswered = performance.now();
    await check([[reader, { ...reader, gateway: 1 }]]);
    const held = await first;
    expect(held.answeredAt).toBeGreaterThan(beforeFirstAnswered);
    expect(violation(held)).toBeNull();
    // What the held read stored, if anything, is not served after the write either.
    await check([[reader, { ...reader, gateway: 1 }]]);
  });
});
