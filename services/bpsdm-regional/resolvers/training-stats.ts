import {
  badInput,
  mayReadPeopleOf,
  TOTAL,
  withheldFields,
  type Viewer,
  type WithheldFigure,
} from '@coop/common';
import type { TrainingTable } from '../queries/training-stats';
import type { Context } from './context';

/** The longest range of years a trend reads. */
export const MAX_TREND_YEARS = 25;

const OUTCOMES = ['completed', 'completionRate', 'lessonHoursDelivered'] as const;

/** Whether the viewer may read the people behind an office's figures (TOTAL: the nation's). */
const mayReadRow = (viewer: Viewer, provinceCode: string) =>
  mayReadPeopleOf(viewer, provinceCode === TOTAL ? null : provinceCode);

/**
 * The training figures of an office (by province code; TOTAL: every office) in a year (TOTAL:
 * every year) as the viewer may see them (decision 23). Lesson hours of a total are withheld
 * too when any part's completions are: each program's hours are public, so the hours of the
 * parts would tell their completions apart.
 */
export function visibleTraining(
  table: TrainingTable,
  provinceCode: string,
  year: string,
  viewer: Viewer,
) {
  const counts = table.counts(provinceCode, year);
  const withheld: WithheldFigure[] = withheldFields(
    table.protection,
    provinceCode,
    year,
    mayReadRow(viewer, provinceCode),
    OUTCOMES,
  );
  const isTotal = provinceCode === TOTAL || year === TOTAL;
  if (!withheld.length && isTotal) {
    const hiddenPart = table
      .parts(provinceCode, year)
      .some(
        (part) =>
          table.protection.reason(part.provinceCode, part.year) !== null &&
          !mayReadRow(viewer, part.provinceCode),
      );
    if (hiddenPart) withheld.push({ field: 'lessonHoursDelivered', reason: 'COMPLEMENTARY' });
  }
  const hidden = new Set(withheld.map((figure) => figure.field));
  return {
    runs: counts.runs,
    participants: counts.participants,
    completed: hidden.has('completed') ? null : counts.completed,
    // A withdrawal is an enrolment that did not complete: it lowers the rate.
    completionRate: hidden.has('completionRate')
      ? null
      : counts.enrolled
        ? counts.completed / counts.enrolled
        : 0,
    lessonHoursDelivered: hidden.has('lessonHoursDelivered') ? null : counts.lessonHoursDelivered,
    withheld,
  };
}

const yearColumn = (year: number | null | undefined) => (year == null ? TOTAL : String(year));

/** The years of a trend, refused with BAD_USER_INPUT when the range is empty or too long. */
function trendYears(args: { fromYear: number; toYear: number }): number[] {
  if (args.toYear < args.fromYear) {
    throw badInput(
      'toYear',
      `toYear (${args.toYear}) must not be before fromYear (${args.fromYear})`,
    );
  }
  const length = args.toYear - args.fromYear + 1;
  if (length > MAX_TREND_YEARS) {
    throw badInput(
      'toYear',
      `a trend covers at most ${MAX_TREND_YEARS} years; ${args.fromYear}–${args.toYear} is ${length}`,
    );
  }
  return Array.from({ length }, (_, index) => args.fromYear + index);
}

async function trend(
  provinceCode: string,
  args: { fromYear: number; toYear: number },
  { loaders, viewer }: Context,
) {
  const years = trendYears(args);
  const table = await loaders.trainingTable.load('all');
  return years.map((year) => ({
    year,
    stats: visibleTraining(table, provinceCode, String(year), viewer),
  }));
}

export const officeTrainingResolvers = {
  trainingStats: async (
    office: { provinceCode: string },
    args: { year?: number | null },
    { loaders, viewer }: Context,
  ) => {
    const table = await loaders.trainingTable.load('all');
    return visibleTraining(table, office.provinceCode, yearColumn(args.year), viewer);
  },
  trainingByYear: (
    office: { provinceCode: string },
    args: { fromYear: number; toYear: number },
    context: Context,
  ) => trend(office.provinceCode, args, context),
};

/** `Query.nationalTrainingStats`: every office together, with the same rule. */
export async function nationalTrainingStats(
  _: unknown,
  args: { year?: number | null },
  { loaders, viewer }: Context,
) {
  const table = await loaders.trainingTable.load('all');
  return visibleTraining(table, TOTAL, yearColumn(args.year), viewer);
}

/** `Query.nationalTrainingByYear`: the national trend. */
export function nationalTrainingByYear(
  _: unknown,
  args: { fromYear: number; toYear: number },
  context: Context,
) {
  return trend(TOTAL, args, context);
}
