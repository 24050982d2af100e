import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { ARTIFACT_DIR, launchChromium } from '../support/browser';
import { query, send, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * The reference dashboard at `/dashboard` in Debian's Chromium, for an analyst, an admin and a
 * regional operator: the table fills within 2 s, every figure on the page is the API's answer
 * to the same operation sent directly with the same token (formatted here on its own), every
 * withheld figure shows its marker and never a number, and the CSV download is the table.
 */
const origin = new URL(testStack().gatewayUrl).origin;
const OPERATION = fs
  .readFileSync(path.resolve(__dirname, '../../contract/operations/DashboardPage.graphql'), 'utf8')
  .trim();
const LOAD_BUDGET_MS = 2000;
/**
 * The seed's province and national figures are all large enough: the test adds a training
 * group of fewer than k persons in each of two provinces no other test writes to, in a year
 * of the trend without seeded runs, so that markers have something to mark.
 */
const SMALL_GROUP_YEAR = 2020;
const SMALL_GROUP_PROVINCES = ['75', '76'];

interface Withheld {
  field: string;
  reason: string;
}
type Stats = Record<string, unknown> & { withheld: Withheld[] };
interface Rollout {
  initiative: { code: string; name: string };
  status: string;
}
interface ItTotal extends Record<string, unknown> {
  initiative: { code: string; name: string };
  provincesInUse: number;
}
interface DashboardData {
  disclosureControl: { minimumGroupSize: number };
  regionalOffices: {
    provinceCode: string;
    provinceName: string;
    trainingStats: Stats | null;
    librarianStats: Stats | null;
    itAdoption: Rollout[];
  }[];
  nationalTrainingStats: Stats | null;
  nationalLibrarianStats: (Stats & { byLevel: (Stats & { level: string })[] }) | null;
  nationalItAdoption: ItTotal[];
  nationalTrainingByYear: { year: number; stats: Stats }[];
}
type Answer = GraphQLResponse<DashboardData>;

const COUNT = new Intl.NumberFormat('en-US');
const RATE = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const count = (value: unknown) => COUNT.format(value as number);
const rate = (value: unknown) => RATE.format(value as number);

interface Column {
  field: string;
  format: (value: unknown) => string;
  /** A rate or hours null with this field carries its reason. */
  base?: string;
}
const TRAINING: Column[] = [
  { field: 'runs', format: count },
  { field: 'participants', format: count },
  { field: 'completed', format: count },
  { field: 'completionRate', format: rate, base: 'completed' },
  { field: 'lessonHoursDelivered', format: count, base: 'completed' },
];
const LIBRARIANS: Column[] = [
  { field: 'librarians', format: count },
  { field: 'certified', format: count },
  { field: 'certificationRate', format: rate, base: 'certified' },
];
const LEVEL: Column[] = [
  { field: 'librarians', format: count },
  { field: 'certified', format: count },
];
const PROVINCE_HEADER = [
  'Province',
  'Training runs',
  'Participants',
  'Completed',
  'Completion rate',
  'Lesson hours (JP)',
  'Librarians',
  'Certified',
  'Certification rate',
  'IT initiatives in use',
];

const markerOf = (reason: string, k: number) => (reason === 'SMALL_GROUP' ? `< ${k}` : '×');

/** What a cell must show for one figure of the API's answer. */
function expectedCell(stats: Stats | null, column: Column, k: number): string {
  if (!stats) return 'n/a';
  const reasonOf = (field: string) => stats.withheld.find((item) => item.field === field)?.reason;
  const value = stats[column.field];
  const reason =
    reasonOf(column.field) ?? (value == null && column.base ? reasonOf(column.base) : undefined);
  if (reason) return markerOf(reason, k);
  return value == null ? 'n/a' : column.format(value);
}

const cells = (stats: Stats | null, columns: Column[], k: number) =>
  columns.map((column) => expectedCell(stats, column, k));

function expectedTables(data: DashboardData) {
  const k = data.disclosureControl.minimumGroupSize;
  const inUse = (rollouts: Rollout[]) =>
    rollouts
      .filter((rollout) => rollout.status === 'IN_USE')
      .map((rollout) => rollout.initiative.name)
      .join(', ') || 'none';
  const nationalInUse =
    data.nationalItAdoption
      .filter((total) => total.provincesInUse > 0)
      .map(
        (total) =>
          `${total.initiative.name}: ${count(total.provincesInUse)} ` +
          (total.provincesInUse === 1 ? 'province' : 'provinces'),
      )
      .join('; ') || 'none';
  const levelName = (level: string) =>
    level
      .split('_')
      .map((word) => word[0] + word.slice(1).toLowerCase())
      .join(' ');
  return {
    provinces: [
      PROVINCE_HEADER,
      ...data.regionalOffices.map((office) => [
        office.provinceName,
        ...cells(office.trainingStats, TRAINING, k),
        ...cells(office.librarianStats, LIBRARIANS, k),
        inUse(office.itAdoption),
      ]),
      [
        'National',
        ...cells(data.nationalTrainingStats, TRAINING, k),
        ...cells(data.nationalLibrarianStats, LIBRARIANS, k),
        nationalInUse,
      ],
    ],
    levels: (data.nationalLibrarianStats?.byLevel ?? []).map((level) => [
      levelName(level.level),
      ...cells(level, LEVEL, k),
    ]),
    it: data.nationalItAdoption.map((total) => [
      total.initiative.name,
      ...[
        'provincesInUse',
        'provincesPiloting',
        'provincesPlanned',
        'provincesWithForum',
        'librariesUsing',
        'librariesTotal',
      ].map((field) => count(total[field])),
    ]),
    trend: data.nationalTrainingByYear.map((item) => [
      String(item.year),
      ...cells(item.stats, TRAINING, k),
    ]),
  };
}

/** The rows of a table as the page shows them (a string: this project's TypeScript has no DOM types). */
async function tableText(page: Page, rows: string): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(rows)})].map((row) => [...row.cells].map((cell) => cell.textContent))`,
  )) as string[][];
}

async function shownTables(page: Page) {
  return {
    provinces: await tableText(page, '#provinces tr'),
    levels: await tableText(page, '#levels tbody tr'),
    it: await tableText(page, '#it tbody tr'),
    trend: await tableText(page, '#trend tbody tr'),
  };
}

/** RFC 4180, as far as a table of text needs it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      [row, field] = [[], ''];
      i++;
    } else field += char;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

const isGraphql = (request: Request) => new URL(request.url()).pathname === '/graphql';

let context: BrowserContext;
let close: () => Promise<void>;
const pageProblems: string[] = [];

/** A run of `enrolled` librarians of the province, `completed` of them with a result. */
async function smallGroup(provinceCode: string, enrolled: number, completed: number) {
  const admin = await tokenFor('admin');
  const ask = <T>(text: string, variables: Record<string, unknown>) =>
    query<T>(text, variables, { token: admin });
  const { trainingPrograms, librarians } = await ask<{
    trainingPrograms: { edges: { node: { id: string } }[] };
    librarians: { edges: { node: { id: string } }[] };
  }>(
    `query ($p: String!, $n: Int!) { trainingPrograms(first: 1) { edges { node { id } } }
       librarians(filter: { provinceCode: $p }, first: $n) { edges { node { id } } } }`,
    { p: provinceCode, n: enrolled },
  );
  const { planRun } = await ask<{ planRun: { id: string; version: number } }>(
    `mutation ($input: PlanRunInput!) { planRun(input: $input) { id version } }`,
    {
      input: {
        provinceCode,
        programId: trainingPrograms.edges[0]!.node.id,
        batch: 990,
        startsOn: `${SMALL_GROUP_YEAR}-03-02`,
        endsOn: `${SMALL_GROUP_YEAR}-03-06`,
        quota: 30,
      },
    },
  );
  const setStatus = (version: number, status: string) =>
    ask<{ setRunStatus: { version: number } }>(
      `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
         setRunStatus(id: $id, version: $version, status: $status) { version } }`,
      { id: planRun.id, version, status },
    );
  const { setRunStatus: open } = await setStatus(planRun.version, 'OPEN');
  const enrolments: string[] = [];
  for (const { node } of librarians.edges) {
    const { enrol } = await ask<{ enrol: { id: string } }>(
      `mutation ($runId: ID!, $librarianId: ID!) { enrol(runId: $runId, librarianId: $librarianId) { id } }`,
      { runId: planRun.id, librarianId: node.id },
    );
    enrolments.push(enrol.id);
  }
  await setStatus(open.version, 'ONGOING');
  for (const id of enrolments.slice(0, completed)) {
    await ask(
      `mutation ($id: ID!) { recordResult(enrolmentId: $id, finalScore: 80, lessonHoursEarned: 2) { id } }`,
      { id },
    );
  }
}

beforeAll(async () => {
  ({ context, close } = await launchChromium());
  for (const provinceCode of SMALL_GROUP_PROVINCES) await smallGroup(provinceCode, 3, 2);
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** Waits until the page has shown an answer, or asked for a token, or failed: `state` it must be. */
async function expectSettled(page: Page, state: string) {
  const settled = ['ready', 'error', 'needs-token'].map((name) => `main[data-state="${name}"]`);
  await page.waitForSelector(settled.join(', '), { timeout: 30_000 });
  const shown = await page.locator('main').getAttribute('data-state');
  const status = await page.locator('#status').textContent();
  // The status in the comparison: a failure says what the page said.
  expect({ state: shown, status }).toEqual({ state, status });
}

interface Opened {
  page: Page;
  loadMs: number;
  requests: Request[];
}

/** Opens the dashboard with `token` already in the session, as after pasting it once. */
async function open(token: string | undefined, until = 'ready'): Promise<Opened> {
  const page = await context.newPage();
  if (token) {
    await page.addInitScript(
      `sessionStorage.setItem('coop-dashboard-token', ${JSON.stringify(token)})`,
    );
  }
  const requests: Request[] = [];
  page.on('request', (request) => {
    if (isGraphql(request)) requests.push(request);
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  page.on('console', (message) => {
    // A refused token's 401 is expected; a policy violation or a script error is not.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) {
      pageProblems.push(message.text());
    }
  });
  const started = Date.now();
  await page.goto(`${origin}/dashboard`);
  await expectSettled(page, until);
  return { page, loadMs: Date.now() - started, requests };
}

/** The answer the page received to its last request, and the same operation sent directly. */
async function answers(opened: Opened, token: string) {
  const request = opened.requests.at(-1)!;
  const sent = request.postDataJSON() as { query: string; variables: Record<string, unknown> };
  const received = (await (await request.response())!.json()) as Answer;
  const direct = await send<DashboardData>(sent.query, sent.variables, { token });
  return { sent, received, direct: direct.body, status: direct.status };
}

/**
 * Opens the dashboard and fetches its operation directly; again when the two answers differ
 * (another test file wrote to the graph in between).
 */
async function openAndAsk(token: string) {
  for (let attempt = 1; ; attempt++) {
    const opened = await open(token);
    const asked = await answers(opened, token);
    if (isDeepStrictEqual(asked.received, asked.direct) || attempt === 3) {
      return { ...opened, ...asked };
    }
    await opened.page.close();
  }
}

async function screenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACT_DIR, name), fullPage: true });
}

/** Every check of a loaded page against the API's answer. */
async function expectPageMatches(page: Page, answer: Answer) {
  expect(answer.errors).toBeUndefined();
  const data = answer.data!;
  const k = data.disclosureControl.minimumGroupSize;
  const shown = await shownTables(page);
  expect(shown).toEqual(expectedTables(data));

  // Each withheld figure's own cell, found by its field: the marker, never a number.
  const columnOf = (columns: Column[], field: string, offset: number) => {
    const index = columns.findIndex((column) => column.field === field);
    expect(index).toBeGreaterThanOrEqual(0);
    return offset + index;
  };
  const checkRow = (
    row: string[] | undefined,
    stats: Stats | null,
    columns: Column[],
    at: number,
  ) => {
    for (const item of stats?.withheld ?? []) {
      const cell = row?.[columnOf(columns, item.field, at)];
      expect(cell).toBe(markerOf(item.reason, k));
    }
  };
  data.regionalOffices.forEach((office, i) => {
    checkRow(shown.provinces[i + 1], office.trainingStats, TRAINING, 1);
    checkRow(shown.provinces[i + 1], office.librarianStats, LIBRARIANS, 1 + TRAINING.length);
  });
  const national = shown.provinces.at(-1);
  checkRow(national, data.nationalTrainingStats, TRAINING, 1);
  checkRow(national, data.nationalLibrarianStats, LIBRARIANS, 1 + TRAINING.length);
  data.nationalLibrarianStats?.byLevel.forEach((level, i) =>
    checkRow(shown.levels[i], level, LEVEL, 1),
  );
  data.nationalTrainingByYear.forEach((item, i) =>
    checkRow(shown.trend[i], item.stats, TRAINING, 1),
  );

  // The footnotes explain both markers and name k.
  const footnotes = (await page.locator('#footnotes').textContent()) ?? '';
  expect(footnotes).toContain(`< ${k}: fewer than ${k} persons`);
  expect(footnotes).toMatch(/×: withheld/);

  // The CSV is the table as shown, markers as text.
  const downloaded = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const download = await downloaded;
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv.startsWith('\uFEFF')).toBe(true);
  expect(csv.endsWith('\r\n')).toBe(true);
  expect(parseCsv(csv.slice(1))).toEqual(shown.provinces);
}

/**
 * Chooses a year in the picker: one more request, sent again directly, and the page must show
 * its answer. Returns the answer.
 */
async function chooseYear(opened: Opened, token: string, year: number): Promise<DashboardData> {
  const before = opened.requests.length;
  const answered = opened.page.waitForResponse((response) => isGraphql(response.request()));
  await opened.page.locator('#year').selectOption(String(year));
  await answered;
  await expectSettled(opened.page, 'ready');
  expect(opened.requests).toHaveLength(before + 1);
  const asked = await answers(opened, token);
  expect(asked.sent.variables).toEqual({ year, ...trendRange(asked.sent.variables) });
  expect(asked.direct).toEqual(asked.received);
  await expectPageMatches(opened.page, asked.direct);
  return asked.direct.data!;
}

/** A province's row of the page's table. */
async function rowOf(page: Page, data: DashboardData, provinceCode: string): Promise<string[]> {
  const index = data.regionalOffices.findIndex((office) => office.provinceCode === provinceCode);
  return (await tableText(page, '#provinces tbody tr'))[index]!;
}

const markersIn = (rows: string[][]) =>
  rows.flat().filter((cell) => /^(< \d+|×)$/.test(cell)).length;

function trendRange(variables: Record<string, unknown>) {
  return { fromYear: variables.fromYear as number, toYear: variables.toYear as number };
}

describe('the dashboard in a browser', () => {
  afterEach(() => {
    expect(pageProblems).toEqual([]);
    pageProblems.length = 0;
  });

  it('is served with a policy allowing scripts from the gateway only, its files cacheable', async () => {
    const response = await fetch(`${origin}/dashboard`, { headers: { 'accept-encoding': 'br' } });
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'self'(;|$)/);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await response.text();
    const chart = /<script src="(\/dashboard\/[0-9a-f]{12}\/chart\.js)"/.exec(html)?.[1];
    expect(chart).toBeDefined();
    const asset = await fetch(`${origin}${chart}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(await asset.text()).toMatch(/Chart/);
  });

  it('asks for a token when it has none, or when the API refuses it', async () => {
    const anonymous = await open(undefined, 'needs-token');
    expect(anonymous.requests).toHaveLength(0);
    await expect(anonymous.page.locator('#status').textContent()).resolves.toMatch(/token/);
    await anonymous.page.close();

    const refused = await open('not-a-token', 'needs-token');
    expect(refused.requests).toHaveLength(1);
    await expect(refused.page.locator('#status').textContent()).resolves.toMatch(/refused/);
    expect(await tableText(refused.page, '#provinces tbody tr')).toEqual([]);
    await refused.page.close();
  });

  it('in development, takes a token from its development box', async () => {
    const { page } = await open(undefined, 'needs-token');
    const box = page.locator('#dev-token');
    // The graph of the tests verifies tokens with its development key pair: the box is offered.
    await expect(box.isVisible()).resolves.toBe(true);
    await box.locator('select[name=role]').selectOption('analyst');
    const answered = page.waitForResponse((response) => isGraphql(response.request()));
    await box.getByRole('button', { name: 'Get token' }).click();
    await answered;
    await expectSettled(page, 'ready');
    await expect(page.locator('#viewer').textContent()).resolves.toBe('signed in as analyst');
    expect(await tableText(page, '#provinces tbody tr')).toHaveLength(38);
    await page.close();
  });

  it('shows an analyst the API’s figures, withheld ones as markers, in one request', async () => {
    const token = await tokenFor('analyst');
    const opened = await openAndAsk(token);
    const { page, sent, direct } = opened;
    await screenshot(page, 'dashboard-analyst.png');
    expect(opened.loadMs).toBeLessThan(LOAD_BUDGET_MS);
    expect(opened.requests).toHaveLength(1);
    expect(sent.query).toBe(OPERATION);
    expect(sent.variables).toEqual({ year: null, ...trendRange(sent.variables) });
    expect(opened.status).toBe(200);
    expect(direct.data?.regionalOffices).toHaveLength(38);
    await expectPageMatches(page, direct);

    const inYear = await chooseYear(opened, token, SMALL_GROUP_YEAR);
    await screenshot(page, `dashboard-analyst-${SMALL_GROUP_YEAR}.png`);
    const k = inYear.disclosureControl.minimumGroupSize;
    for (const code of SMALL_GROUP_PROVINCES) {
      expect(await rowOf(page, inYear, code)).toEqual(expect.arrayContaining([`< ${k}`]));
    }
    await page.close();
  });

  it('shows an admin every figure', async () => {
    const token = await tokenFor('admin');
    const opened = await openAndAsk(token);
    await screenshot(opened.page, 'dashboard-admin.png');
    expect(opened.loadMs).toBeLessThan(LOAD_BUDGET_MS);
    expect(opened.requests).toHaveLength(1);
    await expectPageMatches(opened.page, opened.direct);
    expect(markersIn(Object.values(await shownTables(opened.page)).flat())).toBe(0);

    const inYear = await chooseYear(opened, token, SMALL_GROUP_YEAR);
    expect(markersIn(Object.values(await shownTables(opened.page)).flat())).toBe(0);
    for (const code of SMALL_GROUP_PROVINCES) {
      // Province, runs, participants, completed: the small group itself.
      expect((await rowOf(opened.page, inYear, code)).slice(1, 4)).toEqual(['1', '3', '2']);
    }
    await opened.page.close();
  });

  it('shows a regional operator its own province unprotected, the others as an analyst', async () => {
    const [other, own] = SMALL_GROUP_PROVINCES as [string, string];
    const token = await tokenFor('regional-operator', own);
    const opened = await openAndAsk(token);
    await screenshot(opened.page, 'dashboard-regional-operator.png');
    expect(opened.loadMs).toBeLessThan(LOAD_BUDGET_MS);
    expect(opened.requests).toHaveLength(1);
    await expectPageMatches(opened.page, opened.direct);

    const inYear = await chooseYear(opened, token, SMALL_GROUP_YEAR);
    await screenshot(opened.page, `dashboard-regional-operator-${SMALL_GROUP_YEAR}.png`);
    const k = inYear.disclosureControl.minimumGroupSize;
    const mine = inYear.regionalOffices.find((office) => office.provinceCode === own)!;
    expect(mine.trainingStats?.withheld).toEqual([]);
    expect(mine.librarianStats?.withheld).toEqual([]);
    const ownRow = await rowOf(opened.page, inYear, own);
    expect(markersIn([ownRow])).toBe(0);
    expect(ownRow.slice(1, 4)).toEqual(['1', '3', '2']);
    const index = inYear.regionalOffices.indexOf(mine);
    await expect(
      opened.page.locator('#provinces tbody tr').nth(index).getAttribute('class'),
    ).resolves.toBe('own');
    // The other province's small group, protected as for an analyst.
    expect(await rowOf(opened.page, inYear, other)).toEqual(expect.arrayContaining([`< ${k}`]));
    await opened.page.close();
  });
});
