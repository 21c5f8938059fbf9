// What an OpenSSH client's exit status 255 and stderr mean, as one of our errors with a clear message.
import { ConfigError, StepFailed, type ContinuityError } from '../../core/errors.ts';

/** The standby's host key is not the one in the site's known_hosts: nothing was sent to it. */
export class HostKeyRejected extends ConfigError {
  constructor(
    message: string,
    /** `unknown-host`: no key for it in known_hosts; `host-key-mismatch`: a different key than recorded */
    readonly reason: 'unknown-host' | 'host-key-mismatch',
    readonly knownHostsFile: string,
  ) {
    super(message);
  }
}

/** Where the standby is and which files the client used: for messages. */
export interface SshEndpoint {
  /** `user@host:port` */
  target: string;
  knownHostsFile: string;
  identityFile: string;
}

/** The last meaningful stderr lines of ssh, without the banner art of a host key warning. */
export function sshStderrTail(stderr: string, lines = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^@+/.test(l) && !/^(IT IS POSSIBLE|Someone could be|It is also possible|Please contact|Add correct host key|Offending|Host key for .* has changed and you have requested)/.test(l))
    .slice(-lines)
    .join(' | ');
}

/** True when stderr shows the ssh transport itself failed (not the remote command exiting 255). */
export function isTransportFailure(stderr: string): boolean {
  return /Connection (refused|timed out|closed by|reset)|Broken pipe|mux_client_|Control socket|Timeout, server .* not responding|client_loop: send disconnect|kex_exchange_identification|Could not resolve hostname|No route to host|Network is unreachable|Host key verification failed|Permission denied \(|Connection to .* closed/i.test(
    stderr,
  );
}

/** Turn a failed ssh connection (exit 255) into a clear error naming the standby and the files it used. */
export function sshFailure(ep: SshEndpoint, stderr: string, context = 'connect'): ContinuityError {
  const tail = sshStderrTail(stderr);
  const result = { command: `ssh ${ep.target}`, exitCode: 255, stderr: tail };
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed|host key .* differs/i.test(stderr))
    return new HostKeyRejected(
      `standby ${ep.target}: host key does not match the one in ${ep.knownHostsFile} (refused before anything was sent; if the standby was reinstalled, put its new key there after checking it)`,
      'host-key-mismatch',
      ep.knownHostsFile,
    );
  if (/No \S+ host key is known for|Host key verification failed/i.test(stderr))
    return new HostKeyRejected(
      `standby ${ep.target}: its host key is not in ${ep.knownHostsFile} (refused before anything was sent; add the key after checking it on the console)`,
      'unknown-host',
      ep.knownHostsFile,
    );
  const unreachable = (why: string) => new StepFailed(`standby ${ep.target} unreachable: ${why}`, result);
  if (/Connection refused/i.test(stderr)) return unreachable('connection refused');
  if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(stderr)) return unreachable('host name does not resolve');
  if (/No route to host/i.test(stderr)) return unreachable('no route to host');
  if (/Network is unreachable/i.test(stderr)) return unreachable('network is unreachable');
  if (/Connection timed out|Operation timed out|timed out during banner exchange/i.test(stderr)) return unreachable('connection timed out');
  if (/Permission denied \(/i.test(stderr))
    return new ConfigError(`standby ${ep.target} refused the key ${ep.identityFile} (${tail}); is its public key in the user's authorized_keys?`);
  if (/UNPROTECTED PRIVATE KEY FILE|bad permissions/i.test(stderr))
    return new ConfigError(`ssh refuses the key ${ep.identityFile}: it is readable by others (chmod 600 it)`);
  if (/Load key .*: (No such file|invalid format|error in libcrypto)/i.test(stderr))
    return new ConfigError(`ssh cannot load the key ${ep.identityFile}: ${tail}`);
  if (context === 'connect') return new StepFailed(`standby ${ep.target}: ssh could not connect: ${tail || 'no message'}`, result);
  return new StepFailed(`standby ${ep.target}: connection lost during ${context}: ${tail || 'no message'}`, result);
}
