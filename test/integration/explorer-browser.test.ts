import fs from 'node:fs';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { ARTIFACT_DIR, launchChromium } from '../support/browser';
import { testStack } from '../support/stack';

/**
 * The explorer as a partner developer meets it, in Debian's Chromium: the schema loads (Docs
 * pane), the first tab answers without a token, and an example answers with a token from the
 * page's development box put in the Headers tab.
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

/** Presses play and returns the GraphQL answer the page received. */
async function run(): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const answered = page.waitForResponse(
    (response: Response) =>
      response.url().endsWith('/graphql') &&
      !/IntrospectionQuery/.test(response.request().postData() ?? ''),
  );
  await page.getByRole('button', { name: /Execute query/ }).click();
  return (await (await answered).json()) as { data?: Record<string, unknown>; errors?: unknown[] };
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
  });

  it('runs the first tab without a token and without errors', async () => {
    const answer = await run();
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.agreements).toBeTruthy();
    await page.locator('.graphiql-response').getByText('"totalCount"').first().waitFor();
  });

  it('answers the Dashboard with a development token put in the Headers tab', async () => {
    const box = page.locator('#dev-token');
    await box.locator('select[name=role]').selectOption('analyst');
    await box.getByRole('button', { name: 'Get token' }).click();
    const headers = box.locator('textarea[name=headers]');
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    await page.waitForFunction("document.querySelector('#dev-token textarea').value !== ''");
    const headerJson = await headers.inputValue();
    expect(headerJson).toMatch(/^\{"authorization":"Bearer [\w-]+\.[\w-]+\.[\w-]+"\}$/);

    // GraphiQL's tabs are draggable (reorderable): a synthetic pointer click starts a drag
    // in headless Chromium, so the tab's own click handler is called directly.
    await page.locator('button[title="Dashboard"]').dispatchEvent('click');
    await page.locator('[role=tab][aria-selected=true]', { hasText: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    // The headers editor: its text replaced by what the box copied, as a user pastes it.
    const editor = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('ControlOrMeta+V');

    const answer = await run();
    expect(answer.errors).toBeUndefined();
    const offices = answer.data?.regionalOffices as { librarianStats: unknown }[];
    expect(offices.length).toBeGreaterThan(30);
    expect(offices[0]?.librarianStats).toBeTruthy();
  });
});
