import { IT_INITIATIVE_CODES, provinces, seededRandom, stableId } from '@coop/common';

type InitiativeCode = (typeof IT_INITIATIVE_CODES)[number];

export interface ItInitiativeFact {
  code: InitiativeCode;
  name: string;
  kind:
    'LIBRARY_SYSTEM' | 'UNION_CATALOGUE' | 'DIGITAL_LENDING' | 'E_RESOURCES' | 'DIGITAL_HERITAGE';
  description: string;
  url: string;
  /** No rollout is dated before the service existed (Indonesia OneSearch: March 2015). */
  earliest: string;
}

/** Perpusnas's national IT services for libraries, as its public pages describe them. */
export const IT_INITIATIVES: ItInitiativeFact[] = [
  {
    code: 'INLISLITE',
    name: 'INLISLite (Integrated Library System Lite)',
    kind: 'LIBRARY_SYSTEM',
    description:
      'Library automation software built by Perpusnas and given to libraries free of charge; it also gathers the national collection into the national digital library network.',
    url: 'https://inlislite.perpusnas.go.id',
    earliest: '2016-01-01',
  },
  {
    code: 'ONESEARCH',
    name: 'Indonesia OneSearch',
    kind: 'UNION_CATALOGUE',
    description:
      "A portal that searches the collections of Indonesia's library network in one place (built from March 2015).",
    url: 'https://onesearch.id',
    earliest: '2015-03-01',
  },
  {
    code: 'IPUSNAS',
    name: 'iPusnas',
    kind: 'DIGITAL_LENDING',
    description:
      "Perpusnas's digital lending app for e-books: a reader borrows and returns on a phone.",
    url: 'https://ipusnas.id',
    earliest: '2016-08-01',
  },
  {
    code: 'E_RESOURCES',
    name: 'e-Resources Perpusnas',
    kind: 'E_RESOURCES',
    description:
      'The journals, e-books and databases Perpusnas licenses and opens to registered members.',
    url: 'https://e-resources.perpusnas.go.id',
    earliest: '2016-01-01',
  },
  {
    code: 'KHASTARA',
    name: 'Khastara (Khazanah Nusantara)',
    kind: 'DIGITAL_HERITAGE',
    description: 'The digitised heritage collection online: manuscripts, old maps and photographs.',
    url: 'https://khastara.perpusnas.go.id',
    earliest: '2018-01-01',
  },
];

/**
 * Provinces that had an INLISLite forum when Sekretaris Utama Ofy Sofiana spoke of it: Jawa
 * Timur, Aceh, Sumatera Barat, Jambi, Jawa Tengah and Nusa Tenggara Barat.
 */
export const INLISLITE_FORUM_PROVINCES = ['35', '11', '13', '15', '33', '52'];

/**
 * Regencies and cities (*kabupaten/kota*) per province, 514 in all: each has a regency/city
 * library, the count a forum's 50 per cent rule is reckoned against.
 */
export const REGENCIES_AND_CITIES: Record<string, number> = {
  '11': 23, '12': 33, '13': 19, '14': 12, '15': 11, '16': 17, '17': 10, '18': 15, '19': 7,
  '21': 7, '31': 6, '32': 27, '33': 35, '34': 5, '35': 38, '36': 8, '51': 9, '52': 10,
  '53': 22, '61': 14, '62': 14, '63': 13, '64': 10, '65': 5, '71': 15, '72': 13, '73': 24,
  '74': 17, '75': 6, '76': 6, '81': 11, '82': 10, '91': 9, '92': 7, '93': 4, '94': 8,
  '95': 8, '96': 6,
}; // prettier-ignore

/** Share of provinces a service has not reached at all in the generated data. */
const NOT_REACHED: Record<InitiativeCode, number> = {
  INLISLITE: 0,
  ONESEARCH: 0.2,
  IPUSNAS: 0.1,
  E_RESOURCES: 0.3,
  KHASTARA: 0.6,
};

export interface ItRolloutRow {
  id: string;
  initiativeCode: InitiativeCode;
  provinceCode: string;
  status: 'PLANNED' | 'PILOTING' | 'IN_USE';
  librariesUsing: number;
  librariesTotal: number;
  hasForum: boolean;
  since: string;
}

function randomFor(code: string, provinceCode: string) {
  return seededRandom(
    parseInt(stableId('it-rollout-seed', `${code}:${provinceCode}`).slice(0, 8), 16),
  );
}

function dayBetween(from: string, to: string, fraction: number): string {
  const start = Date.parse(`${from}T00:00:00Z`);
  const days = Math.floor((Date.parse(`${to}T00:00:00Z`) - start) / 86_400_000);
  return new Date(start + Math.floor(fraction * days) * 86_400_000).toISOString().slice(0, 10);
}

function statusOf(using: number): ItRolloutRow['status'] {
  if (using === 0) return 'PLANNED';
  return using <= 2 ? 'PILOTING' : 'IN_USE';
}

/**
 * Rollouts, generated deterministically around the facts: the six forum provinces use INLISLite
 * in at least half of their regency/city libraries, and every other province in fewer than
 * half (else it would have formed a forum); the other services reach most provinces, in
 * varying depth, without forums. The same at every seed scale: at most 5 × 38 rows.
 */
export function itRolloutRows(): ItRolloutRow[] {
  const rows: ItRolloutRow[] = [];
  for (const initiative of IT_INITIATIVES) {
    for (const { code: provinceCode } of provinces()) {
      const random = randomFor(initiative.code, provinceCode);
      if (random() < NOT_REACHED[initiative.code]) continue;
      const total = REGENCIES_AND_CITIES[provinceCode]!;
      const half = Math.ceil(total / 2);
      const forum =
        initiative.code === 'INLISLITE' && INLISLITE_FORUM_PROVINCES.includes(provinceCode);
      const using = forum
        ? Math.min(total, half + Math.floor(random() * (total - half + 1)))
        : initiative.code === 'INLISLITE'
          ? Math.floor(random() * half)
          : Math.floor(random() * (total + 1));
      rows.push({
        id: stableId('it-rollout', `${initiative.code}:${provinceCode}`),
        initiativeCode: initiative.code,
        provinceCode,
        status: statusOf(using),
        librariesUsing: using,
        librariesTotal: total,
        hasForum: forum,
        since: dayBetween(initiative.earliest, '2025-06-30', random()),
      });
    }
  }
  return rows;
}
