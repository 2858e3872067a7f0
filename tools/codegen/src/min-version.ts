/**
 * The minimum Engine API version of each operation: absent from the baseline spec (v1.41) means
 * newer than the baseline; the changelog then says which version added it.
 */
import {
  compareApiVersions,
  findEndpointIntroductions,
  nextApiVersion,
  routeKey,
  type ChangelogItem,
} from './changelog.js';
import type { SpecOperation } from './spec.js';

export type MinVersionSource = 'baseline' | 'changelog' | 'fallback';

export interface MinVersionResult {
  operationId: string;
  /** Undefined when the operation exists in the baseline version. */
  minVersion: string | undefined;
  source: MinVersionSource;
  /** The changelog bullet, for source 'changelog'. */
  evidence?: string;
}

export interface MinVersionReport {
  results: Map<string, MinVersionResult>;
  /** Things a maintainer should look at; printed by main.ts, never written into the output. */
  warnings: string[];
}

export function resolveMinVersions(
  latest: readonly SpecOperation[],
  baseline: readonly SpecOperation[],
  baselineVersion: string,
  changelog: readonly ChangelogItem[],
): MinVersionReport {
  const baselineKeys = new Set(baseline.map((op) => routeKey(op.method, op.path)));
  const introductions = findEndpointIntroductions(changelog);
  const results = new Map<string, MinVersionResult>();
  const warnings: string[] = [];

  for (const op of latest) {
    const key = routeKey(op.method, op.path);
    const newer = introductions
      .filter((i) => routeKey(i.method, i.path) === key && compareApiVersions(i.version, baselineVersion) > 0)
      .sort((a, b) => compareApiVersions(a.version, b.version));
    if (baselineKeys.has(key)) {
      if (newer.length > 0) {
        warnings.push(
          `${op.operationId}: present in the v${baselineVersion} spec, but CHANGELOG.md says v${newer[0]!.version} added it; kept as baseline`,
        );
      }
      results.set(op.operationId, { operationId: op.operationId, minVersion: undefined, source: 'baseline' });
      continue;
    }
    const first = newer[0];
    if (first) {
      results.set(op.operationId, {
        operationId: op.operationId,
        minVersion: first.version,
        source: 'changelog',
        evidence: first.text,
      });
    } else {
      const fallback = nextApiVersion(baselineVersion);
      warnings.push(
        `${op.operationId} (${op.method} ${op.path}): not in the v${baselineVersion} spec and no CHANGELOG.md entry announces it; minVersion set to ${fallback}`,
      );
      results.set(op.operationId, { operationId: op.operationId, minVersion: fallback, source: 'fallback' });
    }
  }

  const latestKeys = new Set(latest.map((op) => routeKey(op.method, op.path)));
  for (const intro of introductions) {
    if (compareApiVersions(intro.version, baselineVersion) <= 0) continue;
    if (!latestKeys.has(routeKey(intro.method, intro.path))) {
      warnings.push(`CHANGELOG.md v${intro.version} announces ${intro.method} ${intro.path}, which the latest spec does not have`);
    }
  }
  return { results, warnings };
}
