// bench/drill: a school server's home directories at benchmark scale (default ~1 GB, ~100 000 files):
// Debian Edu's layout (skole/tjener/home0/<user>), pupils and teachers with their own uids, private modes,
// many small text files, office documents and pictures (incompressible), a few large recordings, some
// symlinks, a shared setgid folder and /etc. Deterministic: the same size, file count and seed give the
// same bytes, so a cached tree and its cached backups stay valid between runs.
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TreeOptions {
  /** total bytes of file content to aim for */
  bytes: number;
  /** number of regular files to aim for */
  files: number;
  seed: number;
  /** set owners (needs root) */
  chown: boolean;
}

/** What was generated: the figures every throughput is computed from. */
export interface TreeFigures {
  files: number;
  bytes: number;
  dirs: number;
  symlinks: number;
  users: number;
  /** file counts and bytes per size class */
  classes: Record<string, { files: number; bytes: number }>;
}

/** A small fast PRNG (xorshift32): sizes, names and choices. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Deterministic incompressible bytes (AES-256-CTR keystream of the seed): fast, like zipped documents and JPEGs. */
function noiseSource(seed: number) {
  const key = createHash('sha256').update(`continuity-bench-${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  return (n: number): Buffer => {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const k = Math.min(left, zeros.length);
      parts.push(cipher.update(zeros.subarray(0, k)));
      left -= k;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  };
}

const WORDS = (
  'jeg lærte at vi skal skrive om norsk historie matematikk brøk likning naturfag fotosyntese celle ' +
  'samfunnsfag demokrati stortinget engelsk grammar essay musikk rytme kunst håndverk tegning oppgave ' +
  'svar spørsmål klassen læreren prosjekt rapport kilder konklusjon innledning hovuddel drøfting og i på med'
).split(' ');
const SUBJECTS = ['norsk', 'matematikk', 'engelsk', 'naturfag', 'samfunnsfag', 'kunst og håndverk', 'musikk', 'KRLE'];

/** Compressible text of about `n` bytes (pupils' notes, code, config). */
function text(next: () => number, n: number): Buffer {
  const out: string[] = [];
  let len = 0;
  while (len < n) {
    const w = WORDS[Math.floor(next() * WORDS.length)];
    out.push(w);
    len += Buffer.byteLength(w) + 1;
    if (next() < 0.08) {
      out.push('\n');
      len++;
    }
  }
  return Buffer.from(out.join(' ')).subarray(0, n);
}

interface Kind {
  name: string;
  /** share of all files */
  share: number;
  min: number;
  max: number;
  binary: boolean;
  ext: string[];
}

// Size classes of a school's home directories; `large` takes whatever bytes the others leave.
const KINDS: Kind[] = [
  { name: 'small (≤ 4 KiB)', share: 0.8, min: 60, max: 4096, binary: false, ext: ['.txt', '.md', '.py', '.html', '.csv', ''] },
  { name: 'documents (4–24 KiB)', share: 0.18, min: 4096, max: 24 * 1024, binary: true, ext: ['.odt', '.docx', '.ods', '.pdf'] },
  { name: 'pictures (24–200 KiB)', share: 0.018, min: 24 * 1024, max: 200 * 1024, binary: true, ext: ['.jpg', '.png'] },
];
const LARGE_SHARE = 0.002;

/** Generate the tree under `root` (removed first). */
export function generateTree(root: string, o: TreeOptions): TreeFigures {
  fs.rmSync(root, { recursive: true, force: true });
  const next = rng(o.seed);
  const noise = noiseSource(o.seed);
  const fig: TreeFigures = { files: 0, bytes: 0, dirs: 0, symlinks: 0, users: 0, classes: {} };

  // plan every file's size first, so the large files can make up the byte target
  const sizes: { kind: Kind | undefined; size: number }[] = [];
  let planned = 0;
  for (const k of KINDS) {
    const n = Math.round(o.files * k.share);
    for (let i = 0; i < n; i++) {
      // skewed towards the small end of each class, as real files are
      const size = Math.floor(k.min + (k.max - k.min) * next() ** 2);
      sizes.push({ kind: k, size });
      planned += size;
    }
  }
  const largeN = Math.max(1, Math.round(o.files * LARGE_SHARE));
  const left = Math.max(largeN * 256 * 1024, o.bytes - planned);
  // large files between 0.25× and 1.75× their mean, summing to what is left
  const weights = Array.from({ length: largeN }, () => 0.25 + 1.5 * next());
  const wsum = weights.reduce((a, b) => a + b, 0);
  for (const w of weights) sizes.push({ kind: undefined, size: Math.floor((left * w) / wsum) });
  // shuffle so every home gets a mix
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }

  const own = (p: string, uid: number, gid: number) => {
    if (o.chown) fs.lchownSync(p, uid, gid);
  };
  const dir = (rel: string, mode: number, uid: number, gid: number) => {
    const full = path.join(root, rel);
    fs.mkdirSync(full, { recursive: true });
    fs.chmodSync(full, mode);
    own(full, uid, gid);
    fig.dirs++;
  };
  const file = (rel: string, content: Buffer, mode: number, uid: number, gid: number, cls: string) => {
    const full = path.join(root, rel);
    fs.writeFileSync(full, content, { mode });
    fs.chmodSync(full, mode);
    own(full, uid, gid);
    fig.files++;
    fig.bytes += content.length;
    const c = (fig.classes[cls] ??= { files: 0, bytes: 0 });
    c.files++;
    c.bytes += content.length;
  };

  dir('skole', 0o755, 0, 0);
  dir('skole/tjener', 0o755, 0, 0);
  dir('skole/tjener/home0', 0o755, 0, 0);
  dir('etc', 0o755, 0, 0);

  // about 100 files per home; one teacher for every nine pupils
  const users = Math.max(2, Math.round(o.files / 100));
  fig.users = users;
  const passwd = ['root:x:0:0:root:/root:/bin/bash'];
  const perUser = Math.ceil(sizes.length / users);
  let s = 0;
  dir('skole/tjener/home0/felles', 0o2770, 0, 11000);
  for (let u = 0; u < users; u++) {
    const teacher = u % 10 === 9;
    const name = teacher ? `laerer${String(u).padStart(4, '0')}` : `elev${String(u).padStart(4, '0')}`;
    const uid = (teacher ? 11000 : 10000) * 10 + u; // distinct uids beyond the 16-bit range, as LDAP sites have
    const gid = teacher ? 11000 : 10000;
    passwd.push(`${name}:x:${uid}:${gid}::/skole/tjener/home0/${name}:/bin/bash`);
    const home = `skole/tjener/home0/${name}`;
    dir(home, teacher ? 0o750 : 0o700, uid, gid);
    const sub = ['Dokumenter', 'Bilder', '.config', 'Skrivebord', ...SUBJECTS.slice(0, 3).map((x) => `Dokumenter/${x}`)];
    for (const d of sub) dir(`${home}/${d}`, 0o700, uid, gid);
    for (let i = 0; i < perUser && s < sizes.length; i++, s++) {
      const { kind, size } = sizes[s];
      const ext = kind ? kind.ext[Math.floor(next() * kind.ext.length)] : '.webm';
      const where = kind?.binary === false ? sub[Math.floor(next() * sub.length)] : kind ? (ext === '.jpg' || ext === '.png' ? 'Bilder' : 'Dokumenter') : 'Skrivebord';
      const subject = SUBJECTS[Math.floor(next() * SUBJECTS.length)];
      const rel = `${home}/${where}/${subject} ${i}${ext}`;
      const mode = next() < 0.1 ? 0o644 : 0o600;
      file(rel, kind && !kind.binary ? text(next, size) : noise(size), mode, uid, gid, kind?.name ?? 'large (recordings)');
      if (next() < 0.002) {
        // a shortcut to the file, as desktop environments leave them
        const link = `${home}/Skrivebord/snarvei ${i}`;
        fs.symlinkSync(path.relative(path.dirname(link), rel), path.join(root, link));
        own(path.join(root, link), uid, gid);
        fig.symlinks++;
      }
    }
  }
  const etc: [string, string, number, number][] = [
    ['hostname', 'tjener\n', 0o644, 0],
    ['hosts', '127.0.0.1 localhost\n10.0.2.2 tjener.intern tjener\n', 0o644, 0],
    ['passwd', passwd.join('\n') + '\n', 0o644, 0],
    ['group', 'root:x:0:\nshadow:x:42:\nelever:x:10000:\nlaerere:x:11000:\n', 0o644, 0],
    ['shadow', passwd.map((l) => `${l.split(':')[0]}:!:20000:0:99999:7:::`).join('\n') + '\n', 0o640, 42],
    ['exports', '/skole/tjener/home0 10.0.0.0/8(rw,sync,no_subtree_check,sec=krb5)\n', 0o644, 0],
  ];
  for (const [n, content, mode, gid] of etc) file(`etc/${n}`, Buffer.from(content), mode, 0, gid, 'small (≤ 4 KiB)');
  return fig;
}

/** Parse `1G`, `100M`, `512k`, `1000000` into bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`--size: expected a size such as 1G, 100M or 500000, got \`${s}\``);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}
