import {
  librarianId,
  librarianProvince,
  seededRandom,
  stableId,
  type ScalePlan,
} from '@coop/common';
import type { EnrolmentStatus } from '../entities';
import { addDays } from './calendar';
import { SEED_TODAY, type SeedRun } from './runs';

export const ENROLMENT_COLUMNS = [
  'id',
  'run_id',
  'librarian_id',
  'status',
  'final_score',
  'lesson_hours_earned',
  'completion_certificate_number',
  'enrolled_on',
];

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * Splits `target` places over runs in proportion to their quotas (with some variation), never
 * above a run's quota. The counts add up to `target`, or to the total quota when it is smaller.
 */
export function allocatePlaces(quotas: number[], target: number, random: () => number): number[] {
  const wanted = Math.min(target, sum(quotas));
  const shares = quotas.map((quota) => quota * (0.5 + 0.5 * random()));
  const totalShare = sum(shares);
  const counts = shares.map((share, index) =>
    Math.min(quotas[index]!, Math.floor((share * wanted) / totalShare)),
  );
  let missing = wanted - sum(counts);
  for (let index = 0; missing > 0; index = (index + 1) % quotas.length) {
    if (counts[index]! < quotas[index]!) {
      counts[index]! += 1;
      missing -= 1;
    }
  }
  return counts;
}

/** Librarian indexes of each province, as every service places them (`librarianProvince`). */
function librariansByProvince(librarians: number): Map<string, number[]> {
  const byProvince = new Map<string, number[]>();
  for (let index = 0; index < librarians; index += 1) {
    const code = librarianProvince(index);
    const list = byProvince.get(code) ?? [];
    list.push(index);
    byProvince.set(code, list);
  }
  return byProvince;
}

/**
 * `count` different librarians: from the run's province first, from anywhere when the province
 * has too few.
 */
function pickParticipants(
  random: () => number,
  local: number[],
  librarians: number,
  count: number,
): Set<number> {
  const wanted = Math.min(count, librarians);
  const chosen = new Set<number>();
  if (local.length <= wanted) local.forEach((index) => chosen.add(index));
  while (chosen.size < wanted && local.length > wanted) {
    chosen.add(local[Math.floor(random() * local.length)]!);
  }
  while (chosen.size < wanted) chosen.add(Math.floor(random() * librarians));
  return chosen;
}

const STATUS_IN_RUN: Record<SeedRun['status'], EnrolmentStatus> = {
  PLANNED: 'REGISTERED',
  OPEN: 'REGISTERED',
  ONGOING: 'ATTENDING',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'WITHDRAWN',
};

/** The share of a completed run's participants who did not pass, in the publishable layout. */
const NOT_PASSING = 0.1;

/**
 * About `plan.enrolments` enrolments over the runs that are not cancelled, never above a run's
 * quota (a run's own `enrolled` when it has one), each librarian at most once per run. In
 * completed runs 2–20% withdrew (by office), in the publishable layout NOT_PASSING of the others
 * did not pass, and the others completed with a score, the program's lesson
 * hours and a completion certificate (*STTPP*) numbered per province and year.
 */
export function enrolmentRows(plan: ScalePlan, runs: SeedRun[]): unknown[][] {
  const random = seededRandom(20_230_102);
  const held = runs
    .filter((run) => run.status !== 'CANCELLED')
    // Certificates are numbered in the order the runs end.
    .sort((a, b) => (a.endsOn === b.endsOn ? a.index - b.index : a.endsOn < b.endsOn ? -1 : 1));
  const shared = held.filter((run) => run.enrolled === undefined);
  const shares = allocatePlaces(
    shared.map((run) => run.quota),
    plan.enrolments - sum(held.map((run) => run.enrolled ?? 0)),
    random,
  );
  let next = 0;
  const places = held.map((run) => run.enrolled ?? shares[next++]!);
  const byProvince = librariansByProvince(plan.librarians);
  const librarianIds = Array.from({ length: plan.librarians }, (_, index) => librarianId(index));
  const certificates = new Map<string, number>();
  const rows: unknown[][] = [];
  held.forEach((run, position) => {
    const local = byProvince.get(run.province.code) ?? [];
    const participants = pickParticipants(random, local, plan.librarians, places[position]!);
    for (const librarian of participants) {
      const enrolledOn = addDays(run.startsOn, -(7 + Math.floor(random() * 38)));
      // Offices differ: between 2% and 20% of their participants drop out.
      const dropOutRate = 0.02 + (Number(run.province.code) % 10) * 0.02;
      const withdrew = run.status === 'COMPLETED' && random() < dropOutRate;
      // In the publishable layout some participants of a completed run do not pass: a count
      // that sits at its bound everywhere leaves complementary suppression only the totals.
      const failed =
        plan.layout === 'publishable' && run.status === 'COMPLETED' && random() < NOT_PASSING;
      const status = withdrew ? 'WITHDRAWN' : failed ? 'NOT_COMPLETED' : STATUS_IN_RUN[run.status];
      let score: number | null = null;
      let certificate: string | null = null;
      if (status === 'COMPLETED') {
        score = Math.round((60 + random() * 40) * 100) / 100;
        const year = run.endsOn.slice(0, 4);
        const series = `${run.province.code}/${year}`;
        const sequence = (certificates.get(series) ?? 0) + 1;
        certificates.set(series, sequence);
        certificate = `STTPP/${series}/${String(sequence).padStart(5, '0')}`;
      }
      rows.push([
        stableId('enrolment', `${run.id}:${librarian}`),
        run.id,
        librarianIds[librarian],
        status,
        score,
        status === 'COMPLETED' ? run.lessonHours : null,
        certificate,
        enrolledOn < SEED_TODAY ? enrolledOn : SEED_TODAY,
      ]);
    }
  });
  return rows;
}
