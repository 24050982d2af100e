import {
  FACILITY_IDS,
  MOU_ID,
  PKS_ID,
  provinces,
  regionalAgreementId,
  regionalAgreementProvinces,
} from '@coop/common';

const ALL_SCOPES = [
  'COMPETENCY_DEVELOPMENT',
  'FACILITIES',
  'COMPETENCY_CERTIFICATION',
  'INFORMATION_TECHNOLOGY',
];

const PERPUSNAS = 'Perpustakaan Nasional Republik Indonesia';
const PERPUSNAS_ADDRESS = 'Jl. Medan Merdeka Selatan No. 11, Jakarta Pusat';
const SALEMBA_ADDRESS = 'Jl. Salemba Raya No. 28A, Jakarta Pusat';

export interface AgreementFact {
  id: string;
  kind: 'MOU' | 'PKS';
  title: string;
  parentId: string | null;
  signedOn: string;
  place: string | null;
  validFrom: string;
  validUntil: string | null;
  state: 'DRAFT' | 'SIGNED' | 'TERMINATED';
  scopes: string[];
  parties: {
    role: 'FIRST' | 'SECOND';
    organization: string;
    documentNumber: string | null;
    signatoryName: string | null;
    signatoryPosition: string | null;
    provinceCode: string | null;
  }[];
}

/**
 * The MoU of 31 January 2019 and the PKS of 9 March 2022, as reported publicly. Their validity
 * periods are not public: five years each is assumed.
 */
export const AGREEMENTS: AgreementFact[] = [
  {
    id: MOU_ID,
    kind: 'MOU',
    title:
      'Nota Kesepahaman antara Kementerian Dalam Negeri dan Perpustakaan Nasional Republik Indonesia tentang Pengembangan Perpustakaan dan Pembudayaan Kegemaran Membaca',
    parentId: null,
    signedOn: '2019-01-31',
    place: 'Jakarta',
    validFrom: '2019-01-31',
    validUntil: '2024-01-30',
    state: 'SIGNED',
    scopes: ALL_SCOPES,
    parties: [
      {
        role: 'FIRST',
        organization: 'Kementerian Dalam Negeri Republik Indonesia',
        documentNumber: null,
        signatoryName: 'Tjahjo Kumolo',
        signatoryPosition: 'Menteri Dalam Negeri',
        provinceCode: null,
      },
      {
        role: 'SECOND',
        organization: PERPUSNAS,
        documentNumber: null,
        signatoryName: 'Muhammad Syarif Bando',
        signatoryPosition: 'Kepala Perpustakaan Nasional',
        provinceCode: null,
      },
    ],
  },
  {
    id: PKS_ID,
    kind: 'PKS',
    title:
      'Perjanjian Kerja Sama antara Perpustakaan Nasional Republik Indonesia dan Badan Pengembangan Sumber Daya Manusia Kementerian Dalam Negeri tentang Pengembangan Kompetensi Sumber Daya Manusia Perpustakaan',
    parentId: MOU_ID,
    signedOn: '2022-03-09',
    place: 'Gedung Layanan Perpustakaan Nasional, Jalan Medan Merdeka Selatan, Jakarta',
    validFrom: '2022-03-09',
    validUntil: '2027-03-08',
    state: 'SIGNED',
    scopes: ALL_SCOPES,
    parties: [
      {
        role: 'FIRST',
        organization: PERPUSNAS,
        documentNumber: null,
        signatoryName: 'Ofy Sofiana',
        signatoryPosition: 'Sekretaris Utama Perpustakaan Nasional',
        provinceCode: null,
      },
      {
        role: 'SECOND',
        organization: 'Badan Pengembangan Sumber Daya Manusia Kementerian Dalam Negeri',
        documentNumber: null,
        signatoryName: 'Sugeng Hariyono',
        signatoryPosition: 'Kepala BPSDM Kementerian Dalam Negeri',
        provinceCode: null,
      },
    ],
  },
];

/**
 * Illustrative PKS between Perpusnas and a provincial BPSDM, the follow-up the 2022 PKS
 * foresees (not real documents).
 */
export function regionalAgreements(): AgreementFact[] {
  const codes = regionalAgreementProvinces();
  return provinces()
    .filter((province) => codes.includes(province.code))
    .map((province, index) => {
      const year = 2023 + (index % 3);
      const signedOn = `${year}-0${1 + (index % 9)}-1${index % 10}`;
      return {
        id: regionalAgreementId(province.code),
        kind: 'PKS' as const,
        title: `Perjanjian Kerja Sama antara Perpustakaan Nasional Republik Indonesia dan BPSDM Provinsi ${province.name} tentang Pengembangan Kompetensi Pustakawan`,
        parentId: MOU_ID,
        signedOn,
        place: province.capital,
        validFrom: signedOn,
        validUntil: `${year + 3}-${signedOn.slice(5)}`,
        state: index % 11 === 10 ? ('DRAFT' as const) : ('SIGNED' as const),
        scopes: index % 2 ? ['COMPETENCY_DEVELOPMENT', 'COMPETENCY_CERTIFICATION'] : ALL_SCOPES,
        parties: [
          {
            role: 'FIRST' as const,
            organization: PERPUSNAS,
            documentNumber: `${100 + index}/PKS/PERPUSNAS/${year}`,
            signatoryName: 'Ofy Sofiana',
            signatoryPosition: 'Sekretaris Utama Perpustakaan Nasional',
            provinceCode: null,
          },
          {
            role: 'SECOND' as const,
            organization: `BPSDM Provinsi ${province.name}`,
            documentNumber: `800/${200 + index}/BPSDM/${year}`,
            signatoryName: null,
            signatoryPosition: `Kepala BPSDM Provinsi ${province.name}`,
            provinceCode: province.code,
          },
        ],
      };
    });
}

export const SCHEMES = [
  {
    code: 'LP',
    name: 'Layanan Pemustaka',
    standard: 'SKKNI bidang Perpustakaan (Kepmenaker 236/2019)',
    units: [
      'Melakukan layanan sirkulasi',
      'Melakukan layanan referensi',
      'Melakukan penelusuran informasi',
      'Melakukan bimbingan pemustaka',
    ],
  },
  {
    code: 'PK',
    name: 'Pengembangan Koleksi',
    standard: 'SKKNI bidang Perpustakaan (Kepmenaker 236/2019)',
    units: [
      'Melakukan seleksi bahan perpustakaan',
      'Melakukan pengadaan bahan perpustakaan',
      'Melakukan penyiangan koleksi',
    ],
  },
  {
    code: 'PBP',
    name: 'Pengolahan Bahan Perpustakaan',
    standard: 'SKKNI bidang Perpustakaan (Kepmenaker 236/2019)',
    units: [
      'Melakukan katalogisasi deskriptif',
      'Menentukan tajuk subjek',
      'Melakukan klasifikasi bahan perpustakaan',
      'Melakukan pelestarian bahan perpustakaan',
    ],
  },
];

export const FACILITIES = [
  {
    id: FACILITY_IDS.salembaClassroom,
    name: 'Ruang Kelas Pusat Pendidikan dan Pelatihan Perpusnas',
    kind: 'CLASSROOM',
    capacity: 40,
    address: SALEMBA_ADDRESS,
  },
  {
    id: FACILITY_IDS.salembaComputerLab,
    name: 'Laboratorium Komputer Pusdiklat Perpusnas',
    kind: 'COMPUTER_LAB',
    capacity: 30,
    address: SALEMBA_ADDRESS,
  },
  {
    id: FACILITY_IDS.salembaDormitory,
    name: 'Asrama Diklat Perpusnas',
    kind: 'DORMITORY',
    capacity: 80,
    address: SALEMBA_ADDRESS,
  },
  {
    id: FACILITY_IDS.merdekaTestSite,
    name: 'Tempat Uji Kompetensi LSP Pustakawan',
    kind: 'TEST_SITE',
    capacity: 25,
    address: PERPUSNAS_ADDRESS,
  },
  {
    id: FACILITY_IDS.merdekaDigitalStudio,
    name: 'Studio Digital Perpustakaan Nasional',
    kind: 'DIGITAL_STUDIO',
    capacity: 10,
    address: PERPUSNAS_ADDRESS,
  },
  {
    id: FACILITY_IDS.merdekaAuditorium,
    name: 'Auditorium Gedung Layanan Perpustakaan Nasional',
    kind: 'AUDITORIUM',
    capacity: 300,
    address: PERPUSNAS_ADDRESS,
  },
];
