/**
 * Facts and sizes shared by the seeds of several services. Each service seeds only its own
 * tables; this module only makes them agree on the ids of what they reference.
 */
import { stableId } from './ids';
import { provinces } from './provinces';

export type Scale = 'small' | 'large';

export interface ScalePlan {
  librarians: number;
  /** Programs generated on top of the real catalogue. */
  extraPrograms: number;
  runs: number;
  enrolments: number;
  certifications: number;
  /**
   * `random`: every librarian's level and every run's office drawn on its own, so that many
   * groups are smaller than MIN_GROUP_SIZE (the large seed, whose data the tests depend on).
   * `publishable`: each province's librarians on a few levels of at least MIN_GROUP_SIZE, runs
   * in every office, and a few small groups that show withheld figures (what `npm start` loads).
   */
  layout: 'random' | 'publishable';
}

export const SCALE_PLANS: Record<Scale, ScalePlan> = {
  small: {
    librarians: 1_600,
    extraPrograms: 12,
    runs: 120,
    enrolments: 2_000,
    certifications: 1_200,
    layout: 'publishable',
  },
  large: {
    librarians: 20_000,
    extraPrograms: 292,
    runs: 5_000,
    enrolments: 100_000,
    certifications: 30_000,
    layout: 'random',
  },
};

export function parseScale(value: string | undefined): Scale {
  if (value === undefined || value === 'small' || value === 'large') return value ?? 'small';
  throw new Error(`--scale must be small or large, got "${value}"`);
}

/** The 2019 MoU between Kemendagri and Perpusnas. */
export const MOU_ID = stableId('agreement', 'mou-2019-kemendagri-perpusnas');
/** The 2022 PKS between Perpusnas and BPSDM Kemendagri that carries the MoU out. */
export const PKS_ID = stableId('agreement', 'pks-2022-perpusnas-bpsdm');

/** Provinces whose BPSDM signed an (illustrative) PKS with Perpusnas in the seed. */
export function regionalAgreementProvinces(): string[] {
  return provinces()
    .slice(0, 6)
    .map((province) => province.code);
}

export function regionalAgreementId(provinceCode: string): string {
  return stableId('agreement', `pks-regional-${provinceCode}`);
}

/**
 * The agreement a program implements: the real catalogue and two thirds of the generated
 * programs carry out the national PKS, the rest one of the regional PKS.
 */
export function programAgreementId(programIndex: number): string {
  const generated = programIndex - PROGRAM_CATALOGUE.length;
  if (generated < 0 || generated % 3 !== 2) return PKS_ID;
  const codes = regionalAgreementProvinces();
  return regionalAgreementId(codes[Math.floor(generated / 3) % codes.length]!);
}

export interface CatalogueModule {
  title: string;
  lessonHours: number;
}

export interface CatalogueProgram {
  code: string;
  title: string;
  description: string;
  scope:
    'COMPETENCY_DEVELOPMENT' | 'FACILITIES' | 'COMPETENCY_CERTIFICATION' | 'INFORMATION_TECHNOLOGY';
  mode: 'CLASSROOM' | 'ONLINE' | 'BLENDED';
  targetLevel: string | null;
  modules: CatalogueModule[];
}

export function programId(code: string): string {
  return stableId('program', code);
}

export function lessonHoursOf(program: Pick<CatalogueProgram, 'modules'>): number {
  return program.modules.reduce((sum, module) => sum + module.lessonHours, 0);
}

/**
 * The real kinds of training of the cooperation. The functional training for Ahli Pertama
 * (628 JP, about three months) and the digital-collection course (72 JP) have their published
 * lengths; the split into modules is illustrative.
 */
export const PROGRAM_CATALOGUE: CatalogueProgram[] = [
  {
    code: 'PF-AP',
    title: 'Pelatihan Fungsional Pustakawan Ahli Pertama',
    description:
      'Functional training for civil servants appointed to the first expert level of the librarian position (about three months).',
    scope: 'COMPETENCY_DEVELOPMENT',
    mode: 'BLENDED',
    targetLevel: 'AHLI_PERTAMA',
    modules: [
      { title: 'Kebijakan Nasional Perpustakaan', lessonHours: 40 },
      { title: 'Pengembangan Koleksi', lessonHours: 120 },
      { title: 'Pengolahan Bahan Perpustakaan', lessonHours: 160 },
      { title: 'Layanan Perpustakaan', lessonHours: 120 },
      { title: 'Teknologi Informasi Perpustakaan', lessonHours: 88 },
      { title: 'Magang dan Kertas Kerja', lessonHours: 100 },
    ],
  },
  {
    code: 'PF-TER',
    title: 'Pelatihan Fungsional Pustakawan Terampil',
    description: 'Functional training for the skilled track (Pustakawan Terampil).',
    scope: 'COMPETENCY_DEVELOPMENT',
    mode: 'BLENDED',
    targetLevel: 'TERAMPIL',
    modules: [
      { title: 'Dasar-dasar Kepustakawanan', lessonHours: 60 },
      { title: 'Pengolahan Bahan Perpustakaan', lessonHours: 120 },
      { title: 'Layanan Pemustaka', lessonHours: 100 },
      { title: 'Praktik Kerja', lessonHours: 80 },
    ],
  },
  {
    code: 'KOL-DIG',
    title: 'Pelatihan Pengelolaan Koleksi Digital',
    description: 'Building, describing and preserving digital collections.',
    scope: 'INFORMATION_TECHNOLOGY',
    mode: 'ONLINE',
    targetLevel: null,
    modules: [
      { title: 'Digitalisasi Bahan Perpustakaan', lessonHours: 24 },
      { title: 'Metadata dan Repositori', lessonHours: 24 },
      { title: 'Pelestarian Digital', lessonHours: 24 },
    ],
  },
  {
    code: 'OTM-INLIS',
    title: 'Pelatihan Otomasi Perpustakaan dengan INLIS Lite',
    description:
      "Running a library's catalogue and circulation on INLIS Lite, Perpusnas's library software.",
    scope: 'INFORMATION_TECHNOLOGY',
    mode: 'CLASSROOM',
    targetLevel: null,
    modules: [
      { title: 'Instalasi dan Konfigurasi', lessonHours: 12 },
      { title: 'Katalogisasi', lessonHours: 18 },
      { title: 'Sirkulasi dan Keanggotaan', lessonHours: 18 },
    ],
  },
  {
    code: 'UKOM-PREP',
    title: 'Bimbingan Teknis Persiapan Uji Kompetensi Pustakawan',
    description: 'Preparation for the competency test (uji kompetensi) of LSP Pustakawan.',
    scope: 'COMPETENCY_CERTIFICATION',
    mode: 'BLENDED',
    targetLevel: null,
    modules: [
      { title: 'Skema dan Unit Kompetensi', lessonHours: 8 },
      { title: 'Portofolio Asesi', lessonHours: 12 },
      { title: 'Simulasi Uji Kompetensi', lessonHours: 20 },
    ],
  },
  {
    code: 'ASESOR',
    title: 'Pelatihan Asesor Kompetensi Bidang Perpustakaan',
    description: 'Training of competency assessors (asesor) for the library field.',
    scope: 'COMPETENCY_CERTIFICATION',
    mode: 'CLASSROOM',
    targetLevel: 'AHLI_MUDA',
    modules: [
      { title: 'Metodologi Asesmen', lessonHours: 24 },
      { title: 'Perangkat Asesmen', lessonHours: 16 },
      { title: 'Praktik Asesmen', lessonHours: 16 },
    ],
  },
  {
    code: 'SARPRAS',
    title: 'Bimbingan Teknis Pengelolaan Sarana dan Prasarana Perpustakaan',
    description:
      'Planning and managing library buildings, rooms and equipment (sarana dan prasarana).',
    scope: 'FACILITIES',
    mode: 'CLASSROOM',
    targetLevel: null,
    modules: [
      { title: 'Standar Sarana dan Prasarana', lessonHours: 12 },
      { title: 'Tata Ruang Perpustakaan', lessonHours: 12 },
    ],
  },
  {
    code: 'TPBIS',
    title: 'Pelatihan Transformasi Perpustakaan Berbasis Inklusi Sosial',
    description: 'Turning libraries into community learning centres (inklusi sosial).',
    scope: 'COMPETENCY_DEVELOPMENT',
    mode: 'BLENDED',
    targetLevel: null,
    modules: [
      { title: 'Konsep Inklusi Sosial', lessonHours: 8 },
      { title: 'Pelibatan Masyarakat', lessonHours: 12 },
      { title: 'Advokasi dan Kemitraan', lessonHours: 12 },
    ],
  },
];

/** Programs generated on top of the catalogue (varied titles, realistic hours). */
export function generatedProgram(index: number): CatalogueProgram {
  const base = PROGRAM_CATALOGUE[index % PROGRAM_CATALOGUE.length]!;
  const year = 2023 + (index % 3);
  const hours = [20, 24, 32, 40, 48, 72][index % 6]!;
  return {
    ...base,
    code: `${base.code}-${String(index + 1).padStart(3, '0')}`,
    title: `${base.title} Tematik ${index + 1} (${year})`,
    targetLevel: null,
    modules: [
      { title: 'Materi Inti', lessonHours: hours - 8 },
      { title: 'Evaluasi', lessonHours: 8 },
    ],
  };
}

export function allPrograms(plan: ScalePlan): CatalogueProgram[] {
  const generated = Array.from({ length: plan.extraPrograms }, (_, i) => generatedProgram(i));
  return [...PROGRAM_CATALOGUE, ...generated];
}

export function librarianId(index: number): string {
  return stableId('librarian', index);
}

/**
 * The province of the librarian with this index: spread over all 38 provinces, denser in the
 * populous ones of Java, deterministic so that every service places a librarian alike.
 */
export function librarianProvince(index: number): string {
  const all = provinces();
  const java = ['31', '32', '33', '34', '35', '36'];
  if (index % 4 === 0) return java[(index >> 2) % java.length]!;
  return all[index % all.length]!.code;
}

export function runId(index: number): string {
  return stableId('run', index);
}

export function officeId(provinceCode: string): string {
  return stableId('regional-office', provinceCode);
}

export const FACILITY_IDS = {
  salembaClassroom: stableId('facility', 'salemba-classroom'),
  salembaComputerLab: stableId('facility', 'salemba-computer-lab'),
  salembaDormitory: stableId('facility', 'salemba-dormitory'),
  merdekaTestSite: stableId('facility', 'merdeka-test-site'),
  merdekaDigitalStudio: stableId('facility', 'merdeka-digital-studio'),
  merdekaAuditorium: stableId('facility', 'merdeka-auditorium'),
};

/**
 * The national IT services of Perpusnas (scope 4), by the code the library subgraph keys them
 * on. bpsdm-central names them on its IT programs; both seeds agree on the codes through this.
 */
export const IT_INITIATIVE_CODES = [
  'INLISLITE',
  'ONESEARCH',
  'IPUSNAS',
  'E_RESOURCES',
  'KHASTARA',
] as const;

/**
 * The initiative a seeded program teaches, by its catalogue code: INLISLite courses teach
 * INLISLITE; the digital-collection course teaches KHASTARA, and its generated variants go
 * round the other digital services, so every initiative has programs. Programs of other
 * scopes teach none.
 */
export function programInitiativeCode(program: Pick<CatalogueProgram, 'code' | 'scope'>) {
  if (program.scope !== 'INFORMATION_TECHNOLOGY') return null;
  if (program.code.startsWith('OTM-INLIS')) return 'INLISLITE';
  const variant = /-(\d+)$/.exec(program.code);
  if (!variant) return 'KHASTARA';
  const digital = IT_INITIATIVE_CODES.filter((code) => code !== 'INLISLITE');
  const round = Math.floor(Number(variant[1]) / PROGRAM_CATALOGUE.length);
  return digital[round % digital.length]!;
}
