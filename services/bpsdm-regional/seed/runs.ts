import {
  allPrograms,
  FACILITY_IDS,
  lessonHoursOf,
  officeId,
  PROGRAM_CATALOGUE,
  programId,
  provinces,
  runId,
  seededRandom,
  type CatalogueProgram,
  type Province,
  type ScalePlan,
} from '@coop/common';
import type { RunStatus } from '../entities';
import { addDays, addWorkingDays, dayNumber, fromDayNumber, nextWorkingDay } from './calendar';

/**
 * The day the seeded statuses are computed against. Fixed, not today(): the same plan must give
 * the same rows on every start, or a second seed would add rows instead of changing nothing.
 */
export const SEED_TODAY = '2026-11-25';

/** A run opens for enrolment this many days before it starts. */
const OPEN_DAYS_BEFORE_START = 60;
/** One lesson hour (*JP*) is 45 minutes; a training day holds about 8 of them. */
const LESSON_HOURS_PER_DAY = 8;
const JAVA = new Set(['31', '32', '33', '34', '35', '36']);

export interface SeedRun {
  index: number;
  id: string;
  province: Province;
  program: CatalogueProgram;
  lessonHours: number;
  batch: number;
  startsOn: string;
  endsOn: string;
  quota: number;
  status: RunStatus;
  facilityId: string | null;
  /** How many librarians the seed enrols, when fixed rather than a share of the plan's. */
  enrolled?: number;
}

export const RUN_COLUMNS = [
  'id',
  'office_id',
  'program_id',
  'batch',
  'starts_on',
  'ends_on',
  'quota',
  'status',
  'facility_id',
];

export function runRow(run: SeedRun): unknown[] {
  return [
    run.id,
    officeId(run.province.code),
    programId(run.program.code),
    run.batch,
    run.startsOn,
    run.endsOn,
    run.quota,
    run.status,
    run.facilityId,
  ];
}

/** Java's populous provinces hold three times as many runs as the others. */
function pickProvince(random: () => number): Province {
  const all = provinces();
  const weights = all.map((province) => (JAVA.has(province.code) ? 3 : 1));
  let roll = random() * weights.reduce((sum, weight) => sum + weight, 0);
  for (const [index, province] of all.entries()) {
    roll -= weights[index]!;
    if (roll < 0) return province;
  }
  return all[all.length - 1]!;
}

/** The real catalogue gets 40% of the runs, the generated programs share the rest. */
function pickProgram(random: () => number, programs: CatalogueProgram[]): CatalogueProgram {
  const generated = programs.slice(PROGRAM_CATALOGUE.length);
  const pool = random() < 0.4 || !generated.length ? PROGRAM_CATALOGUE : generated;
  return pool[Math.floor(random() * pool.length)]!;
}

/** Mostly 2023–2026; one run in 25 is planned for the first half of 2027. */
function pickStart(random: () => number): string {
  const later = random() < 0.04;
  const [from, to] = later ? ['2027-02-01', '2027-06-30'] : ['2023-01-02', '2026-12-31'];
  const span = dayNumber(to) - dayNumber(from) + 1;
  return nextWorkingDay(fromDayNumber(dayNumber(from) + Math.floor(random() * span)));
}

/** The status the dates give on SEED_TODAY; a run that has ended may have been cancelled. */
export function statusOn(
  run: Pick<SeedRun, 'startsOn' | 'endsOn'>,
  today: string,
  cancelled: boolean,
): RunStatus {
  if (run.endsOn < today) return cancelled ? 'CANCELLED' : 'COMPLETED';
  if (run.startsOn <= today) return 'ONGOING';
  if (run.startsOn <= addDays(today, OPEN_DAYS_BEFORE_START)) return 'OPEN';
  return 'PLANNED';
}

const FACILITY_BY_SCOPE: Record<CatalogueProgram['scope'], string> = {
  COMPETENCY_DEVELOPMENT: FACILITY_IDS.salembaClassroom,
  FACILITIES: FACILITY_IDS.merdekaAuditorium,
  COMPETENCY_CERTIFICATION: FACILITY_IDS.merdekaTestSite,
  INFORMATION_TECHNOLOGY: FACILITY_IDS.salembaComputerLab,
};

/** Perpusnas facilities are in Jakarta: offices in and near it book them more often. */
function pickFacility(random: () => number, province: Province, program: CatalogueProgram) {
  const chance = province.code === '31' ? 0.5 : JAVA.has(province.code) ? 0.15 : 0.05;
  return random() < chance ? FACILITY_BY_SCOPE[program.scope] : null;
}

/** Numbers the runs of each program at each office 1, 2, 3… in the order they start. */
function numberBatches(runs: Omit<SeedRun, 'batch'>[]): SeedRun[] {
  const order = [...runs].sort((a, b) =>
    a.startsOn === b.startsOn ? a.index - b.index : a.startsOn < b.startsOn ? -1 : 1,
  );
  const batches = new Map<string, number>();
  const batchOf = new Map<number, number>();
  for (const run of order) {
    const key = `${run.province.code}:${run.program.code}`;
    const batch = (batches.get(key) ?? 0) + 1;
    batches.set(key, batch);
    batchOf.set(run.index, batch);
  }
  return runs.map((run) => ({ ...run, batch: batchOf.get(run.index)! }));
}

/**
 * The publishable layout's small training groups: in each of these years, one office outside
 * Java that holds no other run that year gets a short run that enrols this few librarians
 * (fewer than MIN_GROUP_SIZE).
 */
const SMALL_RUNS = [
  { year: 2024, enrolled: 3 },
  { year: 2025, enrolled: 4 },
  { year: 2023, enrolled: 2 },
];

const yearOf = (isoDate: string) => Number(isoDate.slice(0, 4));

function smallRuns(
  random: () => number,
  planned: Omit<SeedRun, 'batch'>[],
): Omit<SeedRun, 'batch'>[] {
  const program = PROGRAM_CATALOGUE.reduce((shortest, candidate) =>
    lessonHoursOf(candidate) < lessonHoursOf(shortest) ? candidate : shortest,
  );
  const lessonHours = lessonHoursOf(program);
  const days = Math.max(1, Math.round(lessonHours / LESSON_HOURS_PER_DAY));
  const taken = new Set(planned.map((run) => `${run.province.code}:${yearOf(run.startsOn)}`));
  const used = new Set<string>();
  // From the end of the list: the provinces of Papua, far from Jakarta.
  const candidates = [...provinces()].reverse().filter((province) => !JAVA.has(province.code));
  return SMALL_RUNS.map(({ year, enrolled }, position) => {
    const province = candidates.find(
      (candidate) => !used.has(candidate.code) && !taken.has(`${candidate.code}:${year}`),
    );
    if (!province) throw new Error(`seed: no office without a run in ${year} for a small group`);
    used.add(province.code);
    const startsOn = nextWorkingDay(
      fromDayNumber(dayNumber(`${year}-03-01`) + Math.floor(random() * 200)),
    );
    const endsOn = addWorkingDays(startsOn, days - 1);
    const index = planned.length + position;
    return {
      index,
      id: runId(index),
      province,
      program,
      lessonHours,
      startsOn,
      endsOn,
      quota: 20 + Math.floor(random() * 21),
      status: statusOn({ startsOn, endsOn }, SEED_TODAY, false),
      facilityId: null,
      enrolled,
    };
  });
}

/**
 * `plan.runs` runs with deterministic ids (`runId(i)`), spread over the offices and programs;
 * each lasts about one working day per 8 lesson hours of its program. In the publishable layout
 * the first run of each office is not cancelled, and the last runs are SMALL_RUNS.
 */
export function planRuns(plan: ScalePlan): SeedRun[] {
  const random = seededRandom(20_220_310);
  const programs = allPrograms(plan);
  const publishable = plan.layout === 'publishable';
  const offices = provinces();
  const drawn = publishable ? plan.runs - SMALL_RUNS.length : plan.runs;
  const runs = Array.from({ length: drawn }, (_, index) => {
    const first = publishable && index < offices.length;
    const province = first ? offices[index]! : pickProvince(random);
    const program = pickProgram(random, programs);
    const lessonHours = lessonHoursOf(program);
    const days = Math.max(1, Math.round(lessonHours / LESSON_HOURS_PER_DAY));
    const startsOn = pickStart(random);
    const endsOn = addWorkingDays(startsOn, days - 1);
    const quota = 20 + Math.floor(random() * 21);
    const cancelled = random() < 0.05 && !first;
    return {
      index,
      id: runId(index),
      province,
      program,
      lessonHours,
      startsOn,
      endsOn,
      quota,
      status: statusOn({ startsOn, endsOn }, SEED_TODAY, cancelled),
      facilityId: pickFacility(random, province, program),
    };
  });
  return numberBatches(publishable ? [...runs, ...smallRuns(random, runs)] : runs);
}
