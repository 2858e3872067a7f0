// npm run demo: prints the daemon's version and info through dockline. Uses the daemon the
// docker CLI would (DOCKER_HOST, the default socket); when none answers, it starts the
// private engine of tools/engine and uses that.
import { ConnectionError, createClient, type DockerClient } from '@dockline/api';

const HELP = `usage: npm run demo [-- --help] [-- --private]

Prints the Docker daemon's version and info through dockline.
  --private   skip the local daemon and use the private engine of tools/engine
Environment: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION.`;

async function connect(forcePrivate: boolean): Promise<{ docker: DockerClient; where: string }> {
  if (!forcePrivate) {
    const docker = createClient();
    try {
      await docker.ping({ timeoutMs: 5000 });
      return { docker, where: docker.endpointDescription ?? 'the local daemon' };
    } catch (err) {
      await docker.close();
      if (!(err instanceof ConnectionError)) throw err;
      console.log(`No daemon answered (${err.message}).\nStarting the private engine of tools/engine...`);
    }
  }
  const { ensureEngine } = await import('@dockline/tool-engine');
  const engine = await ensureEngine({ log: (line) => console.log(`  [engine] ${line}`) });
  const docker = createClient({ host: `unix://${engine.socketPath}` });
  return { docker, where: `the private engine at unix://${engine.socketPath}` };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return;
  }
  const { docker, where } = await connect(args.includes('--private'));
  try {
    const version = await docker.version();
    const info = await docker.info();
    console.log(`\nConnected to ${where}`);
    console.log(`API version in use: ${docker.apiVersion ?? '(not negotiated)'}\n`);
    console.log('Version');
    for (const [k, v] of Object.entries({
      Version: version.Version,
      ApiVersion: version.ApiVersion,
      MinAPIVersion: version.MinAPIVersion,
      GitCommit: version.GitCommit,
      GoVersion: version.GoVersion,
      Os: version.Os,
      Arch: version.Arch,
      KernelVersion: version.KernelVersion,
    })) {
      console.log(`  ${k.padEnd(16)} ${String(v ?? '')}`);
    }
    console.log('\nInfo');
    for (const [k, v] of Object.entries({
      Name: info.Name,
      ServerVersion: info.ServerVersion,
      OperatingSystem: info.OperatingSystem,
      Containers: `${info.Containers ?? 0} (${info.ContainersRunning ?? 0} running)`,
      Images: info.Images,
      Driver: info.Driver,
      CgroupDriver: info.CgroupDriver,
      CgroupVersion: info.CgroupVersion,
      NCPU: info.NCPU,
      MemTotal: info.MemTotal !== undefined ? `${(info.MemTotal / 2 ** 30).toFixed(1)} GiB` : undefined,
      DockerRootDir: info.DockerRootDir,
    })) {
      console.log(`  ${k.padEnd(16)} ${String(v ?? '')}`);
    }
  } finally {
    await docker.close();
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
