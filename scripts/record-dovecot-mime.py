#!/usr/bin/env python3
"""Records what a reference Dovecot answers for every MIME fixture (ENVELOPE, BODYSTRUCTURE, BODY and a
fixed set of BODY[...] / BINARY[...] sections) into test/fixtures/mime/NNN-name.dovecot.json.

Usage: scripts/record-dovecot-mime.py [--port 12143] [--user user1] [fixture-name-substring...]
       scripts/record-dovecot-mime.py --corpus 200 --seed 1   (random corpus, see record_corpus)
Start Dovecot first: DOVECOT_IMAP_PORT=12143 /work/shared/reference/dovecot-ref.sh start /tmp/dovecot-mime

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


def record_corpus(session, count, seed):
    """APPENDs `count` random MIME-ish messages and records Dovecot's answers for a few items each."""
    import random
    rng = random.Random(seed)
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
    return {'seed': seed, 'items': CORPUS_ITEMS, 'messages': out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=int(os.environ.get('DOVECOT_IMAP_PORT', '12143')))
    ap.add_argument('--user', default='user1')
    ap.add_argument('--corpus', type=int, default=0, help='record a random corpus of this many messages')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('filters', nargs='*')
    args = ap.parse_args()
    session = Session(args.host, args.port, args.user)
    if args.corpus:
        result = record_corpus(session, args.corpus, args.seed)
        with open(os.path.join(FIXTURES, 'random-corpus.dovecot.json'), 'w', encoding='utf-8') as f:
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
