import { librarianId, librarianProvince, SCALE_PLANS } from '@coop/common';
import { allocatePlaces, enrolmentRows } from '../../../services/bpsdm-regional/seed/enrolments';
import { officeRows } from '../../../services/bpsdm-regional/seed/offices';
import { planRuns, SEED_TODAY, statusOn } from '../../../services/bpsdm-regional/seed/runs';

const plan = SCALE_PLANS.small;
const runs = planRuns(plan);
const enrolments = enrolmentRows(plan, runs);

describe('bpsdm-regional seed', () => {
  it('has one office per province', () => {
    const offices = officeRows();
    expect(offices).toHaveLength(38);
    expect(new Set(offices.map((row) => row[1])).size).toBe(38);
    expect(offices).toContainEqual(expect.arrayContaining(['32', 'BPSDM Provinsi Jawa Barat']));
  });

  it('is deterministic', () => {
    expect(planRuns(plan)).toEqual(runs);
    expect(enrolmentRows(plan, runs)).toEqual(enrolments);
  });

  it('plans runs with consistent dates, quotas and statuses', () => {
    expect(runs).toHaveLength(plan.runs);
    for (const run of runs) {
      expect(run.endsOn >= run.startsOn).toBe(true);
      expect(run.quota).toBeGreaterThanOrEqual(20);
      expect(run.quota).toBeLessThanOrEqual(40);
      const expected = statusOn(run, SEED_TODAY, run.status === 'CANCELLED');
      expect(run.status).toBe(expected);
    }
  });

  it('numbers batches 1, 2, 3… per office and program in start order', () => {
    const byKey = new Map<string, typeof runs>();
    for (const run of runs) {
      const key = `${run.province.code}:${run.program.code}`;
      byKey.set(key, [...(byKey.get(key) ?? []), run]);
    }
    for (const group of byKey.values()) {
      const sorted = [...group].sort((a, b) => a.batch - b.batch);
      expect(sorted.map((run) => run.batch)).toEqual(sorted.map((_, index) => index + 1));
      for (let index = 1; index < sorted.length; index += 1) {
        expect(sorted[index]!.startsOn >= sorted[index - 1]!.startsOn).toBe(true);
      }
    }
  });

  it('enrols the planned number of librarians, once per run, within quota', () => {
    expect(enrolments).toHaveLength(plan.enrolments);
    const runsById = new Map(runs.map((run) => [run.id, run]));
    const perRun = new Map<string, Set<unknown>>();
    for (const [, runId, librarian] of enrolments) {
      const participants = perRun.get(runId as string) ?? new Set();
      expect(participants.has(librarian)).toBe(false);
      participants.add(librarian);
      perRun.set(runId as string, participants);
    }
    for (const [runId, participants] of perRun) {
      const run = runsById.get(runId)!;
      expect(run.status).not.toBe('CANCELLED');
      expect(participants.size).toBeLessThanOrEqual(run.quota);
    }
  });

  it('prefers librarians of the run’s province', () => {
    const ids = new Map(
      Array.from({ length: plan.librarians }, (_, index) => [librarianId(index), index]),
    );
    const runsById = new Map(runs.map((run) => [run.id, run]));
    const local = enrolments.filter(
      ([, runId, librarian]) =>
        librarianProvince(ids.get(librarian as string)!) ===
        runsById.get(runId as string)!.province.code,
    );
    expect(local.length / enrolments.length).toBeGreaterThan(0.2);
  });

  it('gives enrolments statuses that follow their run', () => {
    const runsById = new Map(runs.map((run) => [run.id, run]));
    const certificates = new Set<unknown>();
    for (const [, runId, , status, score, hours, certificate] of enrolments) {
      const run = runsById.get(runId as string)!;
      if (run.status === 'COMPLETED')
        expect(['COMPLETED', 'NOT_COMPLETED', 'WITHDRAWN']).toContain(status);
      if (run.status === 'ONGOING') expect(status).toBe('ATTENDING');
      if (run.status === 'OPEN' || run.status === 'PLANNED') expect(status).toBe('REGISTERED');
      if (status === 'COMPLETED') {
        expect(score).toBeGreaterThanOrEqual(60);
        expect(score).toBeLessThanOrEqual(100);
        expect(hours).toBe(run.lessonHours);
        expect(certificate).toMatch(new RegExp(`^STTPP/${run.province.code}/\\d{4}/\\d{5}$`));
        expect(certificates.has(certificate)).toBe(false);
        certificates.add(certificate);
      } else {
        expect([score, hours, certificate]).toEqual([null, null, null]);
      }
    }
  });
});

describe('allocatePlaces', () => {
  it('reaches the target without exceeding any quota', () => {
    const quotas = [20, 30, 40, 25];
    const counts = allocatePlaces(quotas, 100, Math.random);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
    counts.forEach((count, index) => expect(count).toBeLessThanOrEqual(quotas[index]!));
  });

  it('stops at the total quota', () => {
    expect(allocatePlaces([2, 3], 10, Math.random)).toEqual([2, 3]);
  });
});
