// Compiled by `npm run typecheck`, never run: typical dockerode TypeScript, with only the
// import changed, must compile against this package's types.
import Docker from './index.js';
import { DocklineDocker } from './index.js';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const remote = new Docker({ host: '127.0.0.1', port: 2376, protocol: 'https', ca: 'ca', cert: 'cert', key: 'key', version: 'v1.41', timeout: 5000 });
const fromEnv = new Docker();

export async function typical(): Promise<number> {
  const list: Docker.ContainerInfo[] = await docker.listContainers({ all: true, filters: { label: ['app=web'] } });
  const container: Docker.Container = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true } });
  await container.start();
  const info: Docker.ContainerInspectInfo = await container.inspect();
  const logs: Buffer = await container.logs({ stdout: true, stderr: true, follow: false });
  const followed: NodeJS.ReadableStream = await container.logs({ stdout: true, follow: true });
  docker.modem.demuxStream(followed, process.stdout, process.stderr);
  const exec: Docker.Exec = await container.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
  const duplex = await exec.start({ hijack: true, stdin: true });
  duplex.end('input');
  const pull = await docker.pull('busybox:latest');
  await new Promise<unknown[]>((resolve, reject) => docker.modem.followProgress(pull, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out))));
  const image: Docker.ImageInspectInfo = await docker.getImage('busybox').inspect();
  const images: Docker.ImageInfo[] = await docker.listImages();
  const net: Docker.Network = await docker.createNetwork({ Name: 'n' });
  await net.connect({ Container: container.id });
  const volumes = await docker.listVolumes();
  const events = await docker.getEvents({ filters: { type: ['container'] } });
  events.on('data', (chunk: Buffer) => chunk.length);
  const [data, ran] = (await docker.run('busybox', ['echo', 'hi'], process.stdout)) as [{ StatusCode: number }, Docker.Container];
  docker.listContainers((err, containers) => containers?.length ?? (err ? 1 : 0));
  await container.wait();
  await container.remove({ force: true });
  void remote;
  void fromEnv;
  return list.length + logs.length + info.State.Pid + image.Size + images.length + (volumes.Volumes?.length ?? 0) + data.StatusCode + ran.id.length;
}

// A function written for dockerode's class takes this package's.
function takesDockerode(d: Docker): Promise<Docker.ContainerInfo[]> {
  return d.listContainers();
}
export const used = takesDockerode(docker);

// The implementation class is exported too, with dockline's extras (client, close()).
export const impl = new DocklineDocker({ socketPath: '/x' });
export const closing: Promise<void> = impl.close();

// The types are dockerode's, not `any`: a wrong argument is still an error.
// @ts-expect-error listContainers takes options, not a string
export const wrong = docker.listContainers('all');
