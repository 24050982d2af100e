import { differencesSql, type AggregateDifference, type Recount } from '@coop/common';

const TABLE = 'bpsdm_regional.office_training_stats';
const COLUMNS = [
  'office_id',
  'year',
  'runs',
  'participants',
  'completed',
  'enrolled',
  'lesson_hours_delivered',
  'persons',
];

const TRAINING_STATS_DIFFERENCES = differencesSql({
  stored: `SELECT ${COLUMNS.join(', ')} FROM ${TABLE}`,
  counted: `SELECT ${COLUMNS.join(', ')} FROM bpsdm_regional.office_training_counts`,
  keys: COLUMNS.slice(0, 2),
  values: COLUMNS.slice(2),
});

/**
 * Recounts the training counts per office and year from the runs and enrolments. A repair
 * locks the table against writers first (EXCLUSIVE: readers go on): a writer that got there
 * before has committed when the recount starts, one that comes after recounts its own office
 * and year after this commit, so nothing slips in between the recount and the rewrite.
 */
export const recountBpsdmRegional: Recount = async (db, { repair }) => {
  if (!repair) {
    const differences: AggregateDifference[] = await db.query(TRAINING_STATS_DIFFERENCES);
    return [{ name: TABLE, differences, repaired: false }];
  }
  return db.transaction(async (manager) => {
    await manager.query(`LOCK TABLE ${TABLE} IN EXCLUSIVE MODE`);
    const differences: AggregateDifference[] = await manager.query(TRAINING_STATS_DIFFERENCES);
    if (differences.length > 0) {
      await manager.query(`DELETE FROM ${TABLE}`);
      await manager.query(
        `INSERT INTO ${TABLE} (${COLUMNS.join(', ')})
         SELECT ${COLUMNS.join(', ')} FROM bpsdm_regional.office_training_counts`,
      );
    }
    return [{ name: TABLE, differences, repaired: differences.length > 0 }];
  });
};
