/* global document, sessionStorage, fetch, performance, atob, Blob, URL, setTimeout, Chart */

/**
 * The reference dashboard: one request to the public API per year chosen, with the viewer's
 * token, rendered into plain tables and a Chart.js trend. A figure the API withholds is never
 * printed as a number: `< k` for a small group, `×` for complementary suppression.
 */

const TOKEN_KEY = 'coop-dashboard-token';
const main = document.getElementById('dashboard');
const OPERATION = document.getElementById('operation').textContent.trim();
const TREND = { fromYear: Number(main.dataset.fromYear), toYear: Number(main.dataset.toYear) };

const status = document.getElementById('status');
const yearSelect = document.getElementById('year');
const downloadButton = document.getElementById('download-csv');
const provinces = document.getElementById('provinces');

const COUNT = new Intl.NumberFormat('en-US');
const RATE = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const count = (value) => COUNT.format(value);
const rate = (value) => RATE.format(value);

// A rate or hours that is null because its base is withheld carries the base's reason.
const TRAINING = [
  { field: 'runs', format: count },
  { field: 'participants', format: count },
  { field: 'completed', format: count },
  { field: 'completionRate', format: rate, base: 'completed' },
  { field: 'lessonHoursDelivered', format: count, base: 'completed' },
];
const LIBRARIANS = [
  { field: 'librarians', format: count },
  { field: 'certified', format: count },
  { field: 'certificationRate', format: rate, base: 'certified' },
];
const LEVEL = [
  { field: 'librarians', format: count },
  { field: 'certified', format: count },
];

function marker(reason, k) {
  if (reason === 'SMALL_GROUP') {
    return { text: `< ${k}`, className: 'withheld', title: `fewer than ${k} persons` };
  }
  return {
    text: '×',
    className: 'withheld complementary',
    title: 'withheld so that a small group cannot be worked out',
  };
}

/** One cell of a figure: its marker when withheld (whatever the value), else the number. */
function figure(stats, column, k) {
  if (!stats) return { text: 'n/a' };
  const reasons = new Map((stats.withheld ?? []).map((item) => [item.field, item.reason]));
  const value = stats[column.field];
  const reason =
    reasons.get(column.field) ?? (value == null && column.base ? reasons.get(column.base) : null);
  if (reason) return marker(reason, k);
  if (value == null) return { text: 'n/a' };
  return { text: column.format(value) };
}

const text = (value) => ({ text: value, className: 'text' });

function inUse(rollouts) {
  const names = rollouts.filter((r) => r.status === 'IN_USE').map((r) => r.initiative.name);
  return names.join(', ') || 'none';
}

function nationalInUse(totals) {
  const parts = totals
    .filter((total) => total.provincesInUse > 0)
    .map((total) => {
      const provincesWord = total.provincesInUse === 1 ? 'province' : 'provinces';
      return `${total.initiative.name}: ${count(total.provincesInUse)} ${provincesWord}`;
    });
  return parts.join('; ') || 'none';
}

const levelName = (level) =>
  level
    .split('_')
    .map((word) => word[0] + word.slice(1).toLowerCase())
    .join(' ');

/** Who the token says the viewer is, for display only: the API decides what it may read. */
function viewerOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload));
    const roles = claims.roles ?? (claims.role ? [claims.role] : claims.realm_access?.roles);
    return { roles: Array.isArray(roles) ? roles : [], provinceCode: claims.provinceCode };
  } catch {
    return { roles: [] };
  }
}

function fill(section, rows) {
  section.replaceChildren(
    ...rows.map(({ cells, className }) => {
      const tr = document.createElement('tr');
      if (className) tr.className = className;
      for (const cell of cells) {
        const td = document.createElement('td');
        td.textContent = cell.text;
        if (cell.className) td.className = cell.className;
        if (cell.title) td.title = cell.title;
        tr.append(td);
      }
      return tr;
    }),
  );
}

let chart = null;

function drawTrend(years, k) {
  if (typeof Chart === 'undefined') return;
  const data = {
    labels: years.map((item) => String(item.year)),
    datasets: [
      {
        label: 'Participants',
        data: years.map((item) => item.stats.participants),
        backgroundColor: '#9fc5e8',
      },
      {
        label: 'Completed',
        // A withheld figure is a gap in the chart, never a bar.
        data: years.map((item) => item.stats.completed),
        backgroundColor: '#0b5394',
      },
    ],
  };
  if (chart) {
    chart.data = data;
    chart.update('none');
    return;
  }
  chart = new Chart(document.getElementById('trend-chart'), {
    type: 'bar',
    data,
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true } },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label}: ${item.raw == null ? `withheld (< ${k} or ×)` : count(item.raw)}`,
          },
        },
      },
    },
  });
}

function render(data, year, viewer) {
  const k = data.disclosureControl?.minimumGroupSize ?? 'k';
  for (const node of document.querySelectorAll('.k')) node.textContent = String(k);
  const own = viewer.roles.includes('regional-operator') ? viewer.provinceCode : undefined;
  fill(
    provinces.tBodies[0],
    (data.regionalOffices ?? []).map((office) => ({
      className: office.provinceCode === own ? 'own' : '',
      cells: [
        { text: office.provinceName },
        ...TRAINING.map((column) => figure(office.trainingStats, column, k)),
        ...LIBRARIANS.map((column) => figure(office.librarianStats, column, k)),
        text(inUse(office.itAdoption ?? [])),
      ],
    })),
  );
  fill(provinces.tFoot, [
    {
      cells: [
        { text: 'National' },
        ...TRAINING.map((column) => figure(data.nationalTrainingStats, column, k)),
        ...LIBRARIANS.map((column) => figure(data.nationalLibrarianStats, column, k)),
        text(nationalInUse(data.nationalItAdoption ?? [])),
      ],
    },
  ]);
  fill(
    document.querySelector('#levels tbody'),
    (data.nationalLibrarianStats?.byLevel ?? []).map((level) => ({
      cells: [{ text: levelName(level.level) }, ...LEVEL.map((column) => figure(level, column, k))],
    })),
  );
  fill(
    document.querySelector('#it tbody'),
    (data.nationalItAdoption ?? []).map((total) => ({
      cells: [
        { text: total.initiative.name },
        ...[
          'provincesInUse',
          'provincesPiloting',
          'provincesPlanned',
          'provincesWithForum',
          'librariesUsing',
          'librariesTotal',
        ].map((field) => ({ text: count(total[field]) })),
      ],
    })),
  );
  const years = data.nationalTrainingByYear ?? [];
  fill(
    document.querySelector('#trend tbody'),
    years.map((item) => ({
      cells: [
        { text: String(item.year) },
        ...TRAINING.map((column) => figure(item.stats, column, k)),
      ],
    })),
  );
  drawTrend(years, k);
  document.getElementById('year-label').textContent = year === null ? '(all years)' : `(${year})`;
  downloadButton.disabled = false;
}

function setState(state, message) {
  main.dataset.state = state;
  status.textContent = message;
}

function clearFigures() {
  for (const body of document.querySelectorAll('tbody, tfoot')) body.replaceChildren();
  downloadButton.disabled = true;
}

function askForToken(message) {
  clearFigures();
  setState('needs-token', message);
  document.querySelector('#token-form input[name=token]').focus();
}

function showViewer(token) {
  const viewer = token ? viewerOf(token) : { roles: [] };
  const label = viewer.roles.join(', ');
  document.getElementById('viewer').textContent = token
    ? `signed in${label ? ` as ${label}` : ''}${viewer.provinceCode ? ` (province ${viewer.provinceCode})` : ''}`
    : '';
  return viewer;
}

let latest = 0;

async function load() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const viewer = showViewer(token);
  if (!token) {
    askForToken('The figures need a token (analyst, admin or regional operator): paste one.');
    return;
  }
  const ticket = ++latest;
  const year = yearSelect.value === '' ? null : Number(yearSelect.value);
  setState('loading', 'Loading…');
  const started = performance.now();
  let response;
  let body;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: OPERATION, variables: { year, ...TREND } }),
    });
    body = await response.json();
  } catch (error) {
    if (ticket === latest) setState('error', `The API did not answer: ${error.message}`);
    return;
  }
  // An answer to an earlier choice that arrived late is not shown.
  if (ticket !== latest) return;
  const errors = body.errors ?? [];
  const messages = [...new Set(errors.map((error) => error.message))].join('; ');
  const unauthenticated = errors.some((error) => error.extensions?.code === 'UNAUTHENTICATED');
  if (response.status === 401 || unauthenticated) {
    askForToken(`The API refused the token (${messages || response.status}): paste another one.`);
    return;
  }
  if (!body.data) {
    clearFigures();
    setState('error', messages || `The API answered ${response.status}.`);
    return;
  }
  render(body.data, year, viewer);
  const took = Math.round(performance.now() - started);
  setState(
    'ready',
    errors.length ? `Some figures are missing: ${messages}` : `Loaded in ${took} ms.`,
  );
}

function csvField(value) {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The provinces table as shown: the same cells, markers as text (UTF-8, with a BOM for Excel). */
function downloadCsv() {
  const lines = [...provinces.rows].map((row) =>
    [...row.cells].map((cell) => csvField(cell.textContent)).join(','),
  );
  const blob = new Blob([`\uFEFF${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `provinces-${yearSelect.value || 'all-years'}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function useToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  load();
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = event.target.token;
  const token = input.value.trim().replace(/^Bearer\s+/i, '');
  input.value = '';
  useToken(token);
});
document.getElementById('forget-token').addEventListener('click', () => useToken(''));
yearSelect.addEventListener('change', load);
downloadButton.addEventListener('click', downloadCsv);

// Development only: the explorer's endpoint hands a token to a browser on the same machine.
const devForm = document.getElementById('dev-token');
if (main.dataset.devTokens === 'true') {
  devForm.hidden = false;
  devForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await fetch('/explorer/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: devForm.role.value, provinceCode: devForm.province.value }),
    });
    const body = await answer.json();
    if (answer.ok) useToken(body.token);
    else setState('error', body.error);
  });
}

load();
