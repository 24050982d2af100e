import { selectedFieldNames } from '@coop/common';
import type { GraphQLResolveInfo } from 'graphql';
import type { ProgramRun } from '../entities';
import type { Context } from './context';

/**
 * Readies a page of runs for the fields the client asked of them: the offices and enrolment
 * counts of the whole page are read here, in one batched statement each, so that every run's
 * `office` and `enrolmentCount` then answer at once. An agreement's programs list thousands of
 * runs: a promise per run and field cost more in garbage collection than the SQL did.
 */
export async function prepareRuns(
  rows: ProgramRun[],
  info: GraphQLResolveInfo,
  { loaders }: Context,
): Promise<void> {
  for (const row of rows) loaders.knownRuns.set(row.id, row);
  const wanted = selectedFieldNames(info);
  await Promise.all([
    wanted.has('office')
      ? loaders.office.loadMany([...new Set(rows.map((row) => row.officeId))])
      : undefined,
    wanted.has('enrolmentCount')
      ? loaders.enrolmentCountsOfPages.load(rows.map((row) => row.id))
      : undefined,
  ]);
}
