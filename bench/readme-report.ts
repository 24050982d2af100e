import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import prettier from 'prettier';

const README = path.join(__dirname, 'README.md');
const START = '<!-- bench-results:start (written by npm run bench) -->';
const END = '<!-- bench-results:end -->';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  node: string;
  postgres: string;
  loadAverageAtStart: string;
}

export function describeMachine(postgresVersion: string): Machine {
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    postgres: postgresVersion,
    loadAverageAtStart: os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' / '),
  };
}

/**
 * Replaces the results section of bench/README.md (or another section between its own markers),
 * formatted as `npm run lint` expects.
 */
export async function writeResultsSection(
  section: string,
  markers: { start: string; end: string } = { start: START, end: END },
): Promise<void> {
  const { start: START_MARKER, end: END_MARKER } = markers;
  const readme = fs.readFileSync(README, 'utf8');
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`bench/README.md lacks the ${START_MARKER} marker pair`);
  }
  const updated = `${readme.slice(0, start + START_MARKER.length)}\n\n${section}\n\n${readme.slice(end)}`;
  const options = (await prettier.resolveConfig(README)) ?? {};
  fs.writeFileSync(README, await prettier.format(updated, { ...options, filepath: README }));
}

/** Prints a results section and, unless BENCH_README=0, writes it between its markers. */
export async function publishSection(
  section: string,
  markers?: { start: string; end: string },
): Promise<void> {
  console.log(`\n${section}\n`);
  if (process.env.BENCH_README === '0') return;
  await writeResultsSection(section, markers);
  console.log('written to bench/README.md');
}
