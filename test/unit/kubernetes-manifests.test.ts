import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { GATEWAY_DEFAULT_PORT, SERVICES } from '@coop/common/config';
import { renderKustomization, type Manifest } from '../../scripts/lib/kustomize';
import {
  getRoutes,
  readSource,
  ROOT,
  subgraphsCalledBy,
  variablesTheCodeReads,
} from '../support/code-variables';

/**
 * deploy/kubernetes, checked offline: rendered as kustomize does, validated against the
 * Kubernetes schemas (scripts/validate-kubernetes.mts), and checked against the code: probes on
 * routes the services serve, variables they read, the services they call.
 */

const KUSTOMIZATIONS = ['deploy/kubernetes/base', 'deploy/kubernetes/overlays/production'];
const rendered = Object.fromEntries(
  KUSTOMIZATIONS.map((dir) => [dir, renderKustomization(path.join(ROOT, dir))]),
);
const production = rendered['deploy/kubernetes/overlays/production']!;
const appNames = ['gateway', ...SERVICES.map((service) => service.name)];
const portOf = (name: string) =>
  name === 'gateway'
    ? GATEWAY_DEFAULT_PORT
    : SERVICES.find((service) => service.name === name)!.defaultPort;

/** Each manifest's problems, from one run of the validator over all of them (a few seconds). */
function validate(manifests: unknown[]): string[][] {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts/validate-kubernetes.mts')],
    { cwd: ROOT, input: JSON.stringify(manifests), encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return JSON.parse(output) as string[][];
}

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
type Spec = Record<string, unknown>;

const find = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
const specOf = (manifest: Manifest | undefined) => (manifest?.spec ?? {}) as Spec;
const containerOf = (manifests: Manifest[], name: string): Container | undefined =>
  (
    specOf(find(manifests, 'Deployment', name)).template as
      { spec: { containers: Container[] } } | undefined
  )?.spec.containers.find((container) => container.name === name);
const podLabels = (manifests: Manifest[], name: string) =>
  (specOf(find(manifests, 'Deployment', name)).template as { metadata: Manifest['metadata'] })
    .metadata.labels;

/** The routes each service's server answers, from its source. */
const routes = {
  gateway: getRoutes('gateway/server.ts'),
  subgraph: getRoutes('packages/common/src/subgraph-server.ts'),
};

/** Problems of the probes: each on a route its server answers, on its own port. */
function probeProblems(manifests: Manifest[]): string[] {
  return appNames.flatMap((name) => {
    const container = containerOf(manifests, name);
    if (!container) return [`${name}: no Deployment with a container of that name`];
    const served = name === 'gateway' ? routes.gateway : routes.subgraph;
    const namedPorts = new Map(container.ports?.map((port) => [port.name, port.containerPort]));
    const expected = {
      // A subgraph is ready while its database answers; the gateway while it runs, because a
      // gateway out of the Service could not serve the partial answers of decision 8.
      readinessProbe: name === 'gateway' ? '/livez' : '/health',
      livenessProbe: '/livez',
      startupProbe: '/livez',
    };
    return Object.entries(expected).flatMap(([kind, expectedPath]) => {
      const probe = container[kind as keyof typeof expected]?.httpGet;
      const port = typeof probe?.port === 'string' ? namedPorts.get(probe.port) : probe?.port;
      return [
        ...(probe?.path && served.has(probe.path) ? [] : [`${name}: ${kind} on no route`]),
        ...(probe?.path === expectedPath ? [] : [`${name}: ${kind} should ask ${expectedPath}`]),
        ...(port === portOf(name) ? [] : [`${name}: ${kind} on port ${port}`]),
      ];
    });
  });
}

/** Problems of the variables: read by the code, from keys that exist, URLs that resolve. */
function environmentProblems(manifests: Manifest[]): string[] {
  const known = variablesTheCodeReads();
  const keysOf = (kind: string, name: string) => {
    const manifest = find(manifests, kind, name);
    return new Set(Object.keys({ ...(manifest?.data ?? {}), ...(manifest?.stringData ?? {}) }));
  };
  return appNames.flatMap((name) => {
    const env = containerOf(manifests, name)?.env ?? [];
    const byName = new Map(env.map((variable) => [variable.name, variable]));
    const problems = env.flatMap((variable) => {
      const from = variable.valueFrom;
      const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
      const kind = from?.secretKeyRef ? 'Secret' : 'ConfigMap';
      return [
        ...(known.has(variable.name) ? [] : [`${name}: the code reads no ${variable.name}`]),
        ...(!ref || keysOf(kind, ref.name).has(ref.key)
          ? []
          : [`${name}: ${variable.name} from a missing ${kind} key ${ref.name}/${ref.key}`]),
      ];
    });
    const service = SERVICES.find((candidate) => candidate.name === name);
    const portVariable = service?.portVariable ?? 'GATEWAY_PORT';
    if (byName.get(portVariable)?.value !== String(portOf(name))) {
      problems.push(`${name}: ${portVariable} is not ${portOf(name)}`);
    }
    const needs = [
      'SUBGRAPH_SECRET',
      'AUTH_JWKS_URL',
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
      ...(name === 'gateway' ? ['REDIS_URL'] : ['DATABASE_URL']),
    ];
    for (const variable of needs) {
      if (!byName.has(variable)) problems.push(`${name}: ${variable} is not set`);
    }
    // The gateway reaches every subgraph; a subgraph exactly those it asks (queryService).
    const calls = name === 'gateway' ? appNames.slice(1) : subgraphsCalledBy(name);
    const urlVariables = SERVICES.filter((callee) => byName.has(callee.urlVariable));
    if (
      urlVariables
        .map((callee) => callee.name)
        .sort()
        .join() !== [...calls].sort().join()
    ) {
      problems.push(`${name}: URLs of ${urlVariables.map((c) => c.name)}, calls ${calls}`);
    }
    for (const callee of urlVariables) {
      const url = new URL(byName.get(callee.urlVariable)?.value ?? 'missing:');
      const target = find(manifests, 'Service', url.hostname);
      const ports = (specOf(target).ports as { port: number }[] | undefined) ?? [];
      if (!ports.some((port) => port.port === Number(url.port)) || url.pathname !== '/graphql') {
        problems.push(`${name}: ${callee.urlVariable} ${url} is no Service's /graphql`);
      }
    }
    return problems;
  });
}

/** Who may reach each subgraph: the gateway and exactly the subgraphs that call it. */
function networkProblems(manifests: Manifest[]): string[] {
  const policies = manifests.filter((manifest) => manifest.kind === 'NetworkPolicy');
  const selects = (policy: Manifest, name: string) => {
    const selector = (specOf(policy).podSelector as { matchLabels?: Record<string, string> })
      ?.matchLabels;
    const labels = podLabels(manifests, name) ?? {};
    return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
  };
  interface Rule {
    from?: { podSelector?: { matchLabels?: Record<string, string> } }[];
    ports?: { port?: number }[];
  }
  const problems: string[] = [];
  for (const name of appNames) {
    const applying = policies.filter((policy) => selects(policy, name));
    const rules = applying.flatMap((policy) => (specOf(policy).ingress as Rule[]) ?? []);
    if (!applying.some((policy) => (specOf(policy).policyTypes as string[]).includes('Ingress'))) {
      problems.push(`${name}: no policy isolates its ingress`);
    }
    const open = rules.some((rule) => !rule.from);
    const allowed = rules.flatMap((rule) =>
      (rule.from ?? []).map((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name']),
    );
    const ports = rules.flatMap((rule) => (rule.ports ?? []).map((port) => port.port));
    if (name === 'gateway') {
      if (!open) problems.push('gateway: clients cannot reach it');
    } else {
      const callers = appNames.filter(
        (caller) => caller === 'gateway' || subgraphsCalledBy(caller).includes(name),
      );
      if (open || [...new Set(allowed)].sort().join() !== callers.sort().join()) {
        problems.push(`${name}: reachable from ${open ? 'anyone' : allowed}, called by ${callers}`);
      }
    }
    if (ports.some((port) => port !== portOf(name))) problems.push(`${name}: ports ${ports}`);
  }
  return problems;
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  // Where a kubectl with kustomize 5 is installed (Debian's 1.20 has an older one), it must agree.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const kustomizeMajor = Number(/Kustomize Version: v(\d+)/.exec(kubectl.stdout ?? '')?.[1] ?? 0);
  (kubectl.status === 0 && kustomizeMajor >= 5 ? it : it.skip).each(KUSTOMIZATIONS)(
    '%s renders as `kubectl kustomize` renders it',
    (dir) => {
      const output = execFileSync('kubectl', ['kustomize', path.join(ROOT, dir)], {
        encoding: 'utf8',
      });
      const theirs = parseAllDocuments(output).map((document) => document.toJS() as Manifest);
      const key = (manifest: Manifest) => `${manifest.kind}/${manifest.metadata.name}`;
      const byKey = (list: Manifest[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
      expect(byKey(rendered[dir]!)).toEqual(byKey(theirs));
    },
  );

  const all = Object.values(rendered).flat();
  // Broken on purpose: a misspelt field somewhere, and a value of the wrong type somewhere.
  const paths = (value: unknown, at: (string | number)[] = []): (string | number)[][] =>
    typeof value !== 'object' || value === null
      ? [at]
      : Object.entries(value).flatMap(([key, child]) => [
          [...at, Array.isArray(value) ? Number(key) : key],
          ...paths(child, [...at, Array.isArray(value) ? Number(key) : key]),
        ]);
  // Maps whose keys are anyone's choice: renaming a key there breaks no schema.
  const FREE_FORM = new Set(['labels', 'annotations', 'data', 'stringData', 'matchLabels']);
  const isFree = (at: (string | number)[]) =>
    at.some((key, index) => FREE_FORM.has(String(key)) && index < at.length - 1) ||
    (at[0] === 'spec' && at[1] === 'selector' && at.length > 2); // a Service's selector
  const mutants = fc.sample(
    fc
      .record({
        manifest: fc.nat(all.length - 1),
        pick: fc.nat(),
        kind: fc.constantFrom('misspell', 'wrong type'),
      })
      .map(({ manifest, pick, kind }) => {
        const candidatesIn = (copy: Record<string, unknown>) =>
          paths(copy).filter((at) => {
            if (at.length < 2 || isFree(at)) return false;
            const last = at[at.length - 1];
            const value = at.reduce<unknown>((node, key) => (node as never)[key], copy);
            return kind === 'misspell'
              ? typeof last === 'string' && !['apiVersion', 'kind'].includes(last)
              : typeof value !== 'object' && !(at[0] === 'metadata' && at[1] === 'name');
          });
        // A manifest with no field of that kind (a ConfigMap has no typed value): the next one.
        let copy = structuredClone(all[manifest]!) as Record<string, unknown>;
        let candidates = candidatesIn(copy);
        for (let next = 1; !candidates.length && next < all.length; next += 1) {
          copy = structuredClone(all[(manifest + next) % all.length]!) as Record<string, unknown>;
          candidates = candidatesIn(copy);
        }
        const at = candidates[pick % candidates.length]!;
        const parent = at
          .slice(0, -1)
          .reduce<Record<string | number, unknown>>((node, key) => node[key] as never, copy);
        const last = at[at.length - 1]!;
        if (kind === 'misspell') {
          parent[`${last}x`] = parent[last];
          delete parent[last];
        } else {
          parent[last] = { mutated: true };
        }
        return { label: `${kind} at ${copy.kind}/${at.join('.')}`, manifest: copy };
      }),
    { numRuns: 40, seed: 13 },
  );
  const results = validate([...all, ...mutants.map((mutant) => mutant.manifest)]);

  it('every rendered manifest is valid against the Kubernetes schemas', () => {
    const problems = all.flatMap((manifest, index) =>
      results[index]!.map((problem) => `${manifest.kind}/${manifest.metadata.name}: ${problem}`),
    );
    expect(problems).toEqual([]);
    expect(all.length).toBeGreaterThan(20);
  });

  it('refuses every manifest broken by a misspelt field or a value of the wrong type', () => {
    const accepted = mutants.filter((_, index) => results[all.length + index]!.length === 0);
    expect(accepted.map((mutant) => mutant.label)).toEqual([]);
    expect(new Set(mutants.map((mutant) => mutant.label.split(' at ')[0])).size).toBe(2);
  });

  it.each(KUSTOMIZATIONS)('%s: probes ask routes the services serve, on their ports', (dir) => {
    expect(probeProblems(rendered[dir]!)).toEqual([]);
  });

  it('a probe on a route nobody serves, or on another port, is found', () => {
    const broken = structuredClone(production);
    containerOf(broken, 'library')!.readinessProbe!.httpGet!.path = '/healthz';
    containerOf(broken, 'gateway')!.livenessProbe!.httpGet!.port = 4001;
    expect(probeProblems(broken)).toEqual([
      'gateway: livenessProbe on port 4001',
      'library: readinessProbe on no route',
      'library: readinessProbe should ask /health',
    ]);
  });

  it.each(KUSTOMIZATIONS)('%s: every variable is one the code reads, from a real key', (dir) => {
    expect(environmentProblems(rendered[dir]!)).toEqual([]);
  });

  it('a variable the code does not read, a missing key or a missing URL is found', () => {
    const broken = structuredClone(production);
    const library = containerOf(broken, 'library')!;
    library.env = library.env!.filter((variable) => variable.name !== 'BPSDM_REGIONAL_URL');
    library.env.push({ name: 'LIBRARY_DATABASE', value: 'x' });
    library.env.find((variable) => variable.name === 'DATABASE_URL')!.valueFrom!.secretKeyRef!.key =
      'DB_URL';
    expect(environmentProblems(broken)).toEqual([
      'library: DATABASE_URL from a missing Secret key coop-secrets/DB_URL',
      'library: the code reads no LIBRARY_DATABASE',
      'library: URLs of , calls bpsdm-regional',
    ]);
  });

  it('runs each service from the one image, with resources, an autoscaler and a budget', () => {
    const runner = (
      JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(readSource('Dockerfile'))![1]!) as string[]
    ).slice(0, -1);
    for (const name of appNames) {
      const container = containerOf(production, name)!;
      const entry = name === 'gateway' ? 'gateway/index.ts' : `services/${name}/index.ts`;
      expect({ name, command: container.command }).toEqual({ name, command: [...runner, entry] });
      expect(container.image).toBe('registry.example.go.id/perpusnas/bpsdm-graph:0.1.0');
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      const hpa = find(production, 'HorizontalPodAutoscaler', name);
      expect(hpa?.apiVersion).toBe('autoscaling/v2');
      expect(specOf(hpa).scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name,
      });
      expect(specOf(hpa).minReplicas).toBeGreaterThanOrEqual(2);
      const pdb = find(production, 'PodDisruptionBudget', name);
      expect(podLabels(production, name)).toMatchObject(
        (specOf(pdb).selector as { matchLabels: object }).matchLabels,
      );
      expect(podLabels(production, name)).toMatchObject(
        specOf(find(production, 'Service', name)).selector as object,
      );
    }
  });

  it('publishes only the gateway', () => {
    const published = production
      .filter((manifest) => manifest.kind === 'Service')
      .filter((service) => (specOf(service).type ?? 'ClusterIP') !== 'ClusterIP')
      .map((service) => service.metadata.name);
    expect(published).toEqual(['gateway']);
    expect(production.filter((manifest) => manifest.kind === 'Ingress')).toEqual([]);
  });

  it('lets only the gateway, and the subgraphs that ask the owner, reach a subgraph', () => {
    for (const dir of KUSTOMIZATIONS) expect(networkProblems(rendered[dir]!)).toEqual([]);
    expect(subgraphsCalledBy('bpsdm-regional')).toEqual(['bpsdm-central', 'library']);
  });

  it('finds a policy that lets a subgraph be reached by a service that never calls it', () => {
    const broken = structuredClone(production);
    const policy = find(broken, 'NetworkPolicy', 'bpsdm-central-ingress')!;
    (specOf(policy).ingress as { from: object[] }[])[0]!.from.push({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'library' } },
    });
    expect(networkProblems(broken)).toEqual([
      'bpsdm-central: reachable from gateway,bpsdm-regional,library, called by bpsdm-regional,gateway',
    ]);
  });

  it('keeps real secrets out of the repository', () => {
    const secrets = all.filter((manifest) => manifest.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const value of Object.values(secret.stringData as Record<string, string>)) {
        expect(value).toContain('CHANGE-ME');
      }
      expect(secret.data).toBeUndefined();
    }
  });
});
