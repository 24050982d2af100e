import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { today } from '@coop/common';
import express, { type Router } from 'express';
import { devTokensAllowed } from './explorer';

/** Hashed asset URLs never change content: a browser keeps them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The first year of the trend: the MoU of 2019 that the cooperation carries out. */
export const TREND_FROM_YEAR = 2019;
/** `nationalTrainingByYear` answers at most this many years. */
const MAX_TREND_YEARS = 25;

/**
 * Scripts and styles from this origin only, nothing inline; the page talks to `/graphql` and
 * to nobody else, and no other site may frame it.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HERE = path.join(__dirname, 'dashboard');
const read = (file: string) => fs.readFileSync(path.join(HERE, file), 'utf8');

/** The operation the page sends, one of the contract's, also what README's dashboard builders are pointed to. */
export const DASHBOARD_OPERATION = fs
  .readFileSync(path.join(__dirname, '../contract/operations/DashboardPage.graphql'), 'utf8')
  .trim();
// The page carries it as the text of a non-JavaScript <script> (which the CSP leaves alone, and
// where entities are not decoded): nothing in it may end the element.
if (/<\/script|<!--/i.test(DASHBOARD_OPERATION)) {
  throw new Error(
    'contract/operations/DashboardPage.graphql must not contain "</script" or "<!--"',
  );
}

interface Asset {
  file: string;
  type: string;
  body: string;
}

/** Chart.js's browser build from the installed package: no CDN. */
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const ASSETS: readonly Asset[] = [
  { file: 'page.js', type: 'application/javascript', body: read('page.js') },
  { file: 'page.css', type: 'text/css', body: read('page.css') },
  { file: 'chart.js', type: 'application/javascript', body: fs.readFileSync(CHART_JS, 'utf8') },
];

const VERSION = createHash('sha256')
  .update(ASSETS.map((asset) => asset.body).join('\0'))
  .digest('hex')
  .slice(0, 12);
export const DASHBOARD_ASSET_BASE = `/dashboard/${VERSION}`;

/** The trend's years: from 2019 to next year (runs are planned ahead), 25 at most. */
export function trendYears(now = today()): { fromYear: number; toYear: number } {
  const toYear = Number(now.slice(0, 4)) + 1;
  return { fromYear: Math.max(TREND_FROM_YEAR, toYear - MAX_TREND_YEARS + 1), toYear };
}

function render(template: string, devTokens: boolean, now: string): string {
  const { fromYear, toYear } = trendYears(now);
  const years = Array.from({ length: toYear - fromYear + 1 }, (_, i) => toYear - i);
  const values: Record<string, string> = {
    assets: DASHBOARD_ASSET_BASE,
    fromYear: String(fromYear),
    toYear: String(toYear),
    devTokens: String(devTokens),
    yearOptions: years.map((year) => `<option value="${year}">${year}</option>`).join(''),
    operation: DASHBOARD_OPERATION,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`dashboard/page.html: no value for {{${name}}}`);
    return value;
  });
}

/**
 * The reference dashboard at `/dashboard`: a small page and its script, with Chart.js from the
 * installed package, under a content-hashed path. It reads the public API with the viewer's
 * token, like any dashboard would. The gateway's compression middleware compresses the assets
 * (about 230 KB in all, unlike GraphiQL's 5 MB, so per request is cheap enough).
 */
export function dashboardRouter(devTokens = devTokensAllowed()): Router {
  const router = express.Router();
  const template = read('page.html');
  let rendered = { day: '', html: '' };
  router.get('/dashboard', (_req, res) => {
    const now = today();
    // The year range follows the calendar: rendered again when the day changes.
    if (rendered.day !== now) rendered = { day: now, html: render(template, devTokens, now) };
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('content-security-policy', DASHBOARD_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.type('html').send(rendered.html);
  });
  for (const asset of ASSETS) {
    router.get(`${DASHBOARD_ASSET_BASE}/${asset.file}`, (_req, res) => {
      res.setHeader('cache-control', IMMUTABLE);
      res.setHeader('x-content-type-options', 'nosniff');
      res.type(asset.type).send(asset.body);
    });
  }
  return router;
}
