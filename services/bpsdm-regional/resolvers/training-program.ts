import { toConnection, toPage, type PageArgs } from '@coop/common';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context';
import { prepareRuns } from './run-list';

interface TrainingProgramReference {
  id: string;
}

/** bpsdm-central owns training programs; this subgraph knows them by id and adds their runs. */
export const trainingProgramResolvers = {
  __resolveReference: (ref: TrainingProgramReference) => ({ id: ref.id }),
  runs: async (
    program: TrainingProgramReference,
    args: PageArgs & { provinceCode?: string | null },
    context: Context,
    info: GraphQLResolveInfo,
  ) => {
    const { loaders } = context;
    const page = toPage(args);
    const filter = { provinceCode: args.provinceCode ?? null };
    const rows = await loaders.programRuns.load({
      parentId: program.id,
      args: { ...filter, page },
    });
    await prepareRuns(rows, info, context);
    return toConnection(rows, page, () =>
      loaders.programRunCount.load({ parentId: program.id, args: filter }),
    );
  },
};
