import { ALL_PARTITIONS, provincePartition, type Partitions } from '@coop/common';
import type { ProgramRun, RegionalOffice } from './entities';
import type { Context } from './resolvers/context';
import { provinceOfRun } from './resolvers/province';

/** A run's province, or every province when the run is unknown (it may be created later). */
async function partitionOfRun(run: ProgramRun | null | undefined, context: Context) {
  const province = run ? await provinceOfRun(run.id, context) : null;
  return province ? provincePartition(province) : ALL_PARTITIONS;
}

/** What one entity of `_entities` read: the partition of its province, when it has one. */
async function partitionOfEntity(
  typename: string,
  entity: unknown,
  context: Context,
): Promise<string> {
  switch (typename) {
    case 'RegionalOffice': {
      const office = entity as RegionalOffice | null;
      return office ? provincePartition(office.provinceCode) : ALL_PARTITIONS;
    }
    case 'ProgramRun':
      return partitionOfRun(entity as ProgramRun | null, context);
    case 'Librarian':
      // A regional operator sees only the enrolments in its own office's runs (librarian.ts).
      return context.viewer.role === 'regional-operator' && context.viewer.provinceCode
        ? provincePartition(context.viewer.provinceCode)
        : ALL_PARTITIONS;
    default:
      // A training program's runs span every office.
      return ALL_PARTITIONS;
  }
}

/**
 * What each root field of bpsdm-regional reads, by province (docs/decisions/0022): an office's
 * data, its runs and their enrolments, bookings and counts are its province's; a field not
 * listed here reads every province (`regionalOffices`, national lists).
 */
export const partitions: Partitions<Context> = {
  schema: 'bpsdm_regional',
  // Whether an office's outcome counts are withheld depends on every office's (decision 23);
  // its runs and participants are its own.
  readEverywhere: [
    'TrainingStats.completed',
    'TrainingStats.completionRate',
    'TrainingStats.lessonHoursDelivered',
    'TrainingStats.withheld',
  ],
  rules: {
    'Query.regionalOffice': (args) => [provincePartition(String(args.provinceCode))],
    'Query.programRuns': (args) => {
      const filter = args.filter as { provinceCode?: string | null } | null | undefined;
      return [filter?.provinceCode ? provincePartition(filter.provinceCode) : ALL_PARTITIONS];
    },
    'Query.programRun': async (_args, run, context) => [
      await partitionOfRun(run as ProgramRun | null, context),
    ],
    'Query._entities': async (args, entities, context) => {
      const representations = args.representations as { __typename: string }[];
      // The subgraph library's resolver answers a list of promises, one per representation.
      const results = await Promise.all(Array.isArray(entities) ? (entities as unknown[]) : []);
      return Promise.all(
        representations.map((representation, index) =>
          partitionOfEntity(representation.__typename, results[index], context),
        ),
      );
    },
  },
};
