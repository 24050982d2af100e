import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization as `kubectl kustomize` does, for the few features deploy/kubernetes
 * uses (resources, namespace, images, JSON 6902 patches), so CI can check the manifests with no
 * kustomize binary. Any other field is refused rather than rendered wrongly; the test compares
 * the result with `kubectl kustomize` where that is installed.
 */

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: { kind?: string; name?: string }; patch: string }[];
}

type PatchOperation =
  { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
/** Kinds that live outside any namespace (of those this project could use). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

export function renderKustomization(dir: string): Manifest[] {
  const kustomization = parse(
    fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'),
  ) as Kustomization;
  const unsupported = Object.keys(kustomization).filter((field) => !SUPPORTED.has(field));
  if (unsupported.length > 0) {
    throw new Error(`${dir}: kustomization fields this renderer does not know: ${unsupported}`);
  }
  let manifests = (kustomization.resources ?? []).flatMap((resource) => {
    const target = path.join(dir, resource);
    return fs.statSync(target).isDirectory() ? renderKustomization(target) : readManifests(target);
  });
  for (const { target, patch } of kustomization.patches ?? []) {
    const operations = parse(patch) as PatchOperation[];
    const matching = manifests.filter(
      (manifest) =>
        (!target.kind || manifest.kind === target.kind) &&
        (!target.name || manifest.metadata.name === target.name),
    );
    if (matching.length === 0) throw new Error(`${dir}: a patch matches nothing: ${target}`);
    manifests = manifests.map((manifest) =>
      matching.includes(manifest) ? applyJsonPatch(manifest, operations) : manifest,
    );
  }
  for (const image of kustomization.images ?? []) {
    manifests = manifests.map((manifest) => withImage(manifest, image));
  }
  if (kustomization.namespace) {
    const namespace = kustomization.namespace;
    manifests = manifests.map((manifest) =>
      CLUSTER_SCOPED.has(manifest.kind)
        ? manifest
        : { ...manifest, metadata: { ...manifest.metadata, namespace } },
    );
  }
  return manifests;
}

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** RFC 6902 add, replace and remove, on a copy. */
export function applyJsonPatch<T>(document: T, operations: PatchOperation[]): T {
  const copy = structuredClone(document);
  for (const operation of operations) {
    const keys = operation.path
      .split('/')
      .slice(1)
      .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop();
    let parent: unknown = copy;
    for (const key of keys) parent = (parent as Record<string, unknown>)[key];
    if (typeof parent !== 'object' || parent === null || last === undefined) {
      throw new Error(`patch path ${operation.path} does not exist`);
    }
    const container = parent as Record<string, unknown> & unknown[];
    const exists = Array.isArray(container) ? Number(last) < container.length : last in container;
    if (operation.op !== 'add' && !exists) {
      throw new Error(`patch path ${operation.path} does not exist`);
    }
    if (operation.op === 'remove') {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else if (Array.isArray(container) && operation.op === 'add') {
      container.splice(last === '-' ? container.length : Number(last), 0, operation.value);
    } else {
      container[last as never] = operation.value as never;
    }
  }
  return copy;
}

function withImage(
  manifest: Manifest,
  image: { name: string; newName?: string; newTag?: string },
): Manifest {
  const podSpec = (manifest.spec as { template?: { spec?: Record<string, unknown> } } | undefined)
    ?.template?.spec;
  if (!podSpec) return manifest;
  const copy = structuredClone(manifest);
  const copySpec = (copy.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  for (const list of ['initContainers', 'containers']) {
    for (const container of (copySpec[list] as { image?: string }[] | undefined) ?? []) {
      const [name, tag] = (container.image ?? '').split(':');
      if (name !== image.name) continue;
      container.image = `${image.newName ?? name}${image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }
  return copy;
}
