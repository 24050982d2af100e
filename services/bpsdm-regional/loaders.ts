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
import { NO_TRAINING, trainingCountsPerOffice } from './queries/training-stats';
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
  return {
    office: byKeyLoader(
      (ids) => db.getRepository(RegionalOffice).findBy({ id: In([...ids]) }),
      (row) => row.id,
      isUuid,
    ),
    officeByProvinceCode: byKeyLoader(
      (codes) => db.getRepository(RegionalOffice).findBy({ provinceCode: In([...codes]) }),
      (row) => row.provinceCode,
      (code: string) => PROVINCE_CODE.test(code),
    ),
    run: byKeyLoader(
      (ids) => db.getRepository(ProgramRun).findBy({ id: In([...ids]) }),
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
      const valid = ids.filter(isUuid);
      const counts = valid.length ? await enrolmentCountsPerRun(db, valid) : new Map();
      return ids.map((runId) => counts.get(runId) ?? { runId, all: 0, active: 0 });
    }),
    trainingStats: perParentLoader(
      (ids, { year }: { year: number | null }) => trainingCountsPerOffice(db, ids, year),
      () => NO_TRAINING,
    ),
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
