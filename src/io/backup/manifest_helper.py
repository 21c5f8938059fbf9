# Runs ON THE STANDBY (python3, standard library only): turns what a snapshot holds into one JSON
# line per file (path, type, size, sha256, uid, gid, mode, target), reading the repository only.
#
#   tar  [--strip P] [--paths JSON] [--no-hash] [--password-stdin] [--file F [--gunzip]] [--restore JSON] [-- PRODUCER...]
#        read a tar stream (stdin, or the stdout of PRODUCER, e.g. `restic dump`, `borg export-tar`,
#        `zstd -dc x.tar.zst`, or the file F, gunzipped here by zlib in a thread of its own when --gunzip: twice as
#        fast as `gzip -dc` and parallel to the parsing); member names lose a leading `./` or `/` and then the prefix P.
#        --restore ARGV (a JSON array, e.g. ["tar","-x","-f","-","-C","/srv/restore"]): the restore itself reads the
#        same plain stream on its stdin, fed chunk by chunk before the parser sees it, so the archive is read and
#        decompressed once for both; the helper exits 3 when the restoring command fails, with its message.
#   raw  --name N [--password-stdin] -- PRODUCER...
#        hash the raw stdout of PRODUCER as the content of one file N (restic dump of a single file).
#   walk --root DIR [--paths JSON] [--no-hash] [--metadata FILE] [--skip NAME]
#        walk a mirror (rsync, rdiff-backup) and hash files in parallel; with --metadata, owners,
#        groups and modes come from rdiff-backup's mirror_metadata (of the increment --at EPOCH, data dir
#        --metadata DIR) instead of the mirror's inodes, which may belong to the backup user.
#   rdiff-sizes --metadata DIR --at EPOCH [--paths JSON]
#        entries (no hashes) of an increment from the metadata alone: sizes for the free-space gate.
#   rdiff-meta --metadata DIR --at EPOCH [--paths JSON]
#        the manifest of an increment from rdiff-backup's metadata alone: owners, modes, symlink targets and
#        the SHA-1 digest rdiff-backup recorded for every regular file when it made the backup (no file data read).
#   hash --root DIR [--digest sha256|sha1] [--workers N]
#        the RESTORED side: hash the NUL-separated relative paths on stdin (files under DIR) in N forked
#        workers (default: the cores), printing `<hex>  <path>` NUL-terminated, as `sha256sum -z` does.
#        OpenSSL's digests (hashlib) use the CPU's SHA extensions where coreutils' sha256sum does not.
#
# Exit codes: 0 ok, 3 the producer failed or the stream is corrupt (message on stderr).
import gzip
import hashlib
import json
import os
import stat
import subprocess
import sys
import tarfile
import threading

CHUNK = 1 << 20
out = sys.stdout


_pending = []


def emit(entry):
    # written in blocks: a write per entry costs a system call, and a GIL hand-over to the inflating thread, each
    _pending.append(json.dumps(entry))
    if len(_pending) >= 2048:
        flush_emitted()


def flush_emitted():
    if _pending:
        out.write("\n".join(_pending) + "\n")
        del _pending[:]


def fail(message, code=3):
    flush_emitted()
    out.flush()
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(code)


def parse_args(argv):
    opts = {"paths": [], "hash": True, "strip": "", "producer": None, "password": False,
            "metadata": None, "skip": [], "root": None, "name": None, "at": None,
            "digest": "sha256", "workers": None, "file": None, "gunzip": False, "restore": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            opts["producer"] = argv[i + 1:]
            break
        if a == "--no-hash":
            opts["hash"] = False
        elif a == "--gunzip":
            opts["gunzip"] = True
        elif a == "--password-stdin":
            opts["password"] = True
        elif a in ("--strip", "--paths", "--metadata", "--skip", "--root", "--name", "--at", "--digest", "--workers", "--file", "--restore"):
            i += 1
            v = argv[i]
            if a == "--paths":
                opts["paths"] = [p.strip("/") for p in json.loads(v) if p.strip("/")]
            elif a == "--restore":
                opts["restore"] = json.loads(v)
            elif a == "--skip":
                opts["skip"].append(v)
            else:
                opts[a[2:]] = v
        else:
            fail("manifest_helper: unknown argument " + a, 2)
        i += 1
    return opts


def wanted(path, paths):
    if not paths:
        return True
    for p in paths:
        if path == p or path.startswith(p + "/"):
            return True
    return False


class Producer:
    """The stdout of a command (the backup tool) as a byte stream; stderr kept for the error message."""

    def __init__(self, cmd, password):
        secret = None
        if password:
            secret = sys.stdin.buffer.readline()
            if not secret.endswith(b"\n"):
                secret += b"\n"
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if secret is not None else subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=CHUNK)
        except FileNotFoundError:
            fail("sh: 1: %s: not found" % cmd[0], 127)
        self.err = b""
        self.t = threading.Thread(target=self._drain, daemon=True)
        self.t.start()
        if secret is not None:
            try:
                self.proc.stdin.write(secret)
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.stream = self.proc.stdout

    def _drain(self):
        self.err = self.proc.stderr.read()

    def finish(self, error=None):
        # read what is left so the tool is not killed by SIGPIPE, then report its failure first
        try:
            while self.stream.read(CHUNK):
                pass
        except Exception:
            pass
        code = self.proc.wait()
        self.t.join()
        if code != 0:
            fail("%s exited with %d: %s" % (os.path.basename(self.proc.args[0]), code,
                                            self.err.decode("utf-8", "replace").strip()))
        if error is not None:
            fail(error)


def clean_name(name, strip):
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    if name == ".":
        name = ""
    if strip:
        s = strip.strip("/")
        if name == s:
            name = ""
        elif s and name.startswith(s + "/"):
            name = name[len(s) + 1:]
        elif s:
            return None
    return name.rstrip("/")


def hash_stream(f):
    h = hashlib.sha256()
    n = 0
    while True:
        b = f.read(CHUNK)
        if not b:
            break
        h.update(b)
        n += len(b)
    return h.hexdigest(), n


class _Counted:
    """A forward-only byte stream that knows its position: what tarfile's header parser needs from a file. `view`
    hands out pieces of large reads without copying them (memoryviews, valid until the next call), so a member's
    content goes to its digest straight from the block it arrived in."""

    def __init__(self, f):
        self.f = f
        self.pos = 0
        self.mv = memoryview(b"")
        self.off = 0

    def view(self, n):
        end = self.off + n
        if end <= len(self.mv):
            r = self.mv[self.off:end]
            self.off = end
            self.pos += n
            return r
        parts = [self.mv[self.off:]]
        need = n - len(parts[0])
        self.mv, self.off = memoryview(b""), 0
        while need > 0:
            b = self.f.read(max(CHUNK, need))
            if not b:
                break
            self.mv = memoryview(b)
            take = min(need, len(b))
            parts.append(self.mv[:take])
            self.off = take
            need -= take
        r = b"".join(parts)
        self.pos += len(r)
        return r

    def some(self, n):
        """Up to n bytes (at least one, unless the stream ended) from the block at hand, never copied."""
        if self.off >= len(self.mv):
            b = self.f.read(CHUNK)
            if not b:
                return b""
            self.mv, self.off = memoryview(b), 0
        end = min(self.off + n, len(self.mv))
        r = self.mv[self.off:end]
        self.pos += end - self.off
        self.off = end
        return r

    def read(self, n):
        r = self.view(n)
        return r.tobytes() if isinstance(r, memoryview) else r

    def tell(self):
        return self.pos


class _Headers:
    """The little of a TarFile that TarInfo's header parsing uses (GNU long names, pax headers)."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.encoding = tarfile.ENCODING
        self.errors = "surrogateescape"
        self.pax_headers = {}
        self.offset = 0


class _Member:
    """The fields of a plain ustar header that the manifest needs, with TarInfo's predicates."""

    __slots__ = ("name", "mode", "uid", "gid", "size", "type", "linkname")

    def isreg(self):
        return self.type in (b"0", b"\0", b"7")

    def islnk(self):
        return self.type == b"1"

    def isdir(self):
        return self.type == b"5"

    def issym(self):
        return self.type == b"2"

    def issparse(self):
        return False


def _octal(field):
    field = field.split(b"\0", 1)[0].strip(b" ")
    return int(field, 8) if field else 0


def _fast_header(buf):
    """A plain header (POSIX ustar or GNU; file, directory, symlink or hard link; every number in octal; checksum
    right) parsed in a few slices, or None: tarfile's own parser then handles it (long names, pax headers, base-256
    numbers, sparse files, bad checksums), so the two always agree."""
    t = buf[156:157]
    if t not in (b"0", b"\0", b"7", b"5", b"2", b"1"):
        return None
    magic = buf[257:265]
    if magic[:6] == b"ustar\0":
        prefix = buf[345:500].split(b"\0", 1)[0]
    elif magic == b"ustar  \0":
        prefix = b""
    else:
        return None
    if buf[124] & 0x80 or buf[108] & 0x80 or buf[116] & 0x80:
        return None  # base-256 numbers
    try:
        chksum = _octal(buf[148:156])
        if chksum != sum(buf[:148]) + 256 + sum(buf[156:]):
            return None
        m = _Member()
        name = buf[0:100].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
        m.name = name.decode("utf-8", "surrogateescape")
        m.mode = _octal(buf[100:108])
        m.uid = _octal(buf[108:116])
        m.gid = _octal(buf[116:124])
        m.size = _octal(buf[124:136])
        m.type = t
        m.linkname = buf[157:257].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    except ValueError:
        return None
    if t == b"\0" and m.name.endswith("/"):
        m.type = b"5"  # old V7 archives mark a directory by its trailing slash, as tarfile reads them
    if m.type == b"5":
        m.name = m.name.rstrip("/")
    return m


def tar_members(stream):
    """(TarInfo, data reader) for each member of a tar stream, parsed with tarfile's own header code, the content
    read straight from the pipe in large blocks (tarfile's streaming mode copies every byte through Python
    several times: about twice the CPU of `tar -t`). The reader must be drained or skipped before the next member."""
    f = _Counted(stream)
    tf = _Headers(f)
    while True:
        buf = f.read(tarfile.BLOCKSIZE)
        if not buf or buf.count(0) == len(buf):
            return  # end of archive (two zero blocks, or a stream that simply ends after a member, as tarfile allows)
        if len(buf) < tarfile.BLOCKSIZE:
            raise tarfile.ReadError("unexpected end of data")
        m = _fast_header(buf)
        if m is not None:
            data = ((m.size + 511) // 512) * 512 if m.isreg() else 0
        else:
            m = tarfile.TarInfo.frombuf(buf, tf.encoding, tf.errors)
            m.offset = f.tell() - tarfile.BLOCKSIZE
            m = m._proc_member(tf)
            data = tf.offset - f.tell()  # content and padding up to the next header
        if data < 0:
            raise tarfile.ReadError("bad header for %s" % m.name)
        left = [data]

        def content(n=None, _left=left):
            # up to n bytes of the member's content (fewer at a block's end: callers loop), never copied
            want = _left[0] if n is None else min(n, _left[0])
            if want <= 0:
                return b""
            b = f.some(want)
            _left[0] -= len(b)
            if not b:
                raise tarfile.ReadError("unexpected end of data")
            return b

        yield m, content
        while left[0] > 0:
            content(min(left[0], CHUNK))


class _Stream:
    """A forward-only byte stream fed by a thread of its own: it reads large chunks from `raw` (a file or a pipe) and
    inflates them with zlib when `gunzip` (zlib lets go of the GIL while it inflates; the CRC and length of every
    gzip member are checked)."""

    def __init__(self, raw, gunzip=False):
        import queue
        self.q = queue.Queue(maxsize=16)
        self.buf = b""
        self.pos = 0
        self.done = False
        self.raw = raw
        self.gunzip = gunzip
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for b in plain_chunks(self.raw, self.gunzip):
                self.q.put(b)
            self.q.put(None)
        except Exception as ex:  # handed to the reader, which raises it
            self.q.put(ex)

    def read(self, n):
        parts = []
        while n > 0:
            if self.pos >= len(self.buf):
                if self.done:
                    break
                nxt = self.q.get()
                if nxt is None:
                    self.done = True
                    break
                if isinstance(nxt, Exception):
                    self.done = True
                    raise nxt
                self.buf, self.pos = nxt, 0
            take = self.buf[self.pos:self.pos + n]
            self.pos += len(take)
            n -= len(take)
            parts.append(take)
        return parts[0] if len(parts) == 1 else b"".join(parts)


def plain_chunks(raw, gunzip):
    """The plain tar stream of `raw` in large chunks, inflated by zlib when `gunzip` (every gzip member's CRC and length
    checked; a stream that ends inside a member raises EOFError)."""
    import zlib
    d = zlib.decompressobj(31) if gunzip else None
    started = False
    while True:
        c = raw.read(CHUNK)
        if not c:
            break
        if d is None:
            yield c
            continue
        while c:
            out = d.decompress(c)
            started = True
            if out:
                yield out
            if d.eof:  # the next member of a multi-member gzip, if any
                c = d.unused_data
                d = zlib.decompressobj(31)
                started = False
            else:
                c = b""
    if started and not d.eof:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")


class _Out:
    """A non-blocking pipe and the chunks it could not take yet: `push` writes what it takes now (with block: all of
    it, waiting for the reader). A reader that went away (EPIPE) stops it: `alive` is False, the rest is dropped (the
    reader's exit status and message tell why). The pipe is made `size` bytes where the kernel lets us (root may go
    beyond pipe-max-size), else a chunk."""

    def __init__(self, fd, size):
        import collections
        import fcntl
        for n in (size, CHUNK):
            try:
                fcntl.fcntl(fd, 1031, n)  # F_SETPIPE_SZ (root may go beyond pipe-max-size)
                break
            except OSError:
                continue
        os.set_blocking(fd, False)
        self.fd = fd
        self.alive = True
        self.queue = collections.deque()
        self.at = 0  # bytes of queue[0] already written
        self.pending = 0

    def add(self, b):
        if self.alive:
            self.queue.append(b)
            self.pending += len(b)

    def push(self, block=False):
        import select
        q = self.queue
        while q and self.alive:
            b = q[0]
            try:
                n = os.write(self.fd, memoryview(b)[self.at:])
            except BlockingIOError:
                if not block:
                    return
                select.select([], [self.fd], [])
                continue
            except OSError:
                self.alive = False
                break
            self.at += n
            if self.at >= len(b):
                q.popleft()
                self.pending -= len(b)
                self.at = 0
        if not self.alive:
            q.clear()
            self.pending = 0


class _Inline:
    """The plain stream read (and inflated) in the parsing thread itself, every chunk handed to the restoring process
    (tar) through its stdin, made non-blocking, before the chunk is parsed and hashed: what the pipe cannot take yet
    waits here and is written whenever the thread comes by (after each chunk read, between members), so tar, the
    slowest part, has data while this thread parses, and this thread waits for tar only when PENDING bytes behind.
    One thread, one copy of the stream: no GIL handed back and forth, no second pipe (a forked reader feeding tar and
    this process through two pipes took 10-30 % more CPU on two cores, and more wall time). `read` is the stream as
    the parser sees it; `finish` says whether reading failed."""

    PENDING = 64 << 20

    def __init__(self, raw, gunzip, restore):
        self.out = _Out(restore.fd, 8 << 20)
        self.restore = restore
        self.error = None
        self.chunks = plain_chunks(raw, gunzip)

    def push(self):
        self.out.push()

    def read(self, n):
        if self.error is not None:
            return b""
        self.out.push()
        try:
            b = next(self.chunks, b"")
        except Exception as ex:  # named by finish; the parser sees the stream end here
            self.error = str(ex) or type(ex).__name__
            return b""
        if b:
            self.out.add(b)
            self.out.push(block=self.out.pending > self.PENDING)
        return b

    def finish(self):
        """Read to the end (tar gets the end-of-archive blocks), write what waits; None, or the reading error."""
        while self.read(CHUNK):
            pass
        self.out.push(block=True)
        self.restore.detach()
        return self.error


class Restorer:
    """The restoring command (GNU tar -x) reading the plain stream on its stdin; stderr kept for the message."""

    def __init__(self, cmd):
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except FileNotFoundError:
            fail("sh: 1: %s: not found" % cmd[0], 127)
        self.fd = self.proc.stdin.fileno()
        self.err = b""
        self.t = threading.Thread(target=self._drain, daemon=True)
        self.t.start()

    def _drain(self):
        self.err = self.proc.stderr.read()

    def detach(self):
        """Close its stdin: the end of the stream (tar then finishes)."""
        self.proc.stdin.close()

    def finish(self):
        """Close its stdin, wait; None when it succeeded, else the message."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        code = self.proc.wait()
        self.t.join()
        if code == 0:
            return None
        return "%s exited with %d: %s" % (os.path.basename(self.proc.args[0]), code,
                                          self.err.decode("utf-8", "replace").strip())


def run_tar(opts):
    producer = Producer(opts["producer"], opts["password"]) if opts["producer"] else None
    restore = Restorer(opts["restore"]) if opts["restore"] else None
    if producer:
        raw = producer.stream
    elif opts["file"]:
        try:
            raw = open(opts["file"], "rb", buffering=0 if (opts["gunzip"] or restore) else CHUNK)
        except OSError as ex:
            fail("cannot read %s: %s" % (opts["file"], ex.strerror))
    else:
        raw = open(sys.stdin.fileno(), "rb", buffering=0 if restore else CHUNK, closefd=False)
    if restore:
        stream = _Inline(raw, opts["gunzip"], restore)
    elif opts["gunzip"]:
        stream = _Stream(raw, True)
    else:
        stream = raw
    files = {}  # member name -> (sha256, size), for hard links
    error = None
    push = getattr(stream, "push", None)
    enc = json.encoder.encode_basestring_ascii  # what json.dumps writes for a string
    sha256 = hashlib.sha256
    pending = _pending
    try:
        for m, content in tar_members(stream):
            if push is not None:
                push()  # tar gets what its pipe takes now, between members too
            name = clean_name(m.name, opts["strip"])
            if name is None or name == "" or not wanted(name, opts["paths"]):
                continue
            # each entry written as the JSON json.dumps would make of it (strings by json's own C encoder), without
            # building a dict per member: a tenth of the parser's time on 100 000 small files
            head = '{"path": %s, "uid": %d, "gid": %d, "mode": %d, ' % (enc(name), m.uid, m.gid, m.mode & 0o7777)
            if m.isreg():
                if opts["hash"]:
                    if m.issparse():
                        raise tarfile.ReadError("%s is stored sparse, which this reader cannot hash" % name)
                    h = sha256()
                    left = m.size
                    while left > 0:
                        b = content(min(left, CHUNK))
                        h.update(b)
                        left -= len(b)
                    digest = h.hexdigest()
                    files[name] = (digest, m.size)
                    line = '%s"size": %d, "type": "file", "sha256": "%s"}' % (head, m.size, digest)
                else:
                    line = '%s"size": %d, "type": "file"}' % (head, m.size)
            elif m.islnk():
                target = clean_name(m.linkname, opts["strip"])
                if target in files:
                    line = '%s"size": %d, "type": "file", "sha256": "%s"}' % (head, files[target][1], files[target][0])
                else:
                    line = '%s"size": 0, "type": "file"}' % head
            elif m.isdir():
                line = '%s"size": 0, "type": "dir"}' % head
            elif m.issym():
                line = '%s"size": 0, "type": "symlink", "target": %s}' % (head, enc(m.linkname))
            else:
                line = '%s"size": 0, "type": "other"}' % head
            pending.append(line)
            if len(pending) >= 2048:
                flush_emitted()
    except (tarfile.TarError, EOFError, OSError, zlib_error()) as ex:
        error = "the archive is corrupt or truncated: %s" % ex
    if restore:
        # the rest of the stream (end-of-archive blocks) still goes to the restore, which then ends; a damaged stream
        # is named by the reader that inflated it (the parser saw only where the stream stopped)
        fed = stream.finish()
        if fed:
            error = "the archive is corrupt or truncated: %s" % fed
        failed = restore.finish()
        if failed and not error:
            error = failed
        elif failed:
            error = "%s (%s)" % (error, failed)
    if producer:
        producer.finish(error)
    elif error:
        fail(error)


def zlib_error():
    import zlib
    return zlib.error


def run_raw(opts):
    producer = Producer(opts["producer"], opts["password"])
    digest, n = hash_stream(producer.stream)
    producer.finish()
    emit({"path": opts["name"].strip("/"), "type": "file", "size": n, "sha256": digest})


def unquote_rdiff(name):
    # rdiff-backup writes `\n` and `\\` escaped in mirror_metadata file names
    if "\\" not in name:
        return name
    res, i = [], 0
    while i < len(name):
        c = name[i]
        if c == "\\" and i + 1 < len(name):
            n = name[i + 1]
            res.append("\n" if n == "n" else n)
            i += 2
        else:
            res.append(c)
            i += 1
    return "".join(res)


def rdiff_time(stamp):
    from datetime import datetime
    if stamp.endswith("Z"):
        stamp = stamp[:-1] + "+00:00"
    # rdiff-backup may write `-` for `:` in times (--use-compatible-timestamps)
    if "T" in stamp:
        day, _, rest = stamp.partition("T")
        clock, sign, zone = rest[:8], rest[8:9], rest[9:]
        stamp = day + "T" + clock.replace("-", ":") + sign + zone.replace("-", ":")
    return datetime.fromisoformat(stamp).timestamp()


def rdiff_metadata_at(data_dir, at, paths):
    """The metadata of the increment at time `at`: the nearest newer snapshot file with the diffs down to `at` applied."""
    import re
    found = []
    for n in os.listdir(data_dir):
        m = re.match(r"^mirror_metadata\.(.+)\.(snapshot|diff)(\.gz)?$", n)
        if m:
            found.append((rdiff_time(m.group(1)), m.group(2), os.path.join(data_dir, n)))
    found.sort(key=lambda x: -x[0])
    start = None
    for i, (t, kind, p) in enumerate(found):
        if kind == "snapshot" and t >= at - 0.5:
            start = i
    if start is None:
        fail("no mirror_metadata snapshot at or after %s in %s" % (at, data_dir))
    meta = read_rdiff_metadata(found[start][2], paths, {})
    for t, kind, p in found[start + 1:]:
        if t < at - 0.5:
            break
        read_rdiff_metadata(p, paths, meta)
    return {k: v for k, v in meta.items() if v.get("type") != "none"}


def read_rdiff_metadata(path, paths, meta):
    """mirror_metadata.<time>.(snapshot|diff)(.gz) records over `meta`: path -> {type, uid, gid, mode, target, size, sha1}.
    Read whole and split in bytes (100 000 files: a few MB compressed); only names and targets are decoded."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    cur = None
    kinds = {b"reg": "file", b"dir": "dir", b"sym": "symlink", b"None": "none"}
    ints = {b"Uid": "uid", b"Gid": "gid", b"Size": "size"}
    for line in data.split(b"\n"):
        if line[:5] == b"File ":
            name = unquote_rdiff(line[5:].decode("utf-8", "surrogateescape"))
            cur = {} if name != "." and wanted(name, paths) else None
            if cur is not None:
                meta[name] = cur
        elif cur is not None and line[:2] == b"  ":
            key, _, val = line[2:].partition(b" ")
            k = ints.get(key)
            if k is not None:
                cur[k] = int(val)
            elif key == b"Type":
                cur["type"] = kinds.get(val, "other")
            elif key == b"Permissions":
                cur["mode"] = int(val) & 0o7777
            elif key == b"SHA1Digest":
                cur["sha1"] = val.decode("ascii")
            elif key == b"SymData":
                cur["target"] = unquote_rdiff(val.decode("utf-8", "surrogateescape"))
    return meta


def run_rdiff_sizes(opts):
    """Bytes of the chosen paths in an increment, from rdiff-backup's metadata alone (no restore needed)."""
    meta = rdiff_metadata_at(opts["metadata"], float(opts["at"]), opts["paths"])
    for p in opts["paths"]:
        if p not in meta:
            fail("not in the backup: %s" % p)
    for name, m in meta.items():
        emit({"path": name, "type": m.get("type", "other"), "size": m.get("size", 0) if m.get("type") == "file" else 0,
              "uid": m.get("uid", 0), "gid": m.get("gid", 0), "mode": m.get("mode", 0)})


def run_rdiff_meta(opts):
    """Entries of an increment as rdiff-backup recorded them, with each regular file's SHA1Digest as its sha1
    (a file recorded without one is emitted without it: the caller then reads the data instead)."""
    meta = rdiff_metadata_at(opts["metadata"], float(opts["at"]), opts["paths"])
    for p in opts["paths"]:
        if p not in meta:
            fail("not in the backup: %s" % p)
    for name in sorted(meta):
        m = meta[name]
        t = m.get("type", "other")
        e = {"path": name, "type": t, "size": m.get("size", 0) if t == "file" else 0,
             "uid": m.get("uid", 0), "gid": m.get("gid", 0), "mode": m.get("mode", 0)}
        if t == "file" and "sha1" in m:
            e["sha1"] = m["sha1"]
        if t == "symlink":
            e["target"] = m.get("target", "")
        emit(e)


def damaged_in_mirror(entries, meta):
    """Files whose bytes differ from what rdiff-backup recorded when it made the backup (size or SHA1Digest)."""
    bad = []
    for e in entries:
        m = meta.get(e["path"])
        if e["type"] != "file" or m is None or m.get("type") != "file":
            continue
        if "size" in m and m["size"] != e["size"]:
            bad.append("%s (%d bytes, rdiff-backup recorded %d)" % (e["path"], e["size"], m["size"]))
        elif "sha1" in m and "_sha1" in e and m["sha1"] != e["_sha1"]:
            bad.append("%s (SHA1 %s, rdiff-backup recorded %s)" % (e["path"], e["_sha1"][:12], m["sha1"][:12]))
    return bad


def run_walk(opts):
    root = opts["root"]
    if not os.path.isdir(root):
        fail("no such directory: %s" % root)
    meta = rdiff_metadata_at(opts["metadata"], float(opts["at"]), opts["paths"]) if opts["metadata"] else None
    entries = []
    skip = set(opts["skip"])

    def visit(rel):
        full = os.path.join(root, rel)
        st = os.lstat(full)
        e = {"path": rel, "uid": st.st_uid, "gid": st.st_gid, "mode": stat.S_IMODE(st.st_mode), "size": 0}
        if stat.S_ISREG(st.st_mode):
            e["type"] = "file"
            e["size"] = st.st_size
        elif stat.S_ISDIR(st.st_mode):
            e["type"] = "dir"
        elif stat.S_ISLNK(st.st_mode):
            e["type"] = "symlink"
            e["target"] = os.readlink(full)
        else:
            e["type"] = "other"
        entries.append(e)
        if e["type"] == "dir":
            with os.scandir(full) as it:
                names = sorted(d.name for d in it)
            for n in names:
                if rel == "" and n in skip:
                    continue
                visit(n if rel == "" else rel + "/" + n)

    starts = opts["paths"] or [""]
    for p in starts:
        if not os.path.lexists(os.path.join(root, p)):
            fail("not in the backup: %s" % p)
        if p == "":
            # the root itself is not an entry, only what is under it
            with os.scandir(root) as it:
                for n in sorted(d.name for d in it):
                    if n not in skip:
                        visit(n)
        else:
            visit(p)
    if opts["hash"]:
        todo = {os.fsencode(e["path"]): e for e in entries if e["type"] == "file"}
        algos = ["sha256"] if meta is None else ["sha256", "sha1"]
        cwd = os.getcwd()
        os.chdir(root)
        try:
            result, failed = parallel_digests(list(todo), algos)
        finally:
            os.chdir(cwd)
        if failed:
            fail("could not read every file of the snapshot in %s" % root)
        for name, digests in result:
            e = todo[name]
            e["sha256"] = digests[0]
            if meta is not None:
                e["_sha1"] = digests[1]
    if meta is not None:
        # the mirror (or an increment rebuilt from it) is what the restore copies: a file damaged on the backup
        # disk comes back damaged and would match itself, so check it against what rdiff-backup recorded
        bad = damaged_in_mirror(entries, meta)
        if bad:
            fail("the backup is damaged: %d file%s no longer match%s what rdiff-backup recorded when it made the backup: %s%s"
                 % (len(bad), "" if len(bad) == 1 else "s", "es" if len(bad) == 1 else "", "; ".join(bad[:5]),
                    "; ..." if len(bad) > 5 else ""))
    for e in entries:
        sha1 = e.pop("_sha1", None)
        if sha1 is not None:
            e["sha1"] = sha1
        if meta is not None:
            m = meta.get(e["path"])
            if m is not None:
                for k in ("uid", "gid", "mode", "type", "target"):
                    if k in m:
                        e[k] = m[k]
        emit(e)


def unreadable(name, ex):
    """Name a file that could not be read (on stderr; the caller counts the failure)."""
    sys.stderr.write("%s: %s\n" % (name.decode("utf-8", "replace"), ex.strerror))


def digest_names(names, algos, w):
    """Hash each of `names` (bytes, relative to the current folder) with every digest in `algos`, writing one
    record per file to fd `w`: the hex digests, each followed by a space, then the name and a NUL."""
    if len(algos) == 1:
        return digest_names_one(names, getattr(hashlib, algos[0]), w)
    failed = 0
    buf = []
    news = [getattr(hashlib, a) for a in algos]
    for name in names:
        try:
            fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as ex:
            unreadable(name, ex)
            failed = 1
            continue
        try:
            b = os.read(fd, CHUNK)
            hs = [n(b) for n in news]
            while len(b) == CHUNK:  # most files end in the first read (a short read of a regular file is its end)
                b = os.read(fd, CHUNK)
                for h in hs:
                    h.update(b)
        except OSError as ex:
            unreadable(name, ex)
            failed = 1
            continue
        finally:
            os.close(fd)
        buf.append(b"".join(h.hexdigest().encode() + b" " for h in hs) + name + b"\0")
        if len(buf) >= 512:
            write_all(w, b"".join(buf))
            buf = []
    write_all(w, b"".join(buf))
    return failed


def digest_names_one(names, new, w):
    """digest_names with one digest: the common case, its loop kept lean (100 000 small files spend more time in
    this loop and in open/read/close than in the hashing itself)."""
    failed = 0
    buf = []
    append = buf.append
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    read, close, openf = os.read, os.close, os.open
    for name in names:
        try:
            fd = openf(name, flags)
        except OSError as ex:
            unreadable(name, ex)
            failed = 1
            continue
        try:
            b = read(fd, CHUNK)
            h = new(b)
            while len(b) == CHUNK:
                b = read(fd, CHUNK)
                h.update(b)
        except OSError as ex:
            unreadable(name, ex)
            failed = 1
            continue
        finally:
            close(fd)
        append(b"%s %s\0" % (h.hexdigest().encode(), name))
        if len(buf) >= 1024:
            write_all(w, b"".join(buf))
            del buf[:]
    write_all(w, b"".join(buf))
    return failed


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def parallel_digests(names, algos, workers=None):
    """[(name, [hex per algo])] for `names` (bytes, relative to the current folder), hashed by forked workers (real
    parallelism on every core, no GIL; OpenSSL's digests use the CPU's SHA extensions), plus whether any file could
    not be read (named on stderr). The names are dealt round-robin, so large and small files spread evenly."""
    workers = max(1, min(int(workers or os.cpu_count() or 2), max(1, len(names) // 64)))
    sys.stdout.flush()
    sys.stderr.flush()
    children = []
    for i in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 3
            try:
                code = digest_names(names[i::workers], algos, w)
            finally:
                os._exit(code)
        os.close(w)
        children.append((pid, r))
    outputs = [None] * workers

    def drain(i, r):
        parts = []
        while True:
            b = os.read(r, 1 << 16)
            if not b:
                break
            parts.append(b)
        os.close(r)
        outputs[i] = b"".join(parts)

    readers = [threading.Thread(target=drain, args=(i, r)) for i, (_, r) in enumerate(children)]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    failed = False
    for pid, _ in children:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            failed = True
    result = []
    k = len(algos)
    for o in outputs:
        for rec in o.split(b"\0"):
            if rec:
                parts = rec.split(b" ", k)
                result.append((parts[k], [x.decode() for x in parts[:k]]))
    return result, failed


def run_hash(opts):
    """The restored side's content digests, printed as `sha256sum -z` does: `<hex>  <name>` NUL-terminated."""
    algo = opts["digest"]
    if algo not in ("sha256", "sha1"):
        fail("manifest_helper: --digest must be sha256 or sha1", 2)
    try:
        os.chdir(opts["root"])
    except OSError as ex:
        fail("cannot enter %s: %s" % (opts["root"], ex.strerror))
    names = [n for n in sys.stdin.buffer.read().split(b"\0") if n]
    result, failed = parallel_digests(names, [algo], opts["workers"])
    out_b = sys.stdout.buffer
    out_b.write(b"".join(d[0].encode() + b"  " + name + b"\0" for name, d in result))
    out_b.flush()
    if failed:
        sys.exit(1)


def main():
    if len(sys.argv) < 2:
        fail("usage: manifest_helper tar|raw|walk ...", 2)
    opts = parse_args(sys.argv[2:])
    {"tar": run_tar, "raw": run_raw, "walk": run_walk, "rdiff-sizes": run_rdiff_sizes, "rdiff-meta": run_rdiff_meta,
     "hash": run_hash}.get(sys.argv[1], lambda o: fail("unknown mode", 2))(opts)
    flush_emitted()
    out.flush()


try:
    main()
except BrokenPipeError:
    sys.exit(3)
except KeyboardInterrupt:
    sys.exit(130)
