/**
 * Reads moby's api/docs/CHANGELOG.md: which API version introduced which endpoint.
 *
 * The changelog is prose, so this is deliberately narrow: only bullets that say an endpoint is
 * new ("`GET /x` is a new endpoint", "Added a new `PUT /x` endpoint", "Add new `GET /x` endpoint")
 * count as introductions. Other mentions ("`GET /x` now supports ...") are ignored.
 */

export interface ChangelogItem {
  /** API version of the section, e.g. '1.55'. */
  version: string;
  /** The bullet's text with continuation lines joined by single spaces. */
  text: string;
}

export interface EndpointIntroduction {
  version: string;
  method: string;
  /** The route as the changelog writes it, e.g. '/volumes{name}'. */
  path: string;
  /** The bullet that announced it, for the generated comment and the report. */
  text: string;
}

const SECTION = /^##\s+v(\d+\.\d+)\s+API changes\s*$/i;
const BULLET = /^[*-]\s+(.*)$/;
const ENDPOINT = /`(GET|HEAD|POST|PUT|DELETE|PATCH)\s+(\/[^`\s?]*)[^`]*`/g;
/** "new endpoint", "new `POST /x` endpoint"; not "new endpoint-specific field". */
const NEW_ENDPOINT = /\bnew\s+(?:`[^`]+`\s+)?endpoints?\b(?!-)/i;

export function parseChangelog(markdown: string): ChangelogItem[] {
  const items: ChangelogItem[] = [];
  let version: string | undefined;
  let current: string[] | undefined;
  const flush = (): void => {
    if (version !== undefined && current) items.push({ version, text: current.join(' ') });
    current = undefined;
  };
  for (const rawLine of markdown.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    const section = SECTION.exec(line);
    if (section) {
      flush();
      version = section[1];
      continue;
    }
    if (version === undefined) continue;
    const bullet = BULLET.exec(line);
    if (bullet) {
      flush();
      current = [bullet[1]!.trim()];
    } else if (current && /^\s+\S/.test(line)) {
      current.push(line.trim());
    } else {
      flush();
    }
  }
  flush();
  return items;
}

export function findEndpointIntroductions(items: readonly ChangelogItem[]): EndpointIntroduction[] {
  const found: EndpointIntroduction[] = [];
  for (const item of items) {
    if (!NEW_ENDPOINT.test(item.text)) continue;
    for (const match of item.text.matchAll(ENDPOINT)) {
      found.push({ version: item.version, method: match[1]!, path: match[2]!, text: item.text });
    }
  }
  return found;
}

/**
 * A comparison key for a route that tolerates the changelog's spellings: `{id}`, `(id)`,
 * `{name:.*}` all become `{}`, and slashes are dropped because the changelog has typos such as
 * `PUT /volumes{name}` for `PUT /volumes/{name}`.
 */
export function routeKey(method: string, route: string): string {
  const normalized = route
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\([^)]*\)/g, '{}')
    .replace(/\//g, '')
    .toLowerCase();
  return `${method.toUpperCase()} ${normalized}`;
}

/** Compares 'X.Y' API versions numerically. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The next minor version: '1.41' -> '1.42'. */
export function nextApiVersion(version: string): string {
  const [major = 1, minor = 0] = version.split('.').map(Number);
  return `${major}.${minor + 1}`;
}
