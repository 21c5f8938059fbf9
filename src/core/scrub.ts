// Keep secrets out of everything a drill prints or writes: replace each known secret by `***`.

/** Replace every occurrence of each secret (raw and JSON-escaped) in `text`. Secrets shorter than 4 characters are still replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join('***');
  }
  return out;
}
