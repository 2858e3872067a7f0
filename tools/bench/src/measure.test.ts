// The statistics and formatting helpers only: no timing is asserted anywhere.
import { describe, expect, it } from 'vitest';
import { check, formatBytes, formatRatio, markdownTable, median, medianOf, ratio, spread, textTable, type Sample } from './measure.ts';
import { checkRows, replaceSection } from './report.ts';

const sample = (wallMs: number, cpuMs: number, ops = 1): Sample => ({ wallMs, cpuMs, ops, bytes: 0 });

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([9, 2, 7, 4, 1])).toBe(4);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN for no values and ignores NaN values', () => {
    expect(median([])).toBeNaN();
    expect(median([Number.NaN, 2, 4, 6])).toBe(4);
  });

  it('does not reorder the caller array', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('reduces each run before taking the median across runs', () => {
    // Per-run rates 100, 50 and 200 ops/s: the median run is 100, not ops/median(wall).
    const runs = [sample(1000, 0, 100), sample(2000, 0, 100), sample(500, 0, 100)];
    expect(medianOf(runs, (s) => (s.ops * 1000) / s.wallMs)).toBe(100);
  });
});

describe('spread', () => {
  it('gives the lowest and highest per-run value', () => {
    const runs = [sample(1000, 0, 100), sample(2000, 0, 100), sample(500, 0, 100)];
    expect(spread(runs, (s) => (s.ops * 1000) / s.wallMs)).toBe('50–200');
    expect(spread([], (s) => s.ops)).toBe('n/a');
  });
});

describe('ratio and formatRatio', () => {
  it('divides, and is NaN when the denominator is not positive or a value is not finite', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(ratio(1, Number.POSITIVE_INFINITY)).toBeNaN();
  });

  it('prints three significant figures with an x, and n/a for NaN', () => {
    expect(formatRatio(1)).toBe('1.00x');
    expect(formatRatio(1.149)).toBe('1.15x');
    expect(formatRatio(0.95)).toBe('0.95x');
    expect(formatRatio(0.0437)).toBe('0.044x');
    expect(formatRatio(0.004)).toBe('0.004x');
    expect(formatRatio(12.34)).toBe('12.3x');
    expect(formatRatio(152.6)).toBe('153x');
    expect(formatRatio(Number.NaN)).toBe('n/a');
  });
});

describe('check', () => {
  it('compares with the bound, inclusive for >= and <=, strict for <', () => {
    expect(check('t', 0.95, '>=', 0.95).met).toBe(true);
    expect(check('t', 0.949, '>=', 0.95).met).toBe(false);
    expect(check('t', 1.15, '<=', 1.15).met).toBe(true);
    expect(check('t', 64, '<', 64).met).toBe(false);
  });

  it('cannot decide on NaN (a subject failed)', () => {
    expect(check('t', Number.NaN, '>=', 1).met).toBeNull();
    expect(check('t', Number.NaN, '>=', 1).measured).toBe('n/a');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(37)).toBe('37 B');
    expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB');
    expect(formatBytes(1024 ** 3)).toBe('1 GiB');
  });
});

describe('tables', () => {
  const t = { headers: ['client', 'pings/s'], rows: [['dockline', '2,000'], ['dockerode', '900']] };

  it('aligns text columns: the first left, numbers right', () => {
    expect(textTable(t).split('\n')).toEqual(['client     pings/s', '---------  -------', 'dockline     2,000', 'dockerode      900']);
  });

  it('writes a Markdown table with right-aligned number columns and escaped pipes', () => {
    expect(markdownTable({ headers: ['a|b', 'n'], rows: [['x', '1']] })).toBe('| a\\|b | n |\n| --- | ---: |\n| x | 1 |');
  });
});

describe('replaceSection', () => {
  it('replaces only the text between its markers', () => {
    const doc = 'intro\n<!-- bench:ping:begin -->\nold\n<!-- bench:ping:end -->\nhand-written\n';
    expect(replaceSection(doc, 'ping', 'new')).toBe('intro\n<!-- bench:ping:begin -->\nnew\n<!-- bench:ping:end -->\nhand-written\n');
  });

  it('adds a missing section before the sections end marker', () => {
    const doc = 'a\n<!-- bench:sections:end -->\nb\n';
    expect(replaceSection(doc, 'ssh', 'x')).toBe('a\n<!-- bench:ssh:begin -->\nx\n<!-- bench:ssh:end -->\n\n<!-- bench:sections:end -->\nb\n');
  });
});

describe('checkRows', () => {
  it('reads the targets table of one section, and nothing of the others', () => {
    const doc = [
      '<!-- bench:ping:begin -->',
      '| client | pings/s |',
      '| --- | ---: |',
      '| raw | 1 |',
      '',
      '| target | measured | verdict |',
      '| --- | ---: | --- |',
      '| ping: x | 0.9x | MISSED |',
      '',
      '- a note',
      '<!-- bench:ping:end -->',
      '<!-- bench:ssh:begin -->',
      '| target | measured | verdict |',
      '| --- | ---: | --- |',
      '| ssh: y | 2x | met |',
      '<!-- bench:ssh:end -->',
    ].join('\n');
    expect(checkRows(doc, 'ping')).toEqual(['| ping: x | 0.9x | MISSED |']);
    expect(checkRows(doc, 'ssh')).toEqual(['| ssh: y | 2x | met |']);
    expect(checkRows(doc, 'exec')).toEqual([]);
  });
});
