import type { EntityManager } from 'typeorm';
import type { Enrolment, EnrolmentStatus, ProgramRun, RunStatus } from '../entities';
import { ENROLMENT_COLUMNS } from './enrolments';
import { RUN_COLUMNS } from './runs';

/** Where a statement goes: the data source, or a transaction's manager. */
type Sql = Pick<EntityManager, 'query'>;

/** A run with the province of the office holding it: what access checks need. */
export interface RunInOffice extends ProgramRun {
  provinceCode: string;
  officeName: string;
}

/** The run as a plain row (what audit records and resolvers get). */
export function plainRun({ provinceCode: _p, officeName: _o, ...run }: RunInOffice): ProgramRun {
  return run;
}

/**
 * A run and its office's province; with `lock`, the run row stays locked (`FOR UPDATE`) until
 * the transaction ends, so that checks made on it (status, places left) hold when it commits.
 */
export async function findRun(sql: Sql, id: string, lock = false): Promise<RunInOffice | null> {
  const rows: RunInOffice[] = await sql.query(
    `SELECT ${RUN_COLUMNS}, o.province_code AS "provinceCode", o.name AS "officeName"
       FROM bpsdm_regional.program_run r
       JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
      WHERE r.id = $1
      ${lock ? 'FOR UPDATE OF r' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** An enrolment with what its checks need of its run and office. */
export interface EnrolmentInRun extends Enrolment {
  runStatus: RunStatus;
  runEndsOn: string;
  provinceCode: string;
}

export function plainEnrolment({
  runStatus: _s,
  runEndsOn: _e,
  provinceCode: _p,
  ...enrolment
}: EnrolmentInRun): Enrolment {
  return enrolment;
}

/**
 * An enrolment with its run's status and end and its office's province. With `lock`, the
 * enrolment is locked for update and its run for share: the run's status cannot change under
 * a result being recorded.
 */
export async function findEnrolment(
  sql: Sql,
  id: string,
  lock = false,
): Promise<EnrolmentInRun | null> {
  const rows: EnrolmentInRun[] = await sql.query(
    `SELECT ${ENROLMENT_COLUMNS}, r.status AS "runStatus", r.ends_on AS "runEndsOn",
            o.province_code AS "provinceCode"
       FROM bpsdm_regional.enrolment e
       JOIN bpsdm_regional.program_run r ON r.id = e.run_id
       JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
      WHERE e.id = $1
      ${lock ? 'FOR UPDATE OF e FOR SHARE OF r' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * Locks the run of an enrolment for share, before the enrolment itself is locked: every writer
 * takes a run's lock before its enrolments' (enrol and settling a run lock the run for update
 * first), so a change of an enrolment and the settlement of its run never wait for each other
 * in a cycle.
 */
export async function lockRunOfEnrolment(sql: Sql, enrolmentId: string): Promise<void> {
  await sql.query(
    `SELECT r.id FROM bpsdm_regional.program_run r
       JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
      WHERE e.id = $1
      FOR SHARE OF r`,
    [enrolmentId],
  );
}

/** The enrolment of a librarian in a run, whatever its status; null when there is none. */
export async function enrolmentOf(
  sql: Sql,
  runId: string,
  librarianId: string,
): Promise<Enrolment | null> {
  const rows: Enrolment[] = await sql.query(
    `SELECT ${ENROLMENT_COLUMNS} FROM bpsdm_regional.enrolment e
      WHERE e.run_id = $1 AND e.librarian_id = $2`,
    [runId, librarianId],
  );
  return rows[0] ?? null;
}

/** Places taken in a run: its enrolments not withdrawn. */
export async function placesTaken(sql: Sql, runId: string): Promise<number> {
  const [row] = (await sql.query(
    `SELECT count(*) AS count FROM bpsdm_regional.enrolment
      WHERE run_id = $1 AND status <> 'WITHDRAWN'`,
    [runId],
  )) as { count: number }[];
  return row?.count ?? 0;
}

/** Enrolment statuses of a participant still in progress: they may still be withdrawn. */
export const WITHDRAWABLE: readonly EnrolmentStatus[] = ['REGISTERED', 'ATTENDING'];

/**
 * Moves every enrolment of a run still in progress (REGISTERED or ATTENDING) to `to`, and
 * returns each as it was and as it is. The caller holds the run's lock, which every writer of
 * its enrolments takes first, so no enrolment changes between the two statements.
 */
export async function settleEnrolmentsOfRun(
  sql: Sql,
  runId: string,
  to: EnrolmentStatus,
): Promise<{ before: Enrolment; after: Enrolment }[]> {
  const before: Enrolment[] = await sql.query(
    `SELECT ${ENROLMENT_COLUMNS} FROM bpsdm_regional.enrolment e
      WHERE e.run_id = $1 AND e.status = ANY($2)
      ORDER BY e.id
      FOR UPDATE OF e`,
    [runId, WITHDRAWABLE],
  );
  if (before.length === 0) return [];
  // TypeORM answers an UPDATE with [rows, rowCount].
  const [after] = (await sql.query(
    `UPDATE bpsdm_regional.enrolment e SET status = $2, version = e.version + 1
      WHERE e.id = ANY($1)
      RETURNING ${ENROLMENT_COLUMNS}`,
    [before.map((enrolment) => enrolment.id), to],
  )) as [Enrolment[], number];
  const afterById = new Map(after.map((enrolment) => [enrolment.id, enrolment]));
  return before.map((enrolment) => ({ before: enrolment, after: afterById.get(enrolment.id)! }));
}

/** How many enrolments of a run are COMPLETED (have a result and a certificate number). */
export async function completedIn(sql: Sql, runId: string): Promise<number> {
  const [row] = (await sql.query(
    `SELECT count(*)::int AS count FROM bpsdm_regional.enrolment
      WHERE run_id = $1 AND status = 'COMPLETED'`,
    [runId],
  )) as { count: number }[];
  return row?.count ?? 0;
}

/** A facility booking as the API shows it: whole days, `to` included. */
export interface BookingRow {
  id: string;
  runId: string;
  facilityId: string;
  from: string;
  to: string;
}

/** PostgreSQL keeps `[from, to]` as `[from, to + 1)`: the last day is the upper bound - 1. */
const BOOKING_COLUMNS = `b.id, b.run_id AS "runId", b.facility_id AS "facilityId",
  lower(b.during) AS "from", upper(b.during) - 1 AS "to"`;

export async function findBooking(sql: Sql, id: string): Promise<BookingRow | null> {
  const rows: BookingRow[] = await sql.query(
    `SELECT ${BOOKING_COLUMNS} FROM bpsdm_regional.facility_booking b WHERE b.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** The bookings of several runs, earliest first. */
export function bookingsOfRuns(sql: Sql, runIds: readonly string[]): Promise<BookingRow[]> {
  return sql.query(
    `SELECT ${BOOKING_COLUMNS} FROM bpsdm_regional.facility_booking b
      WHERE b.run_id = ANY($1)
      ORDER BY lower(b.during), b.id`,
    [runIds],
  );
}

/** A booking of the facility that overlaps the days `from`..`to`, if any. */
export async function overlappingBooking(
  sql: Sql,
  facilityId: string,
  from: string,
  to: string,
): Promise<BookingRow | null> {
  const rows: BookingRow[] = await sql.query(
    `SELECT ${BOOKING_COLUMNS} FROM bpsdm_regional.facility_booking b
      WHERE b.facility_id = $1 AND b.during && daterange($2::date, $3::date, '[]')
      ORDER BY lower(b.during) LIMIT 1`,
    [facilityId, from, to],
  );
  return rows[0] ?? null;
}

/** Inserts a booking; fails with SQLSTATE 23P01 when it overlaps one of the same facility. */
export async function insertBooking(sql: Sql, booking: BookingRow): Promise<void> {
  await sql.query(
    `INSERT INTO bpsdm_regional.facility_booking (id, run_id, facility_id, during)
     VALUES ($1, $2, $3, daterange($4::date, $5::date, '[]'))`,
    [booking.id, booking.runId, booking.facilityId, booking.from, booking.to],
  );
}

/** Deletes a run's bookings and returns them. */
export async function deleteBookingsOfRun(sql: Sql, runId: string): Promise<BookingRow[]> {
  // TypeORM answers a DELETE with [rows, rowCount].
  const [rows] = (await sql.query(
    `DELETE FROM bpsdm_regional.facility_booking b WHERE b.run_id = $1 RETURNING ${BOOKING_COLUMNS}`,
    [runId],
  )) as [BookingRow[], number];
  return rows;
}
