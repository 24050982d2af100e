import { auditTrailLoader, byKeyLoader, groupLoader, isUuid, type Page } from '@coop/common';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { perParentLoader } from './batching';
import { ProgramRun, RegionalOffice, type Enrolment, type RunStatus } from './entities';
import {
  enrolmentCountsPerRun,
  enrolmentPagesPerRun,
  enrolmentsOfLibrarians,
  lessonHoursCompleted,
  type EnrolmentCounts,
} from './queries/enrolments';
import { runCountsPerParent, runPagesPerParent } from './queries/runs';
import { trainingTable, type TrainingTable } from './queries/training-stats';
import { bookingsOfRuns } from './queries/writes';

/** Filter of `RegionalOffice.runs`, as a loader key. */
export interface OfficeRunFilter {
  status: RunStatus | null;
  programId: string | null;
}

/** Filter of `TrainingProgram.runs`, as a loader key. */
export interface ProgramRunFilter {
  provinceCode: string | null;
}

const PROVINCE_CODE = /^[0-9]{2}$/;

/** Fresh loaders for every request: batching per request, no cache shared between users. */
export function createLoaders(db: DataSource) {
  // What this request has read already, for resolvers of long lists to answer without a
  // promise per item (see resolvers/run-list.ts).
  const officesById = new Map<string, RegionalOffice>();
  const knownRuns = new Map<string, ProgramRun>();
  const enrolmentCountsByRun = new Map<string, EnrolmentCounts>();
  const countEnrolments = async (runIds: readonly string[]) => {
    const missing = [...new Set(runIds)].filter(
      (id) => isUuid(id) && !enrolmentCountsByRun.has(id),
    );
    if (!missing.length) return;
    const counts = await enrolmentCountsPerRun(db, missing);
    for (const runId of missing) {
      enrolmentCountsByRun.set(runId, counts.get(runId) ?? { runId, all: 0, active: 0 });
    }
  };
  return {
    officesById,
    knownRuns,
    enrolmentCountsByRun,
    office: byKeyLoader(
      async (ids) => {
        const rows = await db.getRepository(RegionalOffice).findBy({ id: In([...ids]) });
        for (const row of rows) officesById.set(row.id, row);
        return rows;
      },
      (row) => row.id,
      isUuid,
    ),
    officeByProvinceCode: byKeyLoader(
      (codes) => db.getRepository(RegionalOffice).findBy({ provinceCode: In([...codes]) }),
      (row) => row.provinceCode,
      (code: string) => PROVINCE_CODE.test(code),
    ),
    run: byKeyLoader(
      async (ids: readonly string[]) => {
        const missing = ids.filter((id) => !knownRuns.has(id));
        const rows = missing.length
          ? await db.getRepository(ProgramRun).findBy({ id: In(missing) })
          : [];
        return [...ids.flatMap((id) => knownRuns.get(id) ?? []), ...rows];
      },
      (row) => row.id,
      isUuid,
    ),
    /** A page of each office's runs; the page is `limit + 1` rows (see `toConnection`). */
    officeRuns: perParentLoader(
      (ids, { page, ...filter }: OfficeRunFilter & { page: Page }) =>
        runPagesPerParent(db, 'office', ids, filter, page),
      (): ProgramRun[] => [],
    ),
    officeRunCount: perParentLoader(
      (ids, filter: OfficeRunFilter) => runCountsPerParent(db, 'office', ids, filter),
      () => 0,
    ),
    programRuns: perParentLoader(
      (ids, { page, ...filter }: ProgramRunFilter & { page: Page }) =>
        runPagesPerParent(db, 'program', ids, filter, page),
      (): ProgramRun[] => [],
    ),
    programRunCount: perParentLoader(
      (ids, filter: ProgramRunFilter) => runCountsPerParent(db, 'program', ids, filter),
      () => 0,
    ),
    runEnrolments: perParentLoader(
      (ids, { page }: { page: Page }) => enrolmentPagesPerRun(db, ids, page),
      (): Enrolment[] => [],
    ),
    /** All and non-withdrawn enrolments of each run: one statement serves both counts. */
    enrolmentCounts: new DataLoader<string, EnrolmentCounts>(async (ids) => {
      await countEnrolments(ids);
      return ids.map((runId) => enrolmentCountsByRun.get(runId) ?? { runId, all: 0, active: 0 });
    }),
    /** The counts of whole pages of runs: one key (and one promise) per page, not per run. */
    enrolmentCountsOfPages: new DataLoader<readonly string[], true>(
      async (pages) => {
        await countEnrolments(pages.flat());
        return pages.map(() => true as const);
      },
      { cache: false },
    ),
    // One read per request, whichever offices, years and national figures it asks for.
    trainingTable: new DataLoader<'all', TrainingTable>(async (keys) => {
      const table = await trainingTable(db);
      return keys.map(() => table);
    }),
    librarianEnrolments: groupLoader(
      async (ids) => {
        const valid = ids.filter(isUuid);
        return valid.length ? enrolmentsOfLibrarians(db, valid) : [];
      },
      (row) => row.librarianId,
    ),
    lessonHoursCompleted: perParentLoader(
      (ids, { year }: { year: number | null }) => lessonHoursCompleted(db, ids, year),
      () => 0,
    ),
    /** Facility bookings of each run, earliest first. */
    runBookings: groupLoader(
      async (ids) => {
        const valid = ids.filter(isUuid);
        return valid.length ? bookingsOfRuns(db, valid) : [];
      },
      (row) => row.runId,
    ),
    /** Audit trails, keyed `Entity/id`, newest first. */
    auditTrail: auditTrailLoader(db, 'bpsdm_regional'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
