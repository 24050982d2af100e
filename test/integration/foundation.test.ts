import { SERVICES } from '@coop/common';
import { graphql, query, testStack } from '../support/stack';

interface ContractSlice {
  regionalOffices: { provinceCode: string; name: string }[];
  agreements: {
    totalCount: number;
    edges: { node: { title: string; kind: string; programs: { title: string }[] } }[];
  };
}

describe('the foundation, through the gateway', () => {
  it('answers the first contract query: 38 offices and the agreements with their programs', async () => {
    const data = await query<ContractSlice>(`{
      regionalOffices { provinceCode name }
      agreements(first: 5) { totalCount edges { node { title kind programs { title } } } }
    }`);
    expect(data.regionalOffices).toHaveLength(38);
    expect(data.regionalOffices).toContainEqual({
      provinceCode: '32',
      name: 'BPSDM Provinsi Jawa Barat',
    });
    expect(data.regionalOffices.map((office) => office.provinceCode)).toEqual(
      [...data.regionalOffices.map((office) => office.provinceCode)].sort(),
    );
    // The MoU, the national PKS and six illustrative regional PKS (other tests may add more).
    expect(data.agreements.totalCount).toBeGreaterThanOrEqual(8);
    expect(data.agreements.edges).toHaveLength(5);
  });

  it('joins an agreement with its programs and their runs across all three subgraphs', async () => {
    const data = await query<{
      agreements: {
        edges: {
          node: {
            title: string;
            status: string;
            parent: { title: string; status: string } | null;
            parties: { organization: string; signatory: { name: string; position: string } }[];
            programs: {
              title: string;
              lessonHours: number;
              runs: { totalCount: number; edges: { node: { office: { name: string } } }[] };
            }[];
          };
        }[];
      };
    }>(`{
      agreements(first: 20, filter: { kind: PKS, status: ACTIVE, scope: FACILITIES }) {
        edges { node {
          title status parent { title status }
          parties { organization signatory { name position } }
          programs { title lessonHours runs(first: 3) { totalCount edges { node { office { name } } } } }
        } }
      }
    }`);
    const pks = data.agreements.edges
      .map((edge) => edge.node)
      .find((node) =>
        node.title.includes('Badan Pengembangan Sumber Daya Manusia Kementerian Dalam Negeri'),
      );
    expect(pks).toBeDefined();
    expect(pks!.status).toBe('ACTIVE');
    expect(pks!.parent).toEqual({
      title: expect.stringContaining('Nota Kesepahaman') as unknown,
      status: 'EXPIRED',
    });
    expect(pks!.parties.map((party) => party.signatory.name)).toEqual([
      'Ofy Sofiana',
      'Sugeng Hariyono',
    ]);
    const functional = pks!.programs.find(
      (program) => program.title === 'Pelatihan Fungsional Pustakawan Ahli Pertama',
    );
    expect(functional?.lessonHours).toBe(628);
    const runs = pks!.programs.flatMap((program) => program.runs.edges);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.node.office.name).toMatch(/^BPSDM Provinsi /);
  });

  it('refuses a page larger than 100 with BAD_USER_INPUT', async () => {
    const result = await graphql(`
      {
        agreements(first: 500) {
          totalCount
        }
      }
    `);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toBe('first must be between 0 and 100, got 500');
  });

  it('answers null, not an error, for an id that does not exist or is malformed', async () => {
    const data = await query(`{
      missing: agreement(id: "00000000-0000-4000-8000-000000000000") { title }
      malformed: agreement(id: "not-a-uuid") { title }
    }`);
    expect(data).toEqual({ missing: null, malformed: null });
  });
});

describe('services', () => {
  it.each(SERVICES.map((service) => service.name))(
    '%s reports its health and its database',
    async (name) => {
      const response = await fetch(`${testStack().subgraphUrls[name]}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ service: name, status: 'ok', database: 'up' });
    },
  );

  it('the gateway reports every subgraph up', async () => {
    const response = await fetch(testStack().gatewayUrl.replace(/graphql$/, 'health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      service: 'gateway',
      status: 'ok',
      cache: 'ok',
      subgraphs: { library: 'up', 'bpsdm-central': 'up', 'bpsdm-regional': 'up' },
    });
  });

  it('serves the explorer at / with no script or style from another host', async () => {
    const response = await fetch(testStack().gatewayUrl.replace(/graphql$/, ''));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).toContain('"endpoint":"/graphql"');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
  });
});
