// Shared by the SSH standby tests: a minimal site around a standby, and a promise's rejection.
import type { Site } from '../../src/core/site.ts';

/** A site with nothing but the standby that matters (the backup is never read by these tests). */
export function siteWith(standby: Site['standby']): Site {
  return { version: 'continuity/v1', kind: 'site', name: 'test', sla: './sla.yaml', backup: { tool: 'tar', repository: '/nowhere' }, standby };
}

/** The error a promise rejects with; a success fails the test. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, got success');
}
