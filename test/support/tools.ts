// Guards for tests that need a real tool: skip locally when it is missing, FAIL in CI (CI=true).
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

function missing(what: string, hint: string): false {
  if (process.env.CI) throw new Error(`${what} is required in CI but is missing: ${hint}`);
  return false;
}

/** True if the command `name` is on PATH; throws in CI when it is not (a missing tool is a failure there). */
export function needTool(name: string): boolean {
  let ok = cache.get(`tool:${name}`);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
    cache.set(`tool:${name}`, ok);
  }
  return ok || missing(`the tool \`${name}\``, `install it (see .ci/run)`);
}

/** True if a Docker engine answers; throws in CI when it does not. */
export function needDocker(): boolean {
  let ok = cache.get('docker');
  if (ok === undefined) {
    ok = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
    cache.set('docker', ok);
  }
  return ok || missing('a running Docker engine', 'run scripts/start-dockerd.sh');
}

/** True if the Docker engine answers and has the locally built `image`; throws in CI otherwise. */
export function needImage(image: string): boolean {
  if (!needDocker()) return false;
  let ok = cache.get(`image:${image}`);
  if (ok === undefined) {
    ok = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 20_000 }).status === 0;
    cache.set(`image:${image}`, ok);
  }
  return ok || missing(`the Docker image ${image}`, 'run scripts/build-images.sh');
}
