import {
  addYears,
  composeNip,
  librarianId,
  librarianProvince,
  MIN_GROUP_SIZE,
  runId,
  seededRandom,
  type ScalePlan,
} from '@coop/common';
import { SCHEMES } from './facts';

const GIVEN_NAMES = [
  'Siti',
  'Dewi',
  'Sri',
  'Rina',
  'Nur',
  'Indah',
  'Ayu',
  'Fitri',
  'Wulan',
  'Ratna',
  'Budi',
  'Agus',
  'Eko',
  'Andi',
  'Hendra',
  'Rudi',
  'Yusuf',
  'Dedi',
  'Ahmad',
  'Bambang',
];
const FAMILY_NAMES = [
  'Rahayu',
  'Lestari',
  'Wijaya',
  'Santoso',
  'Hidayat',
  'Saputra',
  'Nasution',
  'Siregar',
  'Harahap',
  'Pratama',
  'Kurniawan',
  'Setiawan',
  'Susanti',
  'Handayani',
  'Simanjuntak',
  'Manurung',
  'Tanjung',
  'Sihombing',
  'Pohan',
  'Putri',
];
interface LevelEntry {
  level: string;
  category: 'SKILLED' | 'EXPERT';
  grade: string;
  weight: number;
}
const LEVELS: LevelEntry[] = [
  { level: 'TERAMPIL', category: 'SKILLED', grade: 'II/c', weight: 18 },
  { level: 'MAHIR', category: 'SKILLED', grade: 'III/a', weight: 14 },
  { level: 'PENYELIA', category: 'SKILLED', grade: 'III/c', weight: 8 },
  { level: 'AHLI_PERTAMA', category: 'EXPERT', grade: 'III/a', weight: 28 },
  { level: 'AHLI_MUDA', category: 'EXPERT', grade: 'III/c', weight: 20 },
  { level: 'AHLI_MADYA', category: 'EXPERT', grade: 'IV/a', weight: 10 },
  { level: 'AHLI_UTAMA', category: 'EXPERT', grade: 'IV/d', weight: 2 },
];
const EMPLOYERS = [
  'Dinas Perpustakaan dan Kearsipan Provinsi',
  'Perpustakaan Umum Kabupaten',
  'Perpustakaan Umum Kota',
  'Perpustakaan Perguruan Tinggi Negeri',
  'Perpustakaan Sekolah',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function pickLevel(random: () => number) {
  let roll = random() * LEVELS.reduce((sum, entry) => sum + entry.weight, 0);
  for (const entry of LEVELS) {
    roll -= entry.weight;
    if (roll < 0) return entry;
  }
  return LEVELS[0]!;
}

/** The levels a province's librarians mostly hold: Ahli Utama, the top one, is too rare. */
const COMMON_LEVELS = LEVELS.filter((entry) => entry.level !== 'AHLI_UTAMA');
const AHLI_UTAMA = LEVELS.find((entry) => entry.level === 'AHLI_UTAMA')!;

/**
 * Provinces where, in the publishable layout, a few librarians (fewer than MIN_GROUP_SIZE) have
 * reached Ahli Utama: the level figures shown withheld.
 */
const FEW_AHLI_UTAMA: Record<string, number> = { '14': 1, '53': 2, '63': 3, '82': 4 };

/**
 * `count` different common levels, each drawn with a chance in proportion to its weight squared:
 * most provinces hold the lower, more populous levels.
 */
function drawLevels(random: () => number, count: number): LevelEntry[] {
  const left = [...COMMON_LEVELS];
  const drawn: LevelEntry[] = [];
  while (drawn.length < count && left.length > 0) {
    let roll = random() * left.reduce((sum, entry) => sum + entry.weight ** 2, 0);
    const index = left.findIndex((entry) => (roll -= entry.weight ** 2) < 0);
    drawn.push(...left.splice(index < 0 ? left.length - 1 : index, 1));
  }
  return drawn;
}

/** `total` split over `shares`: at least `floor` each, the rest in proportion to the shares. */
function split(total: number, shares: number[], floor: number): number[] {
  const rest = total - floor * shares.length;
  const sum = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((share) => (rest * share) / sum);
  const counts = exact.map((value) => floor + Math.floor(value));
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  for (const { index } of byRemainder) {
    if (missing-- <= 0) break;
    counts[index]! += 1;
  }
  return counts;
}

/**
 * Each librarian's level in the publishable layout: a province's librarians hold three to five
 * of the common levels (more in bigger provinces), drawn and shared out by the levels' weights,
 * each level held by at least MIN_GROUP_SIZE of them; in FEW_AHLI_UTAMA a few are Ahli Utama.
 */
function publishableLevels(librarians: number): LevelEntry[] {
  const random = seededRandom(20_190_201);
  const byProvince = new Map<string, number[]>();
  for (let index = 0; index < librarians; index += 1) {
    const code = librarianProvince(index);
    const indexes = byProvince.get(code) ?? [];
    indexes.push(index);
    byProvince.set(code, indexes);
  }
  const levels: LevelEntry[] = [];
  for (const [code, indexes] of byProvince) {
    const few = Math.min(FEW_AHLI_UTAMA[code] ?? 0, Math.max(0, indexes.length - MIN_GROUP_SIZE));
    const held = indexes.length - few;
    const wanted = held >= 60 ? 5 : held >= 24 ? 4 : 3;
    const chosen = drawLevels(
      random,
      Math.max(1, Math.min(wanted, Math.floor(held / MIN_GROUP_SIZE))),
    );
    const counts = split(
      held,
      chosen.map((entry) => entry.weight * (0.5 + random())),
      Math.min(MIN_GROUP_SIZE, Math.floor(held / chosen.length)),
    );
    const pool = chosen.flatMap((entry, index) => Array<LevelEntry>(counts[index]!).fill(entry));
    pool.push(...Array<LevelEntry>(few).fill(AHLI_UTAMA));
    for (let index = pool.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [pool[index], pool[other]] = [pool[other]!, pool[index]!];
    }
    indexes.forEach((librarian, position) => (levels[librarian] = pool[position]!));
  }
  return levels;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/**
 * A valid NIP (decision 28): birth date, appointment as CPNS at 19 to 25, sex, serial. The
 * serial (001–999) and the appointment's month and year are derived from the index, so every
 * NIP is unique, and no appointment is later than 2024 (the large seed's 20,000 librarians);
 * as many draws as before, so the rest of the seed is unchanged.
 */
function nip(index: number, random: () => number): string {
  const birthYear = 1965 + Math.floor(random() * 35);
  const birthMonth = 1 + Math.floor(random() * 12);
  const birthDay = 1 + Math.floor(random() * 28);
  const block = Math.floor(index / 999);
  const appointmentYear = birthYear + 19 + (birthDay % 6) + Math.floor(block / 12);
  return composeNip({
    birthDate: `${birthYear}-${pad(birthMonth, 2)}-${pad(birthDay, 2)}`,
    appointment: `${appointmentYear}-${pad(1 + (block % 12), 2)}`,
    sex: random() < 0.6 ? 2 : 1,
    serial: 1 + (index % 999),
  });
}

/** `[id, nip, name, category, level, grade, employer, province_code]` for each librarian. */
export function librarianRows(plan: ScalePlan): unknown[][] {
  const random = seededRandom(20_190_131);
  const levels = plan.layout === 'publishable' ? publishableLevels(plan.librarians) : null;
  return Array.from({ length: plan.librarians }, (_, index) => {
    const provinceCode = librarianProvince(index);
    const level = levels ? levels[index]! : pickLevel(random);
    const name = `${pick(random, GIVEN_NAMES)} ${pick(random, FAMILY_NAMES)}`;
    const employer = `${pick(random, EMPLOYERS)} (${provinceCode})`;
    return [
      librarianId(index),
      nip(index, random),
      name,
      level.category,
      level.level,
      level.grade,
      employer,
      provinceCode,
    ];
  });
}

/**
 * `[number, scheme_code, librarian_id, result, assessed_on, issued_on, expires_on, revoked_on,
 * revocation_reason, run_id]`: about 85% competent, 1% of certificates revoked, a third of them
 * prepared by a program run.
 */
export function certificationRows(plan: ScalePlan): unknown[][] {
  const random = seededRandom(20_220_309);
  return Array.from({ length: plan.certifications }, (_, index) => {
    const librarian = (index * 7919) % plan.librarians;
    const year = 2019 + Math.floor(random() * 8);
    const assessedOn = `${year}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`;
    const competent = random() < 0.85;
    const issuedOn = competent ? assessedOn : null;
    const expiresOn = issuedOn ? addYears(issuedOn, 3) : null;
    const revoked = competent && random() < 0.01;
    return [
      `LSP-PUS/${year}/${pad(index + 1, 6)}`,
      SCHEMES[index % SCHEMES.length]!.code,
      librarianId(librarian),
      competent ? 'COMPETENT' : 'NOT_YET_COMPETENT',
      assessedOn,
      issuedOn,
      expiresOn,
      revoked ? addYears(assessedOn, 1) : null,
      revoked ? 'Dokumen persyaratan tidak sah' : null,
      index % 3 === 0 ? runId(index % plan.runs) : null,
    ];
  });
}
