import {
  addYears,
  librarianId,
  librarianProvince,
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
const LEVELS: { level: string; category: 'SKILLED' | 'EXPERT'; grade: string; weight: number }[] = [
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

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/**
 * NIP layout: birth date (8) + appointment year and month (6) + sex (1) + sequence (3). The
 * appointment month and sequence are derived from the index so every NIP is unique.
 */
function nip(index: number, random: () => number): string {
  const birthYear = 1965 + Math.floor(random() * 35);
  const birth = `${birthYear}${pad(1 + Math.floor(random() * 12), 2)}${pad(1 + Math.floor(random() * 28), 2)}`;
  const block = Math.floor(index / 1000);
  const appointment = `${birthYear + 23 + (block % 10)}${pad(1 + (block % 12), 2)}`;
  const sex = random() < 0.6 ? 2 : 1;
  return `${birth}${appointment}${sex}${pad(index % 1000, 3)}`;
}

/** `[id, nip, name, category, level, grade, employer, province_code]` for each librarian. */
export function librarianRows(plan: ScalePlan): unknown[][] {
  const random = seededRandom(20_190_131);
  return Array.from({ length: plan.librarians }, (_, index) => {
    const provinceCode = librarianProvince(index);
    const level = pickLevel(random);
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
