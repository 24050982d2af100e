import type { Context } from './context';

/** The province of the office that holds a run: the reach of a regional operator. */
export async function provinceOfRun(runId: string, { loaders }: Context): Promise<string | null> {
  const run = await loaders.run.load(runId);
  if (!run) return null;
  return (await loaders.office.load(run.officeId))?.provinceCode ?? null;
}
