// A small, realistic school server for the demo: pupils' and teachers' home directories under
// skole/tjener/home0 (Debian Edu's layout) with many small private files, a few larger ones, and
// the /etc files that name the accounts. Deterministic: the same seed gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';

/** Size and ownership of the generated school. */
export interface SchoolOptions {
  pupils?: number;
  teachers?: number;
  /** change owners to the accounts' uids (needs root; otherwise everything stays the caller's) */
  chown?: boolean;
  seed?: number;
}

/** What was generated, for the demo's first line. */
export interface SchoolFigures {
  root: string;
  pupils: number;
  teachers: number;
  files: number;
  bytes: number;
  chowned: boolean;
}

/** A small fast PRNG (xorshift32): deterministic demo content without crypto cost. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const FIRST = ['Ola', 'Kari', 'Nora', 'Emil', 'Sofie', 'Jakob', 'Ingrid', 'Lukas', 'Emma', 'Filip', 'Maja', 'Aksel', 'Sara', 'Noah', 'Ella', 'Henrik'];
const SUBJECTS = ['norsk', 'matematikk', 'engelsk', 'naturfag', 'samfunnsfag', 'kunst og håndverk', 'musikk', 'KRLE'];

/** Generate the school under `root` (which must not exist or be empty). */
export function generateSchool(root: string, o: SchoolOptions = {}): SchoolFigures {
  const pupils = o.pupils ?? 300;
  const teachers = o.teachers ?? 30;
  const chown = o.chown ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  const next = rng(o.seed ?? 20261126);
  let files = 0;
  let bytes = 0;

  const own = (p: string, uid: number, gid: number) => {
    if (chown) fs.lchownSync(p, uid, gid);
  };
  const dir = (rel: string, mode: number, uid: number, gid: number) => {
    const full = path.join(root, rel);
    fs.mkdirSync(full, { recursive: true });
    fs.chmodSync(full, mode);
    own(full, uid, gid);
  };
  const file = (rel: string, content: string | Buffer, mode: number, uid: number, gid: number) => {
    const full = path.join(root, rel);
    fs.writeFileSync(full, content);
    fs.chmodSync(full, mode);
    own(full, uid, gid);
    files++;
    bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  };
  const noise = (n: number) => {
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i + 4 <= n; i += 4) buf.writeUInt32LE(next(), i);
    for (let i = n - (n % 4); i < n; i++) buf[i] = next() & 0xff;
    return buf;
  };

  fs.mkdirSync(root, { recursive: true });
  dir('skole', 0o755, 0, 0);
  dir('skole/tjener', 0o755, 0, 0);
  dir('skole/tjener/home0', 0o755, 0, 0);
  dir('etc', 0o755, 0, 0);

  const passwd = ['root:x:0:0:root:/root:/bin/bash'];
  const group = ['root:x:0:', 'shadow:x:42:', 'elever:x:10000:', 'laerere:x:11000:'];
  const shadow = ['root:*:20000:0:99999:7:::'];

  for (let t = 1; t <= teachers; t++) {
    const user = `laerer${String(t).padStart(2, '0')}`;
    const uid = 11000 + t;
    const gid = 11000;
    const home = `skole/tjener/home0/${user}`;
    passwd.push(`${user}:x:${uid}:${gid}:${FIRST[t % FIRST.length]} Lærer:/${home}:/bin/bash`);
    shadow.push(`${user}:!:20000:0:99999:7:::`);
    dir(home, 0o700, uid, gid);
    file(`${home}/.bashrc`, 'export LANG=nb_NO.UTF-8\n', 0o644, uid, gid);
    dir(`${home}/Dokumenter`, 0o700, uid, gid);
    for (const [i, subject] of SUBJECTS.slice(0, 4).entries()) {
      file(`${home}/Dokumenter/årsplan ${subject}.odt`, noise(4000 + (next() % 20000)), 0o600, uid, gid);
      file(`${home}/Dokumenter/prøve ${i + 1} – ${subject}.txt`, `Prøve i ${subject}\n${'Oppgave. '.repeat(20 + (next() % 200))}\n`, 0o600, uid, gid);
    }
    // a few teachers keep large files: recorded lessons
    if (t <= 3) {
      dir(`${home}/Video`, 0o700, uid, gid);
      file(`${home}/Video/forelesning-${t}.webm`, noise((3 + t) * 1024 * 1024 + (next() % 4096)), 0o600, uid, gid);
    }
  }

  for (let p = 1; p <= pupils; p++) {
    const user = `elev${String(p).padStart(3, '0')}`;
    const uid = 10000 + p;
    const gid = 10000;
    const home = `skole/tjener/home0/${user}`;
    passwd.push(`${user}:x:${uid}:${gid}:${FIRST[p % FIRST.length]} Elev:/${home}:/bin/bash`);
    shadow.push(`${user}:!:20000:0:99999:7:::`);
    dir(home, 0o700, uid, gid);
    file(`${home}/.bashrc`, 'export LANG=nb_NO.UTF-8\n', 0o644, uid, gid);
    file(`${home}/.profile`, '[ -f ~/.bashrc ] && . ~/.bashrc\n', 0o644, uid, gid);
    dir(`${home}/Dokumenter`, 0o700, uid, gid);
    const docs = 4 + (next() % 8);
    for (let d = 0; d < docs; d++) {
      const subject = SUBJECTS[next() % SUBJECTS.length];
      if (d % 3 === 0) file(`${home}/Dokumenter/${subject} oppgave ${d + 1}.odt`, noise(2000 + (next() % 30000)), 0o600, uid, gid);
      else file(`${home}/Dokumenter/${subject} notater ${d + 1}.txt`, `${subject}: ${'Jeg lærte at '.repeat(5 + (next() % 80))}\n`, 0o600, uid, gid);
    }
    if (p % 4 === 0) {
      dir(`${home}/Bilder`, 0o700, uid, gid);
      file(`${home}/Bilder/klassetur.jpg`, noise(30_000 + (next() % 120_000)), 0o600, uid, gid);
    }
  }

  file('etc/hostname', 'tjener\n', 0o644, 0, 0);
  file('etc/hosts', '127.0.0.1 localhost\n10.0.2.2 tjener.intern tjener\n', 0o644, 0, 0);
  file('etc/passwd', `${passwd.join('\n')}\n`, 0o644, 0, 0);
  file('etc/group', `${group.join('\n')}\n`, 0o644, 0, 0);
  file('etc/shadow', `${shadow.join('\n')}\n`, 0o640, 0, 42);
  file('etc/exports', '/skole/tjener/home0 10.0.0.0/8(rw,sync,no_subtree_check,sec=krb5)\n', 0o644, 0, 0);
  file('etc/fstab', 'LABEL=home0 /skole/tjener/home0 ext4 defaults,acl 0 2\n', 0o644, 0, 0);
  return { root, pupils, teachers, files, bytes, chowned: chown };
}
