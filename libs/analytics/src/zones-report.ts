// The ready-made questions asked of each zone of a lake on its own: what `report --lake` shows.
// One session per zone, so no answer ever mixes two zones' rows.
import type { LoadedFleet } from '@stampyard/stamp-spec';
import { openLake, type QueryResult } from './engine.ts';
import { QUESTIONS, type QuestionName } from './questions.ts';
import { lakeZones } from './scan.ts';

export interface ZoneAnswers {
  readonly zone: string;
  readonly answers: readonly { readonly question: QuestionName; readonly result: QueryResult }[];
  /** Files left out with skipBadFiles. */
  readonly skipped: readonly string[];
}

/** Asks top-tenants, noisy-neighbours and version-errors of every zone of the lake, zone by zone. */
export async function askEveryZone(
  lake: string,
  fleet: LoadedFleet,
  options: { skipBadFiles?: boolean; topTenants?: number } = {},
): Promise<ZoneAnswers[]> {
  const zones: ZoneAnswers[] = [];
  for (const zone of await lakeZones(lake)) {
    const session = await openLake({ lake, fleet, zone, skipBadFiles: options.skipBadFiles ?? false });
    try {
      const answers = [];
      for (const question of Object.keys(QUESTIONS) as QuestionName[]) {
        const asked = question === 'top-tenants' ? QUESTIONS[question]({ limit: options.topTenants ?? 10 }) : QUESTIONS[question]();
        answers.push({ question, result: await session.query(asked.sql, asked.parameters) });
      }
      zones.push({ zone, answers, skipped: session.skipped().map((p) => `${p.path}: ${p.problem}`) });
    } finally {
      session.close();
    }
  }
  return zones;
}
