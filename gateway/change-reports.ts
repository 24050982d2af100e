import { CHANGED_VERSIONS_HEADER, parseVersions, READ_VERSIONS_HEADER } from '@coop/common';
import type { Change } from './response-store';

/** `subgraph/scope` → version: what an answer read, or what a write left, by partition. */
export type Versions = Map<string, number>;

/**
 * What the subgraphs reported of one request's fetches (change-versions.ts in
 * packages/common): the partitions its reads read and the versions its writes left.
 */
export interface ChangeReports {
  /** Fetches sent, and those answered with a report of what they read or wrote. */
  reads: { sent: number; reported: number };
  /** The lowest version each partition was read at, over every fetch. */
  readVersions: Versions;
  /** Per subgraph, mutation fetches sent and those answered with the versions they left. */
  writes: Map<string, { sent: number; reported: number }>;
  /** The highest version each partition was left at by a write. */
  changedVersions: Versions;
}

export function newChangeReports(): ChangeReports {
  return {
    reads: { sent: 0, reported: 0 },
    readVersions: new Map(),
    writes: new Map(),
    changedVersions: new Map(),
  };
}

/** The gateway writes its subgraph operations as `mutation …`, `query …` or `{ … }`. */
const isMutation = (operation: string | undefined) => /^\s*mutation\b/.test(operation ?? '');

export function noteFetch(reports: ChangeReports, subgraph: string, operation?: string): void {
  if (!isMutation(operation)) {
    reports.reads.sent += 1;
    return;
  }
  const writes = reports.writes.get(subgraph) ?? { sent: 0, reported: 0 };
  writes.sent += 1;
  reports.writes.set(subgraph, writes);
}

/** The versions a subgraph's answer carries in `header`; null when it carries none we can read. */
function versionsIn(
  headers: { get(name: string): string | null } | undefined,
  header: string,
): Map<string, number> | null {
  const value = headers?.get(header);
  return value === null || value === undefined ? null : parseVersions(value);
}

/** Adds a subgraph's versions to `into`, keyed `subgraph/scope`, keeping `pick` of two. */
function merge(
  into: Versions,
  subgraph: string,
  versions: Map<string, number>,
  pick: (known: number, reported: number) => number,
): void {
  for (const [scope, version] of versions) {
    const key = `${subgraph}/${scope}`;
    const known = into.get(key);
    into.set(key, known === undefined ? version : pick(known, version));
  }
}

export function noteAnswer(
  reports: ChangeReports,
  subgraph: string,
  operation: string | undefined,
  headers: { get(name: string): string | null } | undefined,
): void {
  if (!isMutation(operation)) {
    const read = versionsIn(headers, READ_VERSIONS_HEADER);
    if (!read) return;
    reports.reads.reported += 1;
    merge(reports.readVersions, subgraph, read, Math.min);
    return;
  }
  const changed = versionsIn(headers, CHANGED_VERSIONS_HEADER);
  const writes = reports.writes.get(subgraph);
  if (!changed || !writes) return;
  writes.reported += 1;
  merge(reports.changedVersions, subgraph, changed, Math.max);
}

/**
 * What an answer read, when every fetch reported it; null otherwise, and the answer is not
 * stored (a fetch that failed, or a subgraph that reports nothing, could have read anything).
 */
export function readDependencies(reports: ChangeReports): Versions | null {
  return reports.reads.sent === reports.reads.reported ? reports.readVersions : null;
}

/**
 * What a write changed, for the store to record: the versions the subgraphs reported, and the
 * subgraphs it may have written whose every mutation fetch did not report (unknown, failed,
 * timed out): for those, every answer that read them is refreshed.
 */
export function changeOf(reports: ChangeReports, written: readonly string[]): Change {
  const unreported = written.filter((subgraph) => {
    const writes = reports.writes.get(subgraph);
    return !writes || writes.reported < writes.sent;
  });
  return { subgraphs: unreported, versions: reports.changedVersions };
}
