import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { explorerExamples, type ExplorerExample } from '../../gateway/explorer-examples';
import { ARTIFACT_DIR, launchChromium } from '../support/browser';
import { testStack } from '../support/stack';

/**
 * The explorer as a partner developer meets it, in Debian's Chromium: the schema loads (Docs
 * pane), the first tab answers without a token, and every tab answers without errors with the
 * token its hint names, taken from the page's development box and put in the Headers tab.
 */
const origin = new URL(testStack().gatewayUrl).origin;
let page: Page;
let close: () => Promise<void>;

beforeAll(async () => {
  const browser = await launchChromium();
  close = browser.close;
  // The development box copies the headers to the clipboard; the test pastes them.
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${origin}/`);
  await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
}, 60_000);

afterAll(async () => {
  fs.mkdirSync(ARTIFACT_DIR, { recursive: true });
  await page?.screenshot({ path: path.join(ARTIFACT_DIR, 'explorer.png') }).catch(() => undefined);
  await close?.();
});

/**
 * Presses play and returns the GraphQL answer the page received. Just after a tab switch
 * GraphiQL may not have its editor ready and ignore the press (no request): pressed again then.
 */
async function run(): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const sent = page
      .waitForRequest(
        (request) =>
          request.url().endsWith('/graphql') &&
          !/IntrospectionQuery/.test(request.postData() ?? ''),
        { timeout: 2_000 },
      )
      .catch(() => undefined);
    // Called directly, as the tabs are: a pointer click waits for the button to be "stable",
    // which a busy machine's re-rendering editor can delay.
    await page.getByRole('button', { name: /Execute query/ }).dispatchEvent('click');
    const request = await sent;
    if (!request) continue;
    const response =
      (await request.response()) ?? (await page.waitForResponse((r) => r.request() === request));
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  }
  throw new Error('the explorer sent no request when play was pressed');
}

describe('the explorer in a browser', () => {
  it('loads the schema: the Docs pane lists its types', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).first().waitFor({ timeout: 30_000 });
    await docs.getByText('All Schema Types').waitFor();
    for (const type of ['Agreement', 'ProgramRun', 'RegionalOffice']) {
      await docs.getByText(type, { exact: true }).first().waitFor();
    }
    await expect(docs.textContent()).resolves.not.toMatch(/Error fetching schema/);
    // Mutation's description, as composed: true of operators' writes, no "Admins only."
    await docs.getByText('Mutation', { exact: true }).first().click();
    await docs
      .getByText(/changes the training of its own province/)
      .first()
      .waitFor();
    await expect(docs.textContent()).resolves.not.toMatch(/Admins only/);
  });

  it('runs the first tab without a token and without errors', async () => {
    const answer = await run();
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.agreements).toBeTruthy();
    await page.locator('.graphiql-response').getByText('"totalCount"').first().waitFor();
  });

  /** The headers for `example`'s token from the development box, as a user copies them. */
  async function tokenFromBox(example: ExplorerExample): Promise<string> {
    const box = page.locator('#dev-token');
    const headers = box.locator('textarea[name=headers]');
    const before = await headers.inputValue();
    await box.locator('select[name=role]').selectOption(example.caller.role!);
    if (example.caller.provinceCode) {
      await box.locator('input[name=province]').fill(example.caller.provinceCode);
    }
    await box.getByRole('button', { name: 'Get token' }).click();
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    await page.waitForFunction(
      `(() => { const v = document.querySelector('#dev-token textarea').value; return v !== '' && v !== ${JSON.stringify(before)}; })()`,
    );
    const json = await headers.inputValue();
    expect(json).toMatch(/^\{"authorization":"Bearer [\w-]+\.[\w-]+\.[\w-]+"\}$/);
    return json;
  }

  it.each(explorerExamples().map((example) => [example.name, example] as const))(
    'runs the %s tab with the token its hint names, without errors',
    async (name, example) => {
      // GraphiQL's tabs are draggable (reorderable): a synthetic pointer click starts a drag
      // in headless Chromium, so the tab's own click handler is called directly.
      await page.locator(`button[title="${name}"]`).dispatchEvent('click');
      await page.locator('[role=tab][aria-selected=true]', { hasText: name }).waitFor();
      // The hint's first lines are on screen (Monaco renders only those, spaces as U+00A0).
      const shown = (await page.locator('.graphiql-query-editor').textContent())?.replace(
        /\s/g,
        ' ',
      );
      expect(shown).toContain(
        example.caller.role ? `--role ${example.caller.role}` : 'Needs no token',
      );
      if (example.caller.role) {
        const json = await tokenFromBox(example);
        await page.getByRole('button', { name: 'Headers', exact: true }).click();
        // The headers editor: its text replaced by the box's, as a user copies and pastes it
        // (copied again here: the box writes the clipboard after it shows the text).
        await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(json)})`);
        const headers = page.locator('.graphiql-editor-tool .monaco-editor').last();
        await headers.click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('ControlOrMeta+V');
        for (let tries = 0; tries < 50; tries += 1) {
          const text = (await headers.textContent())?.replace(/\s/g, ' ') ?? '';
          if (text.includes(json.slice(0, 40))) break;
          await page.waitForTimeout(100);
        }
        expect((await headers.textContent())?.replace(/\s/g, ' ')).toContain(json.slice(0, 40));
      }
      const answer = await run();
      expect({ tab: name, errors: answer.errors }).toEqual({ tab: name, errors: undefined });
      expect(answer.data).toBeTruthy();
    },
  );
});
