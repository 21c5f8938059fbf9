# Runs ON THE STANDBY with the python of borg's own entry script (its `#!` line), using borg's own classes the way
# `borg list` and `borg extract` do; the repository is only read (no lock, nothing written in it).
#
#   items REPO ARCHIVE PATHS_JSON
#       the archive's items under the chosen paths from its metadata alone (no file data read), one JSON line each,
#       as manifest_helper.py's `tar` mode prints what `borg export-tar` streams, without the sha256: path, type,
#       size, uid, gid, mode, target. A hard link whose master is not chosen carries its master's size.
#   items-then-check REPO ARCHIVE PATHS_JSON WAIT_SECONDS
#       `items` (in a drill: beside the restore, at low priority), keeping the chunk lists; then waits for the drill's
#       answer and runs `check` with them, at normal priority, without reading the metadata again (run_items_then_check).
#   check REPO ARCHIVE PATHS_JSON ROOT [WORKERS]
#       compare every regular file restored under ROOT with the archive by the repository's own chunk ids: each
#       file is cut where the archive says its chunks end (the chunk sizes it lists), each piece hashed with the
#       repository's id key (key.id_hash, as `borg create` names a chunk), and the ids compared with the ones the
#       item lists; a hard-link slave is compared with its master's chunks. Cutting at the listed sizes (instead of
#       running the chunker again) is exact whatever chunker params made the chunk list (borg's files cache keeps
#       lists made with older params). Forked workers (one per core) share the files, a large file in pieces. A
#       piece whose id differs is read from the repository (repository.get + key.decrypt) and compared byte by byte,
#       to name the first differing byte (and never to call a file different that is not). Prints one JSON object:
#       {"matched": [paths], "differs": [{"path", "found"}], "seconds": s}.
#
# The passphrase comes from BORG_PASSCOMMAND=cat (stdin). A borg error exits with borg's own message and exit code;
# anything this script does not know (not a local repository, other borg internals, a worker that failed) exits
# FALLBACK with MARKER on stderr, and the adapter uses the `borg` commands instead.
import sys
if sys.path[:1] == ['']:
    del sys.path[0]  # never a borg/ folder of the current directory
import json
import os
import stat
import time

FALLBACK = int(os.environ.get('CONTINUITY_FALLBACK', '86'))
MARKER = os.environ.get('CONTINUITY_MARKER', 'continuity: borg internals not usable here')
SEGMENT = 64 << 20  # bytes of a large file one worker compares before another may take the next piece


def fallback(why):
    sys.stderr.write('%s: %s\n' % (MARKER, why))
    sys.stderr.flush()
    os._exit(FALLBACK)


started = time.monotonic()
try:
    from borg.archive import Archive
    from borg.cache import assert_secure
    from borg.helpers import Error, Location, Manifest, check_extension_modules
    from borg.logger import setup_logging
    from borg.repository import Repository
    setup_logging(level='warning')
    check_extension_modules()
except Exception as e:
    fallback('%s: %s' % (type(e).__name__, e))


def wanted(path, paths):
    if not paths:
        return True
    for p in paths:
        if path == p or path.startswith(p + '/'):
            return True
    return False


def chunk_list(chunks):
    """[(id, size)] of an item's chunk list (borg 1.2: ChunkListEntry(id, size, csize))."""
    out = []
    for c in chunks:
        cid, size = c[0], c[1]
        if not isinstance(cid, bytes) or not isinstance(size, int) or size < 0:
            fallback('a chunk list entry this script does not know')
        out.append((cid, size))
    return out


def selected(archive, paths):
    """(item, chunks) of the chosen items in archive order; chunks: [(id, size)] for regular files (a hard-link
    slave's are its master's, found among all items, chosen or not), None otherwise."""
    masters = {}

    def keep(item):
        if stat.S_ISREG(item.mode) and 'source' not in item and item.get('hardlink_master', True):
            # a possible hard-link master: its slaves (later in the archive) have no chunks of their own
            masters[item.path] = item.get('chunks', [])
        return wanted(item.path, paths)

    for item in archive.iter_items(keep):
        chunks = None
        if stat.S_ISREG(item.mode):
            if 'source' in item:
                if item.source not in masters:
                    fallback('a hard link to %r, which the archive does not hold before it' % item.source)
                chunks = chunk_list(masters[item.source])
            else:
                chunks = chunk_list(item.get('chunks', []))
        yield item, chunks


def entry(item, chunks):
    """What manifest_helper.py's `tar` mode makes of the member `borg export-tar` writes for this item."""
    mode = item.mode
    e = {'path': item.path, 'uid': item.uid, 'gid': item.gid, 'mode': stat.S_IMODE(mode), 'size': 0}
    if stat.S_ISREG(mode):
        e['type'] = 'file'
        e['size'] = sum(s for _, s in chunks)
    elif stat.S_ISDIR(mode):
        e['type'] = 'dir'
    elif stat.S_ISLNK(mode):
        e['type'] = 'symlink'
        e['target'] = item.source
    elif stat.S_ISBLK(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        e['type'] = 'other'
    else:
        return None  # export-tar leaves out what tar cannot hold (sockets)
    return e


def run_items(archive, paths, known=None):
    """Print the chosen items; `known`, a list: the regular files' (path, chunks) appended to it as well."""
    out = []
    for item, chunks in selected(archive, paths):
        e = entry(item, chunks)
        if e is not None:
            out.append(json.dumps(e))
            if len(out) >= 4096:
                sys.stdout.write('\n'.join(out) + '\n')
                del out[:]
        if known is not None and chunks is not None:
            known.append((item.path, chunks))
    if out:
        sys.stdout.write('\n'.join(out) + '\n')


def fast_id_hash(key):
    """key.id_hash, called without borg's Python layers where it is plain HMAC-SHA256 over the key's id_key (repokey,
    keyfile, authenticated): checked against key.id_hash on sample data first; else key.id_hash itself."""
    try:
        import _hashlib
        import functools
        f = functools.partial(_hashlib.hmac_digest, key.id_key, digest='sha256')
        for sample in (b'', b'continuity', os.urandom(4099)):
            if f(sample) != key.id_hash(sample):
                return key.id_hash
        return f
    except Exception:
        return key.id_hash


def compare_units(units, id_hash, results):
    """Compare each unit (file index, path bytes relative to the current folder, offset, file size, [(id, size)])
    with the restored file, appending (file index, offset, None | 'found' message | [chunk numbers whose id differs])
    to `results`."""
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0)  # never wait on a fifo
    pread, openf, fstat, close, isreg = os.pread, os.open, os.fstat, os.close, stat.S_ISREG
    append = results.append
    for i, path, offset, total, chunks in units:
        try:
            fd = openf(path, flags)
        except OSError as ex:
            append((i, offset, 'unreadable (%s)' % (ex.strerror or ex)))
            continue
        try:
            st = fstat(fd)
            if not isreg(st.st_mode):
                append((i, offset, 'not a regular file'))
                continue
            if st.st_size != total:
                append((i, offset, 'size %d, the snapshot has %d' % (st.st_size, total)))
                continue
            differ = None
            at = offset
            for k, (cid, n) in enumerate(chunks):
                data = pread(fd, n, at)
                if len(data) != n or id_hash(data) != cid:
                    if differ is None:
                        differ = []
                    differ.append(k)
                at += n
            append((i, offset, differ))
        except OSError as ex:
            append((i, offset, 'unreadable (%s)' % (ex.strerror or ex)))
        finally:
            close(fd)


class Workers:
    """Forked workers (one per core) that compare restored files while the parent still reads the archive's items:
    each gets batches of units through a pipe of its own (the least loaded worker the next batch) and answers with all
    its results once its pipe is closed. A large file goes in pieces of about SEGMENT bytes at chunk boundaries."""

    BATCH = 1 << 20  # bytes of file data per batch (small files: up to 512 of them)

    def __init__(self, n, id_hash, root):
        import marshal
        self.marshal = marshal
        self.children = []  # (pid, input fd, result fd)
        self.load = [0] * n
        self.batch = [[] for _ in range(n)]
        self.batch_bytes = [0] * n
        self.sent = 0
        sys.stdout.flush()
        sys.stderr.flush()
        for _ in range(n):
            ir, iw = os.pipe()
            rr, rw = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 3
                try:
                    os.close(iw)
                    os.close(rr)
                    for _, w, r in self.children:  # the other workers' pipes
                        os.close(w)
                        os.close(r)
                    os.chdir(root)
                    code = self._serve(ir, rw, id_hash)
                except BaseException as ex:
                    try:
                        sys.stderr.write('continuity: a comparing worker failed: %s: %s\n' % (type(ex).__name__, ex))
                        sys.stderr.flush()
                    except BaseException:
                        pass
                finally:
                    os._exit(code)
            os.close(ir)
            os.close(rw)
            self.children.append((pid, iw, rr))

    def _serve(self, ir, rw, id_hash):
        results = []
        inp = os.fdopen(ir, 'rb', buffering=1 << 16)
        while True:
            head = inp.read(4)
            if not head:
                break
            size = int.from_bytes(head, 'big')
            body = inp.read(size)
            if len(head) != 4 or len(body) != size:
                raise EOFError('a batch ended early')
            compare_units(self.marshal.loads(body), id_hash, results)
        data = self.marshal.dumps(results)
        view = memoryview(data)
        while view:
            view = view[os.write(rw, view):]
        return 0

    def add(self, i, path, chunks):
        """Queue file `i` (its path relative to the root, its [(id, size)]) for comparison."""
        bpath = os.fsencode(path)
        total = sum(n for _, n in chunks)
        if total <= SEGMENT:
            self._queue((i, bpath, 0, total, chunks), total)
            return
        first, offset, size = 0, 0, 0
        for k, (_, n) in enumerate(chunks):
            size += n
            if size >= SEGMENT or k == len(chunks) - 1:
                self._queue((i, bpath, offset, total, chunks[first:k + 1]), size)
                first, offset, size = k + 1, offset + size, 0

    def _queue(self, unit, size):
        w = self.load.index(min(self.load))
        cost = size + 8192  # an open costs about as much as reading a few KiB
        self.load[w] += cost
        self.batch[w].append(unit)
        self.batch_bytes[w] += cost
        self.sent += 1
        if self.batch_bytes[w] >= self.BATCH or len(self.batch[w]) >= 512:
            self._send(w)

    def _send(self, w):
        if not self.batch[w]:
            return
        body = self.marshal.dumps(self.batch[w])
        data = memoryview(len(body).to_bytes(4, 'big') + body)
        fd = self.children[w][1]
        while data:
            data = data[os.write(fd, data):]
        self.batch[w] = []
        self.batch_bytes[w] = 0

    def finish(self):
        """Every unit's result; a failed worker, or a unit nobody answered for, makes the script fall back."""
        import threading
        for w in range(len(self.children)):
            self._send(w)
            os.close(self.children[w][1])
        outputs = [b''] * len(self.children)

        def drain(n, r):
            parts = []
            while True:
                b = os.read(r, 1 << 16)
                if not b:
                    break
                parts.append(b)
            os.close(r)
            outputs[n] = b''.join(parts)

        readers = [threading.Thread(target=drain, args=(n, r)) for n, (_, _, r) in enumerate(self.children)]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        failed = False
        for pid, _, _ in self.children:
            _, status = os.waitpid(pid, 0)
            failed = failed or status != 0
        if failed:
            fallback('a comparing worker failed')
        results = []
        for o in outputs:
            results.extend(self.marshal.loads(o))
        # every unit must have come back: a file is only ever matched when all of it was compared
        if len(results) != self.sent:
            fallback('the comparing workers did not answer for every piece')
        return results


def first_difference(a, b):
    n = min(len(a), len(b))
    lo = 0
    # by blocks first: the first differing byte of two large pieces without a Python loop over every byte
    step = 4096
    while lo < n and a[lo:lo + step] == b[lo:lo + step]:
        lo += step
    for k in range(lo, min(lo + step, n)):
        if a[k] != b[k]:
            return k
    return n


def byte_compare(repository, key, root, path, chunks, indexes):
    """None when the pieces at `indexes` hold exactly the repository's chunks, else what differs."""
    offsets = []
    at = 0
    for _, n in chunks:
        offsets.append(at)
        at += n
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0)
    try:
        fd = os.open(os.path.join(root, path), flags)
    except OSError as ex:
        return 'unreadable (%s)' % (ex.strerror or ex)
    try:
        for k in indexes:
            cid, n = chunks[k]
            try:
                want = key.decrypt(cid, repository.get(cid))
            except Exception as ex:
                return 'chunk %d of %d could not be read from the repository to compare (%s)' % (k + 1, len(chunks), ex)
            try:
                have = os.pread(fd, n, offsets[k])
            except OSError as ex:
                return 'unreadable (%s)' % (ex.strerror or ex)
            if have != want:
                d = first_difference(have, want)
                if d >= min(len(have), len(want)):
                    return 'chunk %d of %d: %d bytes, the repository has %d' % (k + 1, len(chunks), len(have), len(want))
                return 'byte %d differs' % (offsets[k] + d)
    finally:
        os.close(fd)
    return None


def run_check(repository, key, archive, paths, root, workers, known=None):
    """The check; `known`: the regular files' (path, chunks), already read (items-then-check), else read here while
    the workers compare."""
    files = []
    pool = Workers(workers, fast_id_hash(key), root)  # comparing while the items are still read
    try:
        pairs = known if known is not None else ((item.path, chunks) for item, chunks in selected(archive, paths) if chunks is not None)
        for path, chunks in pairs:
            pool.add(len(files), path, chunks)
            files.append((path, chunks))
    except BaseException:
        for pid, w, r in pool.children:
            os.kill(pid, 9)
        raise
    results = pool.finish()
    found = {}  # file index -> message
    differ = {}  # file index -> chunk numbers whose id differs
    units = {}  # file index -> pieces answered
    for i, offset, r in results:
        units[i] = units.get(i, 0) + 1
        if isinstance(r, str):
            found.setdefault(i, r)
        elif r:
            # chunk numbers within the piece -> within the file
            chunks = files[i][1]
            at, k0 = 0, 0
            while at < offset:
                at += chunks[k0][1]
                k0 += 1
            differ.setdefault(i, []).extend(k0 + k for k in r)
    for i, ks in sorted(differ.items()):
        if i in found:
            continue
        path, chunks = files[i]
        what = byte_compare(repository, key, root, path, chunks, sorted(ks))
        if what is not None:
            found[i] = what
    matched = [files[i][0] for i in range(len(files)) if i not in found and i in units]
    unanswered = [i for i in range(len(files)) if i not in units]
    if unanswered:
        fallback('no answer for %d files' % len(unanswered))
    differs = [{'path': files[i][0], 'found': m} for i, m in sorted(found.items())]
    return {'matched': matched, 'differs': differs}


def run_items_then_check(repository, key, archive, paths, wait_seconds):
    """`items`, keeping the regular files' chunk lists; then MARK and a folder of our own on stdout, and a wait for the
    drill's answer in <folder>/answer: {"answer": "go", "root": ROOT} runs the check of ROOT with what was kept (no
    second read of the archive's metadata), and prints its JSON; any other answer, a parent that went away or
    `wait_seconds` without an answer end it. Returns the check's result, or None."""
    import shutil
    import tempfile
    known = []
    run_items(archive, paths, known)
    folder = tempfile.mkdtemp(prefix='continuity-borg-check.')
    try:
        sys.stdout.write('%s %s\n' % (MARK, folder))
        sys.stdout.flush()
        parent = os.getppid()
        deadline = time.monotonic() + wait_seconds
        answer = None
        while answer is None:
            try:
                with open(os.path.join(folder, 'answer')) as f:
                    answer = json.load(f)
            except (OSError, ValueError):
                if os.getppid() != parent or time.monotonic() > deadline:
                    return None
                time.sleep(0.02)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not isinstance(answer, dict) or answer.get('answer') != 'go' or not isinstance(answer.get('root'), str):
        return None
    global started
    started = time.monotonic()  # the check's seconds count from the answer
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 0)  # read beside the restore at nice 19; the check runs at normal priority
    except OSError:
        pass
    return run_check(repository, key, archive, paths, answer['root'], os.cpu_count() or 2, known)


MARK = 'CONTINUITY-ITEMS-END'


def main():
    what, repo, name = sys.argv[1], sys.argv[2], sys.argv[3]
    paths = [p.strip('/') for p in json.loads(sys.argv[4]) if p.strip('/')]
    try:
        location = Location(repo)
        if location.proto != 'file' or location.archive:
            fallback('not a local repository')
        with Repository(location.path, exclusive=False, lock=False, lock_wait=1) as repository:
            manifest, key = Manifest.load(repository, (Manifest.Operation.READ,))
            assert_secure(repository, manifest, 1)
            archive = Archive(repository, key, manifest, name)
            cp = archive.metadata.get('chunker_params')
            out = None
            if what == 'items':
                run_items(archive, paths)
            elif what == 'items-then-check':
                out = run_items_then_check(repository, key, archive, paths, float(sys.argv[5]))
            elif what == 'check':
                root = sys.argv[5]
                workers = int(sys.argv[6]) if len(sys.argv) > 6 else (os.cpu_count() or 2)
                out = run_check(repository, key, archive, paths, root, max(1, workers))
            else:
                fallback('unknown mode %s' % what)
            if out is not None:
                out['seconds'] = time.monotonic() - started
                out['chunker_params'] = list(cp) if cp is not None else None
                sys.stdout.write(json.dumps(out) + '\n')
    except Error as e:
        sys.stdout.flush()
        sys.stderr.write(e.get_message() + '\n')
        sys.stderr.flush()
        os._exit(e.exit_code)
    except SystemExit:
        raise
    except Exception as e:
        fallback('%s: %s' % (type(e).__name__, e))
    sys.stdout.flush()


main()
