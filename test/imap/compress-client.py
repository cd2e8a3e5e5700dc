# Raw IMAP client with Python's zlib (RFC 4978 COMPRESS=DEFLATE), driven by test/imap/compress.test.ts.
# MODE: plain | starttls | imaps. Prints "OK <raw bytes in> <plain bytes in>" at the end.
import os, socket, ssl, sys, zlib, random

host, port, mode = os.environ['HOST'], int(os.environ['PORT']), os.environ['MODE']
user, password = os.environ['USER'], os.environ['PASS']
big_size = int(os.environ.get('BIG_SIZE', '0'))

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
sock = socket.create_connection((host, port), timeout=30)
if mode == 'imaps':
    sock = ctx.wrap_socket(sock)

inbuf = b''
deflate = inflate = None
raw_in = plain_in = 0

def fill():
    global inbuf, raw_in, plain_in
    data = sock.recv(65536)
    if not data:
        raise SystemExit('connection closed by server; had: %r' % inbuf[-200:])
    raw_in += len(data)
    if inflate:
        data = inflate.decompress(data)
    plain_in += len(data)
    inbuf += data

def readline():
    global inbuf
    while b'\r\n' not in inbuf:
        fill()
    line, inbuf = inbuf.split(b'\r\n', 1)
    return line

def readbytes(n):
    global inbuf
    while len(inbuf) < n:
        fill()
    data, inbuf = inbuf[:n], inbuf[n:]
    return data

def send(data):
    if deflate:
        # One sync flush per command: the server must see it whole.
        data = deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH)
    sock.sendall(data)

tagn = 0
def run(command, literal=None):
    """Sends a command; returns (untagged lines with literal bodies, tagged line)."""
    global tagn
    tagn += 1
    tag = b'c%d' % tagn
    if literal is None:
        send(tag + b' ' + command + b'\r\n')
    else:
        send(tag + b' ' + command + b' {%d+}\r\n' % len(literal) + literal + b'\r\n')
    items = []
    while True:
        line = readline()
        if line.startswith(tag + b' '):
            return items, line
        if line.endswith(b'}') and b'{' in line:
            n = int(line[line.rindex(b'{') + 1:-1])
            body = readbytes(n)
            rest = readline()
            items.append((line, body, rest))
        else:
            items.append((line, None, None))

def expect_ok(result, what):
    items, tagged = result
    if b' OK' not in tagged[:12]:
        raise SystemExit('%s failed: %r' % (what, tagged))
    return items

greeting = readline()
assert greeting.startswith(b'* OK'), greeting
if mode == 'starttls':
    expect_ok(run(b'STARTTLS'), 'STARTTLS')
    sock = ctx.wrap_socket(sock)
expect_ok(run(b'LOGIN "%s" "%s"' % (user.encode(), password.encode())), 'LOGIN')
caps = b' '.join(l for l, _, _ in expect_ok(run(b'CAPABILITY'), 'CAPABILITY'))
assert b'COMPRESS=DEFLATE' in caps, caps

items, tagged = run(b'COMPRESS DEFLATE')
assert b' OK' in tagged, tagged
deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
inflate = zlib.decompressobj(-15)

expect_ok(run(b'NOOP'), 'NOOP')
items, tagged = run(b'COMPRESS DEFLATE')
assert tagged.split(b' ', 2)[1] == b'NO' and b'[COMPRESSIONACTIVE]' in tagged, tagged
expect_ok(run(b'SELECT INBOX'), 'SELECT')

if big_size:
    rnd = random.Random(7)
    lines = []
    size = 0
    while size < big_size:
        line = ('%08x ' % rnd.getrandbits(32)) * 8 + 'some repeated text that compresses\r\n'
        lines.append(line)
        size += len(line)
    message = ('From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\n\r\n' + ''.join(lines)).encode()
    expect_ok(run(b'APPEND INBOX', message), 'APPEND')
    items = expect_ok(run(b'UID FETCH * (BODY.PEEK[])'), 'FETCH')
    bodies = [body for _, body, _ in items if body is not None]
    assert bodies == [message], 'FETCH returned %r bytes, expected %d' % ([len(b) for b in bodies], len(message))

items, tagged = run(b'LOGOUT')
assert any(l.startswith(b'* BYE') for l, _, _ in items), items
assert b' OK' in tagged, tagged
print('OK %d %d' % (raw_in, plain_in))
