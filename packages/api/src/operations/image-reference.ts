import { InvalidParameterError } from '@dockline/core';

/**
 * Image references as the docker CLI, the Go client and the kubelet read them
 * (github.com/distribution/reference): `[domain[:port]/]path[:tag][@digest]`, with Docker
 * Hub's normalization (`busybox` is `docker.io/library/busybox`).
 */

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ID_64 = /^[a-f0-9]{64}$/;
const NAME_TOTAL_MAX = 255;

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

export interface ImageReference {
  /** Registry host[:port]: "docker.io", "127.0.0.1:5000", "ghcr.io". */
  domain: string;
  /** Repository path inside the registry: "library/busybox", "team/app". */
  path: string;
  tag: string | undefined;
  /** "sha256:..." */
  digest: string | undefined;
  /** domain/path: "docker.io/library/busybox". */
  name: string;
  /** The short form the docker CLI prints and `fromImage` takes: "busybox", "127.0.0.1:5000/team/app". */
  familiarName: string;
  /** The full normalized form: name[:tag][@digest]. */
  toString(): string;
}

/** A parse failure: not a valid image reference. */
export class InvalidReferenceError extends InvalidParameterError {
  override name = 'InvalidReferenceError';
}

/** Reference.Parse: the grammar only, no Docker Hub normalization (domain "" when absent). */
export function parseReference(ref: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const m = REFERENCE.exec(ref);
  if (!m) throw new InvalidReferenceError(`invalid reference format: ${JSON.stringify(ref)}`);
  const name = m[1]!;
  if (name.length > NAME_TOTAL_MAX) throw new InvalidReferenceError(`repository name must not be more than ${NAME_TOTAL_MAX} characters: ${JSON.stringify(ref)}`);
  return { name, tag: m[2], digest: m[3] };
}

/**
 * ParseNormalizedNamed: `busybox` -> docker.io/library/busybox, `team/app:v1` ->
 * docker.io/team/app:v1, `127.0.0.1:5000/x/y:tag` keeps its registry. A 64-hex string (an
 * image id) is refused, as the Go code does.
 */
export function parseNormalizedReference(ref: string): ImageReference {
  if (ID_64.test(ref)) throw new InvalidReferenceError(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  let domain: string;
  let remainder: string;
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = ref;
  } else {
    domain = first;
    remainder = ref.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  const colon = remainder.indexOf(':');
  const at = remainder.indexOf('@');
  const cut = [colon, at].filter((i) => i !== -1);
  const remoteName = cut.length ? remainder.slice(0, Math.min(...cut)) : remainder;
  if (remoteName.toLowerCase() !== remoteName) throw new InvalidReferenceError(`invalid reference format: repository name must be lowercase: ${JSON.stringify(ref)}`);
  const parsed = parseReference(`${domain}/${remainder}`);
  const name = parsed.name;
  const path = name.slice(domain.length + 1);
  let familiarName = name;
  if (domain === DEFAULT_DOMAIN) {
    familiarName = path;
    if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
      familiarName = path.slice(OFFICIAL_REPO_PREFIX.length);
    }
  }
  const { tag, digest } = parsed;
  return {
    domain,
    path,
    tag,
    digest,
    name,
    familiarName,
    toString: () => `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`,
  };
}

/**
 * The query of POST /images/create for a pull, as the Go client's ImagePull builds it:
 * `fromImage` is the familiar name, `tag` the digest when there is one, else the tag, else
 * "latest" (never empty: an empty tag would pull every tag of the repository).
 */
export function pullQuery(ref: ImageReference): { fromImage: string; tag: string } {
  return { fromImage: ref.familiarName, tag: ref.digest ?? ref.tag ?? 'latest' };
}

/** The normalized reference with "latest" filled in when it has neither tag nor digest. */
export function withDefaultTag(ref: ImageReference): string {
  return ref.tag === undefined && ref.digest === undefined ? `${ref.name}:latest` : ref.toString();
}

/** A "sha256:<hex>" style digest split in two, or undefined. */
function splitDigest(d: string): { algorithm: string; hex: string } | undefined {
  const i = d.indexOf(':');
  if (i <= 0) return undefined;
  return { algorithm: d.slice(0, i), hex: d.slice(i + 1).toLowerCase() };
}

function sameDigest(a: string, b: string): boolean {
  const x = splitDigest(a);
  const y = splitDigest(b);
  return x !== undefined && y !== undefined && x.algorithm === y.algorithm && x.hex === y.hex;
}

/** What inspectImageByRef / inspectImageByID look at in the daemon's answer. */
export interface InspectedImageIds {
  Id?: string | undefined;
  RepoTags?: readonly string[] | null | undefined;
  RepoDigests?: readonly string[] | null | undefined;
}

/**
 * The kubelet's matchImageTagOrSHA: does the image the daemon found for `image` really
 * answer to that reference? A name without tag or digest matches; a tag must appear in
 * RepoTags (suffix match either way, or equal once both are normalized); a digest must be
 * one of RepoDigests' or the image id. An id ("sha256:...") is not a reference: no match.
 */
export function matchImageTagOrSHA(inspected: InspectedImageIds, image: string): boolean {
  let named: ImageReference;
  try {
    named = parseNormalizedReference(image);
  } catch {
    return false;
  }
  if (named.tag === undefined && named.digest === undefined) return true;
  if (named.tag !== undefined) {
    for (const tag of inspected.RepoTags ?? []) {
      if (image.endsWith(tag) || tag.endsWith(image)) return true;
      let normalizedTag: string;
      try {
        const t = parseNormalizedReference(tag);
        if (t.tag === undefined) continue;
        normalizedTag = t.toString();
      } catch {
        continue;
      }
      if (image.endsWith(normalizedTag) || normalizedTag.endsWith(image) || normalizedTag === named.toString()) return true;
    }
  }
  if (named.digest !== undefined) {
    for (const repoDigest of inspected.RepoDigests ?? []) {
      try {
        const d = parseNormalizedReference(repoDigest).digest;
        if (d !== undefined && sameDigest(d, named.digest)) return true;
      } catch {
        continue;
      }
    }
    if (inspected.Id !== undefined && sameDigest(inspected.Id, named.digest)) return true;
  }
  return false;
}

/**
 * The kubelet's matchImageIDOnly: `image` is the image's id ("sha256:<hex>", exactly), or
 * a digest reference (`name@sha256:<hex>`) whose digest is the id.
 */
export function matchImageIDOnly(inspected: InspectedImageIds, image: string): boolean {
  if (inspected.Id !== undefined && inspected.Id === image) return true;
  let digest: string | undefined;
  try {
    digest = parseReference(image).digest;
  } catch {
    return false;
  }
  return digest !== undefined && inspected.Id !== undefined && sameDigest(inspected.Id, digest);
}
