import { expect, it } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';
import { demo, inspectStatus } from '../test/demo-fixture.js';

describeWithEngine('npm run demo against the private engine', (engine) => {
  it('tours version, pull, create/start, logs, exec with stdin, stats, stop, remove, and prints the span waterfall', { timeout: 180_000 }, async () => {
    const r = await demo(['--private'], { DOCKLINE_ENGINE_DIR: engine.stateDir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    // Fits an 80-column terminal: a wrapped line would break the progress bar's redraw.
    const wide = out.split('\n').filter((l) => l.length > 80);
    expect(wide).toEqual([]);
    // The engine runs (global setup made sure): reusing it takes one line, no error-looking wall.
    expect(out.slice(0, out.indexOf('Connected to'))).toBe('Using the running private engine of tools/engine (--private).\n\n');

    expect(out).toContain(`Connected to the private engine at unix://${engine.socketPath}`);
    expect(out).toMatch(new RegExp(`API version in use: ${engine.apiVersion.replace('.', '\\.')}`));
    expect(out).toMatch(/^ {2}Version {10}\d+\.\d+\.\d+/m);
    expect(out).toMatch(/^ {2}ApiVersion {7}1\.\d+ \(min 1\.\d+\)$/m);
    // The pull of the demo image, with auth, ending in a full bar.
    expect(out).toContain(`== pull ${engine.registry.address}/dockline/demo:v1`);
    expect(out).toMatch(/\[█{8,28}\] 100% .* 2\/2 layers {2}complete/);
    expect(out).toMatch(/(Downloaded newer image|Image is up to date) for .*dockline\/demo:v1/);
    expect(out).toMatch(/digest sha256:[0-9a-f]{64}/);
    // The container's own output, through logs (stdout and stderr apart) and exec.
    expect(out).toMatch(/stdout \| hello from [0-9a-f]{12}, a container started by dockline/);
    expect(out).toContain('stderr | this line went to stderr');
    expect(out).toContain('stdout < DOCKLINE PIPES STDIN INTO EXEC, AND THE HALF-CLOSE ENDS IT');
    expect(out).toMatch(/memory \d+(\.\d)? [KM]iB of 64\.0 MiB, cpu \d+\.\d\d%, pids \d+/);
    expect(out).toContain('stopped: exit code 0');
    const id = /created ([0-9a-f]{12})/.exec(out)?.[1];
    expect(id).toBeDefined();
    expect(out).toContain(`removed ${id} (inspect now says: no such container)`);
    expect(await inspectStatus(engine.socketPath, id!)).toBe(404);

    // The waterfall: a tree of steps, operations and HTTP attempts with status codes and bars.
    const waterfall = out.slice(out.indexOf('== span waterfall'));
    expect(waterfall).toMatch(/^== span waterfall \(\d+ spans/);
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    /** A span line: tree prefix, name, start offset, a 20-column bar (at 80 columns), duration, then the outcome. */
    const span = (name: string, outcome = '') =>
      expect(waterfall).toMatch(new RegExp(`^[│├└─ ]*${esc(name)} +[\\d.]+ m?s {2}[ █]{20} +[\\d.]+ m?s${outcome ? ` {2}${esc(outcome)}` : ''}$`, 'm'));
    expect(waterfall).toMatch(/^span {30,}start {2}0 +[\d.]+ s {2}duration$/m);
    expect(waterfall).toMatch(/^dockline demo +0\.0 ms {2}█{20} +[\d.]+ m?s$/m);
    span('├─ SystemVersion');
    span('│  ├─ HEAD /_ping', '200');
    // The name column is 36 wide at 80 columns: the pull's long reference is cut with an ellipsis.
    expect(waterfall).toMatch(new RegExp(`^├─ pull ${esc(engine.registry.address)}/\\S*… +[\\d.]+ m?s {2}[ █]{20} `, 'm'));
    span('│  └─ ImageCreate');
    span('│     └─ POST /images/create', '200');
    span('├─ ContainerCreate');
    span('POST /containers/create', '201');
    span('POST /containers/{id}/start', '204');
    span('GET /containers/{id}/logs', '200');
    span('├─ ContainerExec');
    span('POST /exec/{id}/start', '101');
    span('GET /containers/{id}/stats', '200');
    span('POST /containers/{id}/stop', '204');
    span('└─ remove');
    span('DELETE /containers/{id}', '204');
    span('   └─ ContainerInspect', '404'); // inspect after remove: the daemon says 404
    span('GET /containers/{id}/json', '404');
  });
});

