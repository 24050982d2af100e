import { randomUUID } from 'node:crypto';
import { contractOperation } from '../contract';
import { batchKey, type MixSample } from './mix-sample';

export type WriteName = 'planRun' | 'enrol' | 'recordResult';
export const WRITE_NAMES: readonly WriteName[] = ['planRun', 'enrol', 'recordResult'];

export interface Write {
  name: WriteName;
  query: string;
  variables: Record<string, unknown>;
}

const PLAN_RUN = contractOperation('PlanRun').body;
const ENROL = contractOperation('Enrol').body;
const RECORD_RESULT = contractOperation('RecordResult').body;

type Random = () => number;
const pick = <T>(items: readonly T[], random: Random): T =>
  items[Math.floor(random() * items.length)]!;

/**
 * Writes that succeed, chosen from the sample and kept so as the run goes on: a batch number is
 * never planned twice, a place never taken twice, a librarian never enrolled twice in a run.
 * All targets write to the same database, so one allocator serves them all.
 */
export class WriteAllocator {
  private readonly issued = new Map<WriteName, number>();

  constructor(
    private readonly sample: MixSample,
    private readonly random: Random,
  ) {}

  /** A write in `provinceCode`'s office; the kind wished for, or another when it cannot succeed. */
  next(wished: WriteName, provinceCode: string): Write {
    const order = [wished, ...WRITE_NAMES.filter((name) => name !== wished)];
    for (const name of order) {
      const write = this.attempt(name, provinceCode);
      if (!write) continue;
      this.issued.set(name, (this.issued.get(name) ?? 0) + 1);
      return write;
    }
    throw new Error(`no write left that can succeed in province ${provinceCode}`);
  }

  /** How many writes of each kind were sent, e.g. `writes sent: 12 planRun, 9 enrol, …`. */
  describe(): string {
    const counts = WRITE_NAMES.map((name) => `${this.issued.get(name) ?? 0} ${name}`);
    return `writes sent: ${counts.join(', ')}`;
  }

  private attempt(name: WriteName, provinceCode: string): Write | undefined {
    switch (name) {
      case 'planRun':
        return this.planRun(provinceCode);
      case 'enrol':
        return this.enrol(provinceCode);
      case 'recordResult':
        return this.recordResult(provinceCode);
    }
  }

  /** A run of a random program with a batch number not used for it at this office yet. */
  private planRun(provinceCode: string): Write | undefined {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const programId = pick(this.sample.programIds, this.random);
      const batch = 1 + Math.floor(this.random() * 999);
      const key = batchKey(provinceCode, programId, batch);
      if (this.sample.usedBatches.has(key)) continue;
      this.sample.usedBatches.add(key);
      const month = String(1 + Math.floor(this.random() * 12)).padStart(2, '0');
      const input = {
        provinceCode,
        programId,
        batch,
        startsOn: `2027-${month}-01`,
        endsOn: `2027-${month}-05`,
        quota: 30,
        clientKey: randomUUID(),
      };
      return { name: 'planRun', query: PLAN_RUN, variables: { input } };
    }
    return undefined;
  }

  /** A librarian of the province, not enrolled yet, into an OPEN run of its office with a place. */
  private enrol(provinceCode: string): Write | undefined {
    const runs = this.sample.openRunsByProvince.get(provinceCode) ?? [];
    const librarians = this.sample.librariansByProvince.get(provinceCode) ?? [];
    const open = runs.filter((run) => run.placesLeft > 0);
    if (open.length === 0) return undefined;
    const run = pick(open, this.random);
    const librarianId = librarians.find((id) => !run.enrolled.has(id));
    if (!librarianId) return undefined;
    run.enrolled.add(librarianId);
    run.placesLeft -= 1;
    const variables = { runId: run.id, librarianId, clientKey: randomUUID() };
    return { name: 'enrol', query: ENROL, variables };
  }

  /** A result (or a correction of one) on an enrolment that accepts it: repeatable. */
  private recordResult(provinceCode: string): Write | undefined {
    const enrolments = this.sample.resultableByProvince.get(provinceCode) ?? [];
    if (enrolments.length === 0) return undefined;
    const enrolment = pick(enrolments, this.random);
    const variables = {
      id: enrolment.id,
      score: 60 + Math.round(this.random() * 400) / 10,
      hours: enrolment.lessonHours,
    };
    return { name: 'recordResult', query: RECORD_RESULT, variables };
  }
}
