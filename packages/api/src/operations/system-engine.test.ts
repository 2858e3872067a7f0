import { describe, expect, it } from 'vitest';
import { engineKindOf } from './system-engine.js';

describe('engineKindOf', () => {
  it('Podman: the Libpod-Api-Version or Server: Libpod/ header of /_ping, or a "Podman Engine" component', () => {
    expect(engineKindOf({ 'api-version': '1.41', 'libpod-api-version': '4.3.1' })).toBe('podman');
    expect(engineKindOf({ server: 'Libpod/4.3.1 (linux)' })).toBe('podman');
    expect(engineKindOf({}, ['Podman Engine', 'Conmon'])).toBe('podman');
  });
  it('Docker: the Server: Docker/ header, Docker-Experimental, or an "Engine" component', () => {
    expect(engineKindOf({ server: 'Docker/20.10.24 (linux)', 'api-version': '1.41' })).toBe('docker');
    expect(engineKindOf({ 'docker-experimental': 'false' })).toBe('docker');
    expect(engineKindOf({}, ['Engine', 'containerd', 'runc'])).toBe('docker');
  });
  it('anything else is unknown (a proxy that strips headers)', () => {
    expect(engineKindOf({ 'api-version': '1.41' })).toBe('unknown');
  });
});
