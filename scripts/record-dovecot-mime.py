#!/usr/bin/env python3
"""Records what a reference Dovecot answers for every MIME fixture (ENVELOPE, BODYSTRUCTURE, BODY and a
fixed set of BODY[...] / BINARY[...] sections) into test/fixtures/mime/NNN-name.dovecot.json.

Usage: scripts/record-dovecot-mime.py [--port 12143] [--user user1] [fixture-name-substring...]
       scripts/record-dovecot-mime.py --corpus 250 --seed 1 [--kind structured]   (random corpus)
Start Dovecot first (from the repository root): DOVECOT_IMAP_PORT=12143 ../shared/reference/dovecot-ref.sh start /tmp/dovecot-mime

Values are stored exactly as sent on the wire (literals included as "{n}\\r\\n" + bytes), as latin-1
strings so every byte survives JSON. The golden tests in src/mime compare against them byte for byte.
"""
import argparse
import hashlib
import imaplib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'mime')

ITEMS = ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822.SIZE']
SECTIONS = [
    'BODY.PEEK[]', 'BODY.PEEK[HEADER]', 'BODY.PEEK[TEXT]', 'BODY.PEEK[1]', 'BODY.PEEK[1.MIME]',
    'BODY.PEEK[1.HEADER]', 'BODY.PEEK[1.TEXT]', 'BODY.PEEK[2]', 'BODY.PEEK[2.MIME]', 'BODY.PEEK[2.HEADER]',
    'BODY.PEEK[2.TEXT]', 'BODY.PEEK[1.1]', 'BODY.PEEK[1.2]', 'BODY.PEEK[1.1.MIME]', 'BODY.PEEK[2.1]',
    'BODY.PEEK[2.1.MIME]', 'BODY.PEEK[2.1.HEADER]', 'BODY.PEEK[2.2]', 'BODY.PEEK[3]', 'BODY.PEEK[3.MIME]',
    'BODY.PEEK[1.2.2]', 'BODY.PEEK[HEADER.FIELDS (From Subject)]',
    'BODY.PEEK[HEADER.FIELDS.NOT (Received Subject Content-Type)]', 'BODY.PEEK[HEADER.FIELDS (X-Nothing)]',
    'BODY.PEEK[2.HEADER.FIELDS (Subject From)]', 'BODY.PEEK[1.HEADER.FIELDS (Content-Type)]',
    'BODY.PEEK[1]<0.10>', 'BODY.PEEK[]<5.20>', 'BODY.PEEK[TEXT]<2.3>', 'BODY.PEEK[1]<100000.5>',
    'BINARY.PEEK[1]', 'BINARY.SIZE[1]', 'BINARY.PEEK[2]', 'BINARY.SIZE[2]', 'BINARY.PEEK[3]', 'BINARY.SIZE[3]',
    'BINARY.PEEK[1.1]', 'BINARY.SIZE[1.1]', 'BINARY.PEEK[2.1]', 'BINARY.PEEK[]', 'BINARY.SIZE[]',
    'BINARY.PEEK[1]<2.4>',
]


def response_bytes(data):
    """Joins imaplib's split untagged FETCH data back into the bytes Dovecot sent."""
    out = b''
    for piece in data:
        if isinstance(piece, tuple):
            out += piece[0] + b'\r\n' + piece[1]
        elif piece is not None:
            out += piece
    return out


def split_item(resp):
    """'1 (NAME VALUE)' -> (NAME, VALUE) for a single-item FETCH response."""
    m = re.match(rb'\d+ \(', resp)
    assert m, resp
    rest = resp[m.end():]
    assert rest.endswith(b')'), resp
    rest = rest[:-1]
    i = 0
    depth = 0
    while i < len(rest):
        c = rest[i:i + 1]
        if c == b'[':
            depth += 1
        elif c == b']':
            depth -= 1
        elif c == b' ' and depth == 0:
            break
        i += 1
    return rest[:i].decode('latin-1'), rest[i + 1:].decode('latin-1')


BIG = 16 * 1024


def stable_text(text):
    """Drops the timings and timestamps Dovecot puts in NO/BAD texts, so re-recording gives the same file."""
    text = re.sub(r' \((?:[0-9.]+ \+ )*[0-9.]+ secs\)', '', text)
    return re.sub(r' \[\d{4}-\d\d-\d\d [\d:]+\]', '', text)


def compact(answer):
    """Large values are stored as length + SHA-256 of the bytes sent (keeps the fixtures small)."""
    value = answer.get('value')
    if value is not None and len(value) > BIG:
        data = value.encode('latin-1')
        answer = dict(answer, value=None, length=len(data), sha256=hashlib.sha256(data).hexdigest())
    return answer


def fetch(imap, item):
    imap.untagged_responses.clear()
    typ, data = imap.fetch('1', '(' + item + ')')
    if typ != 'OK':
        return {'status': typ, 'text': stable_text(response_bytes(data).decode('latin-1'))}
    untagged = [d for d in data if d is not None]
    if not untagged:
        return {'status': 'OK', 'item': None, 'value': None}
    name, value = split_item(response_bytes(untagged))
    return {'status': 'OK', 'item': name, 'value': value}


class Session:
    """An IMAP session that reconnects when Dovecot drops the connection (it does crash on some inputs)."""

    def __init__(self, host, port, user):
        self.host, self.port, self.user = host, port, user
        self.connect()

    def connect(self):
        self.imap = imaplib.IMAP4(self.host, self.port)
        self.imap.login(self.user, 'pass')
        self.imap.select('INBOX')


def record(session, path):
    imap = session.imap
    raw = open(path, 'rb').read()
    typ, data = imap.select('INBOX')
    if int(data[0]) > 0:
        imap.store('1:*', '+FLAGS.SILENT', '(\\Deleted)')
        imap.expunge()
    typ, data = imap.append('INBOX', None, None, raw)
    assert typ == 'OK', data
    imap.select('INBOX')
    out = {}
    for item in ITEMS:
        answer = compact(fetch(imap, item))
        out[item] = answer['value'] if answer['value'] is not None else {'length': answer['length'], 'sha256': answer['sha256']}
    sections = {}
    for item in SECTIONS:
        try:
            sections[item] = compact(fetch(session.imap, item))
        except imaplib.IMAP4.abort as e:
            # Dovecot's imap process died on this request: record it and go on with a new connection.
            sections[item] = {'status': 'CRASH', 'text': stable_text(str(e))}
            session.connect()
        except imaplib.IMAP4.error as e:
            sections[item] = {'status': 'BAD', 'text': stable_text(str(e))}
    out['sections'] = sections
    return out


# ---- random corpus: differential testing against Dovecot ---------------------------------------------

CORPUS_LINES = [
    'Content-Type: multipart/mixed; boundary=a', 'Content-Type: multipart/alternative; boundary="b"',
    'Content-Type: multipart/digest; boundary=ab', 'Content-Type: message/rfc822', 'Content-Type: text/plain; charset=utf-8',
    'Content-Type: text/html', 'Content-Type: image/png; name="x.png"', 'Content-Type: text', 'Content-Type: multipart/related',
    'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Content-Transfer-Encoding: 8bit',
    "Content-Disposition: attachment; filename*0*=utf-8''%C3%A9; filename*1=x", 'Content-Disposition: inline',
    'Content-ID: <id@x>', 'Content-Description: a  "desc"', 'Content-Language: en, fr', 'Content-Location: here',
    'From: "A \\"B\\"" <a@b>, group: c@d, e;, (comment) f', 'From: J\u00f6rg <j@x>', 'To: a@b, , <c@d>', 'Cc: x:;',
    'Subject: =?utf-8?q?=C3=A9?= =?iso-8859-1?b?6Q==?=', 'Subject: a  b\tc', 'Date: Mon, 2 Mar 2026 10:00:00 +0000',
    'Message-ID: <m@x>', 'In-Reply-To: <a@b> <c@d>', 'Reply-To: r@s', 'Sender: s@t', 'Bcc: "x" <>', 'MIME-Version: 1.0',
    ' folded continuation', '\tfolded tab', '--a', '--a--', '--b', '--b--', '--ab', '--ab--', '', '', '',
    '=C3=A9=', 'aGVsbG8=', 'no colon line', 'X-Weird : v', 'caf\u00e9 8bit', '-- ', '--', 'a=b',
]
CORPUS_ITEMS = ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'BODY.PEEK[1]', 'BODY.PEEK[1.MIME]', 'BODY.PEEK[2.1]',
                'BODY.PEEK[HEADER.FIELDS.NOT (From)]', 'BINARY.PEEK[1]']


def corpus_message(rng):
    lines = []
    for _ in range(rng.randint(1, 50)):
        if rng.random() < 6 / 7:
            lines.append(rng.choice(CORPUS_LINES))
        else:
            alphabet = [chr(c) for c in range(0x20, 0x7f)] + ['\u00e9', '\u00fc', '\t']
            lines.append(''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))))
    return ('\r\n'.join(lines) + '\r\n').encode('utf-8')


STRUCT_HEADERS = ['From: A <a@x.test>', 'To: b@x.test, "C, D" <c@x.test>', 'Subject: =?utf-8?q?Hi_=C3=A9?=',
                  'Date: Tue, 5 Dec 2023 11:22:30 +0000', 'Message-ID: <id@x.test>', 'Cc: g: a@b, c@d;', 'MIME-Version: 1.0']
STRUCT_EXTRA = ['Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Content-ID: <c@x>',
                'Content-Disposition: attachment; filename="f.bin"', "Content-Disposition: inline; filename*=utf-8''%C3%A9.txt",
                'Content-Description: desc', 'Content-Language: en', 'Content-Location: http://x/y', 'Content-MD5: abc=']
STRUCT_TYPES = ['', 'Content-Type: text/plain', 'Content-Type: text/html; charset=utf-8', 'Content-Type: image/png',
                'Content-Type: application/pdf; name="a.pdf"', 'Content-Type: TEXT/PLAIN; CHARSET=ISO-8859-1']
STRUCT_BODY = ['hello world', 'aGVsbG8gd29ybGQ=', 'caf=C3=A9 soft=', '', '--', '-- ', 'line', '=3D']
STRUCT_SUBTYPES = ['mixed', 'alternative', 'related', 'digest', 'signed; protocol="application/pgp-signature"']


def structured_message(rng, depth=0, counter=None):
    """A well-formed-ish MIME tree: multiparts (sometimes with colliding boundaries), message/rfc822, leaves."""
    counter = counter if counter is not None else [0]
    pick = lambda pool: [x for x in pool if rng.random() < 0.25]
    kind = rng.choice(['leaf', 'leaf', 'multi', 'msg']) if depth < 4 else 'leaf'
    if kind == 'leaf':
        head = [t for t in [rng.choice(STRUCT_TYPES)] if t] + pick(STRUCT_EXTRA)
        body = [rng.choice(STRUCT_BODY) for _ in range(rng.randint(0, 4))]
        return ''.join(h + '\r\n' for h in head) + '\r\n' + '\r\n'.join(body)
    if kind == 'msg':
        inner = ''.join(h + '\r\n' for h in pick(STRUCT_HEADERS)) + structured_message(rng, depth + 1, counter)
        return 'Content-Type: message/rfc822\r\n' + ''.join(h + '\r\n' for h in pick(['Content-Disposition: attachment'])) + '\r\n' + inner
    counter[0] += 1
    boundary = 'b%d' % (counter[0] % 3) if rng.random() < 0.3 else '=_%d_=' % counter[0]
    parts = ''.join('--%s\r\n%s\r\n' % (boundary, structured_message(rng, depth + 1, counter)) for _ in range(rng.randint(0, 4)))
    pre = rng.choice(['', 'preamble\r\n'])
    epi = rng.choice(['', 'epilogue', '\r\n'])
    return 'Content-Type: multipart/%s; boundary="%s"\r\n\r\n%s%s--%s--\r\n%s' % (
        rng.choice(STRUCT_SUBTYPES), boundary, pre, parts, boundary, epi)


def record_corpus(session, count, seed, kind='lines'):
    """APPENDs `count` random messages and records Dovecot's answers for a few items each."""
    import random
    rng = random.Random(seed)
    if kind == 'structured':
        messages = [(''.join(h + '\r\n' for h in STRUCT_HEADERS if rng.random() < 0.5)
                     + structured_message(rng)).encode('utf-8') for _ in range(count)]
    else:
        messages = [corpus_message(rng) for _ in range(count)]
    imap = session.imap
    typ, data = imap.select('INBOX')
    if int(data[0]) > 0:
        imap.store('1:*', '+FLAGS.SILENT', '(\\Deleted)')
        imap.expunge()
    for raw in messages:
        imap.append('INBOX', None, None, raw)
    session.imap.select('INBOX')
    out = []
    for seq, raw in enumerate(messages, 1):
        answers = {}
        for item in CORPUS_ITEMS:
            try:
                session.imap.untagged_responses.clear()
                typ, data = session.imap.fetch(str(seq), '(' + item + ')')
                if typ != 'OK':
                    answers[item] = {'status': typ, 'text': stable_text(response_bytes(data).decode('latin-1'))}
                    continue
                name, value = split_item(response_bytes([d for d in data if d is not None]))
                answers[item] = {'status': 'OK', 'value': value}
            except imaplib.IMAP4.abort as e:
                answers[item] = {'status': 'CRASH', 'text': stable_text(str(e))}
                session.connect()
            except imaplib.IMAP4.error as e:
                answers[item] = {'status': 'BAD', 'text': stable_text(str(e))}
        out.append({'raw': raw.decode('latin-1'), 'answers': answers})
    return {'seed': seed, 'kind': kind, 'items': CORPUS_ITEMS, 'messages': out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=int(os.environ.get('DOVECOT_IMAP_PORT', '12143')))
    ap.add_argument('--user', default='user1')
    ap.add_argument('--corpus', type=int, default=0, help='record a random corpus of this many messages')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--kind', choices=['lines', 'structured'], default='lines', help='random lines or MIME trees')
    ap.add_argument('filters', nargs='*')
    args = ap.parse_args()
    session = Session(args.host, args.port, args.user)
    if args.corpus:
        result = record_corpus(session, args.corpus, args.seed, args.kind)
        name = 'random-corpus.dovecot.json' if args.kind == 'lines' else 'structured-corpus.dovecot.json'
        with open(os.path.join(FIXTURES, name), 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=0, ensure_ascii=True)
            f.write('\n')
        print('recorded random corpus of', args.corpus, file=sys.stderr)
        return
    names = sorted(n for n in os.listdir(FIXTURES) if n.endswith('.eml'))
    for name in names:
        if args.filters and not any(f in name for f in args.filters):
            continue
        result = record(session, os.path.join(FIXTURES, name))
        target = os.path.join(FIXTURES, name[:-4] + '.dovecot.json')
        with open(target, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=1, ensure_ascii=True)
            f.write('\n')
        print('recorded', name, file=sys.stderr)
    session.imap.logout()


if __name__ == '__main__':
    main()
