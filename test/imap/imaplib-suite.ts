/**
 * A Python imaplib suite (unittest) run against a live server by imaplib.test.ts. Kept as a string so the
 * compiled test finds it without copying files into dist/. Environment: HOST PORTS USER PASS USER2 PASS2;
 * with several PORTS each new connection takes the next one in turn: the same suite alternates between
 * two nodes on one PostgreSQL (test/cluster/postgres-nodes.test.ts).
 */
import { spawn } from 'node:child_process';

export interface ImaplibSuiteTarget {
  /** One port, or several that successive connections take in turn. */
  ports: number[];
  users: [{ login: string; password: string }, { login: string; password: string }];
}

/** Runs the suite with python3; resolves with its exit code and unittest's output. */
export async function runImaplibSuite(
  target: ImaplibSuiteTarget,
): Promise<{ code: number | null; output: string }> {
  const [u1, u2] = target.users;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORTS: target.ports.join(','),
    USER: u1.login,
    PASS: u1.password,
    USER2: u2.login,
    PASS2: u2.password,
  };
  const child = spawn('python3', ['-'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.stdin.end(IMAPLIB_SUITE);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

export const IMAPLIB_SUITE = String.raw`
import imaplib, os, ssl, time, unittest, re

HOST = os.environ['HOST']
PORTS = [int(p) for p in os.environ['PORTS'].split(',')]
_connections = 0

def open_imap():
    global _connections
    _connections += 1
    return imaplib.IMAP4(HOST, PORTS[(_connections - 1) % len(PORTS)])
USER, PASS = os.environ['USER'], os.environ['PASS']
USER2, PASS2 = os.environ['USER2'], os.environ['PASS2']
imaplib.Commands.setdefault('ID', ('NONAUTH', 'AUTH', 'SELECTED'))
imaplib.Commands.setdefault('IDLE', ('AUTH', 'SELECTED'))

MSG = (b'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: Hello imaplib\r\n'
       b'Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\n\r\nBody line one\r\nsecond line\r\n')

def connect(user=USER, password=PASS):
    m = open_imap()
    m.login(user, password)
    return m

def answer(m, name, *args):
    """Sends a command whatever imaplib thinks of the state; returns OK/NO/BAD."""
    saved = m.state
    m.state = 'SELECTED' if name in ('FETCH',) else 'AUTH'
    try:
        return m._simple_command(name, *args)[0]
    except imaplib.IMAP4.error as e:
        return 'BAD' if ' BAD ' in str(e) else 'ERR'
    finally:
        m.state = saved

def ok(result):
    typ, data = result
    assert typ == 'OK', (typ, data)
    return data

class Unauthenticated(unittest.TestCase):
    def test_capability_noop_logout(self):
        m = open_imap()
        caps = ok(m.capability())[0].decode()
        self.assertIn('IMAP4rev2', caps)
        self.assertIn('AUTH=PLAIN', caps)
        ok(m.noop())
        self.assertEqual(m.logout()[0], 'BYE')

    def test_starttls_then_login(self):
        m = open_imap()
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        ok(m.starttls(ssl_context=ctx))
        self.assertNotIn('STARTTLS', m.capabilities)
        ok(m.login(USER, PASS))
        m.logout()

    def test_authenticate_plain_and_bad_password(self):
        m = open_imap()
        ok(m.authenticate('PLAIN', lambda _: ('\0%s\0%s' % (USER, PASS)).encode()))
        self.assertEqual(m.state, 'AUTH')
        m.logout()
        m = open_imap()
        with self.assertRaises(imaplib.IMAP4.error):
            m.login(USER, 'wrong')
        m.logout()

    def test_id_and_commands_in_wrong_state(self):
        m = open_imap()
        typ, data = m._simple_command('ID', '("name" "imaplib")')
        self.assertEqual(typ, 'OK')
        self.assertIn(b'Postyard', m.untagged_responses.get('ID', [b''])[0])
        self.assertEqual(answer(m, 'SELECT', 'INBOX'), 'BAD')
        m.logout()

class Mailboxes(unittest.TestCase):
    def setUp(self):
        self.m = connect()
    def tearDown(self):
        self.m.logout()

    def test_list_special_use_and_namespace(self):
        lines = [l.decode() for l in ok(self.m.list())]
        self.assertTrue(any('\\Sent' in l and '"Sent"' in l for l in lines), lines)
        self.assertTrue(any('INBOX' in l for l in lines))
        ns = ok(self.m.namespace())[0].decode()
        self.assertIn('(("" "/"))', ns)

    def test_create_rename_delete_subscribe(self):
        m = self.m
        ok(m.create('Projects/2026'))
        lines = [l.decode() for l in ok(m.list('""', 'Projects*'))]
        self.assertTrue(any('\\HasChildren' in l and l.endswith('"Projects"') for l in lines), lines)
        ok(m.subscribe('Projects/2026'))
        self.assertTrue(any(b'Projects/2026' in l for l in ok(m.lsub('""', '*'))))
        ok(m.rename('Projects', 'Old'))
        self.assertTrue(any(b'Old/2026' in l for l in ok(m.list('""', 'Old/*'))))
        ok(m.unsubscribe('Projects/2026'))
        ok(m.delete('Old/2026')); ok(m.delete('Old'))
        typ, data = m.delete('Old')
        self.assertEqual(typ, 'NO'); self.assertIn(b'NONEXISTENT', data[0])
        typ, data = m.create('INBOX')
        self.assertEqual(typ, 'NO'); self.assertIn(b'ALREADYEXISTS', data[0])

    def test_utf7_names_for_rev1(self):
        m = self.m
        ok(m.create('"Entw&APw-rfe"'))
        lines = ok(m.list('""', 'Entw*'))
        self.assertTrue(any(b'Entw&APw-rfe' in l for l in lines), lines)
        ok(m.delete('"Entw&APw-rfe"'))
        typ, _ = m.create('"Bad&Jjo"')
        self.assertIn(typ, ('NO', 'BAD'))

    def test_status(self):
        data = ok(self.m.status('INBOX', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT)'))[0].decode()
        for item in ('MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'RECENT'):
            self.assertIn(item, data)
        typ, data = self.m.status('Nope', '(MESSAGES)')
        self.assertEqual(typ, 'NO')

    def test_list_extended_and_status_return(self):
        typ, data = self.m._simple_command('LIST', '(SPECIAL-USE) "" "*" RETURN (STATUS (MESSAGES UNSEEN))')
        self.assertEqual(typ, 'OK')
        lists = self.m.untagged_responses.pop('LIST', [])
        statuses = self.m.untagged_responses.pop('STATUS', [])
        self.assertEqual(len(lists), 5, lists)
        self.assertEqual(len(statuses), 5, statuses)

class Messages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        m = connect()
        ok(m.create('Work'))
        for i in range(3):
            ok(m.append('Work', '(\\Seen)' if i == 0 else None, imaplib.Time2Internaldate(time.time()), MSG.replace(b'Hello', b'Hello%d' % i)))
        m.logout()

    def setUp(self):
        self.m = connect()
        ok(self.m.select('Work'))
    def tearDown(self):
        try: self.m.logout()
        except Exception: pass

    def test_append_uid_and_examine(self):
        typ, data = self.m.append('Work', '(\\Flagged $Label1)', None, MSG)
        self.assertEqual(typ, 'OK')
        self.assertRegex(data[0].decode(), r'APPENDUID \d+ \d+')
        m2 = connect()
        typ, data = m2.select('Work', readonly=True)
        self.assertEqual(typ, 'OK')
        self.assertIn('READ-ONLY', m2.untagged_responses)
        m2.logout()
        typ, data = self.m.append('Missing', None, None, MSG)
        self.assertEqual(typ, 'NO'); self.assertIn(b'TRYCREATE', data[0])

    def test_fetch_items(self):
        data = ok(self.m.fetch('1', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY)'))
        text = data[0].decode() if isinstance(data[0], bytes) else data[0][0].decode()
        for item in ('UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE'):
            self.assertIn(item, text)
        data = ok(self.m.fetch('1', '(BODY.PEEK[])'))
        self.assertTrue(data[0][1].startswith(b'From: Alice'))
        data = ok(self.m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
        self.assertEqual(data[0][1], b'Subject: Hello0 imaplib\r\n\r\n')
        data = ok(self.m.fetch('1', '(BODY.PEEK[TEXT]<5.4>)'))
        self.assertEqual(data[0][1], b'line')
        data = ok(self.m.fetch('1', '(RFC822.HEADER)'))
        self.assertIn(b'Message-ID', data[0][1])
        data = ok(self.m.fetch('1', '(BINARY.PEEK[1] BINARY.SIZE[1])'))
        self.assertIn(b'BINARY', data[0][0])

    def test_fetch_sets_seen_unless_peek(self):
        ok(self.m.store('2', '-FLAGS', '(\\Seen)'))
        ok(self.m.fetch('2', '(BODY.PEEK[])'))
        self.assertNotIn(b'\\Seen', ok(self.m.fetch('2', '(FLAGS)'))[0])
        data = ok(self.m.fetch('2', '(RFC822)'))
        flags = ok(self.m.fetch('2', '(FLAGS)'))[0]
        self.assertIn(b'\\Seen', flags)

    def test_store_and_search(self):
        m = self.m
        data = ok(m.store('1:2', '+FLAGS', '(\\Flagged)'))
        self.assertTrue(all(b'\\Flagged' in d for d in data))
        self.assertEqual(ok(m.store('3', '+FLAGS.SILENT', '(\\Answered)')), [None])
        self.assertEqual(ok(m.search(None, 'FLAGGED'))[0].split()[:2], [b'1', b'2'])
        self.assertIn(b'3', ok(m.search(None, 'ANSWERED'))[0].split())
        self.assertEqual(ok(m.search(None, 'SUBJECT', '"Hello1"'))[0], b'2')
        self.assertEqual(ok(m.search('UTF-8', 'BODY', 'second'))[0].split()[:3], [b'1', b'2', b'3'])
        self.assertEqual(ok(m.search(None, 'OR', 'SUBJECT Hello0', 'SUBJECT Hello2'))[0], b'1 3')
        self.assertEqual(ok(m.search(None, '1:3', 'NOT', 'FLAGGED', 'UNANSWERED'))[0], b'')
        self.assertTrue(ok(m.search(None, 'SINCE', '1-Jan-2020', 'LARGER', '10', 'SENTBEFORE', '1-Jan-2030')))
        ok(m.search(None, 'HEADER', 'Message-ID', '<m1@example.com>'))
        ok(m.search(None, 'ALL', 'UID', '1:*', 'NEW', 'OLD', 'RECENT', 'SEEN', 'UNSEEN', 'DRAFT', 'UNDRAFT', 'KEYWORD', 'x'))
        typ, data = m.search('KOI8-R', 'ALL')
        self.assertEqual(typ, 'NO'); self.assertIn(b'BADCHARSET', data[0])
        ok(m.store('1:2', '-FLAGS', '(\\Flagged)'))

    def test_uid_commands_copy_move_expunge(self):
        m = self.m
        uids = ok(m.uid('SEARCH', None, 'ALL'))[0].split()
        self.assertGreaterEqual(len(uids), 3)
        data = ok(m.uid('FETCH', uids[0], '(FLAGS)'))
        self.assertIn(b'UID ' + uids[0], data[0])
        ok(m.uid('STORE', uids[0], '+FLAGS', '(\\Draft)'))
        typ, data = m.uid('COPY', uids[0], 'Trash')
        self.assertEqual(typ, 'OK'); self.assertTrue(m.untagged_responses.pop('COPYUID', None))
        typ, data = m.copy('1', 'Nowhere')
        self.assertEqual(typ, 'NO'); self.assertIn(b'TRYCREATE', data[0])
        ok(m.append('Work', None, None, MSG))
        m.select('Work')
        count = int(ok(m.select('Work'))[0])
        ok(m.uid('MOVE', uids[-1], 'Archive'))
        self.assertEqual(int(ok(m.select('Work'))[0]), count - 1)
        ok(m.store(str(count - 1), '+FLAGS', '(\\Deleted)'))
        expunged = ok(m.expunge())
        self.assertEqual(expunged, [str(count - 1).encode()])
        ok(m.append('Work', '(\\Deleted)', None, MSG))
        m.noop()
        last = ok(m.uid('SEARCH', None, 'DELETED'))[0].split()[-1]
        ok(m.uid('EXPUNGE', last))
        self.assertEqual(ok(m.uid('SEARCH', None, 'UID', last))[0], b'')
        typ, _ = m._simple_command('MOVE', '1', 'Trash')
        self.assertEqual(typ, 'OK')

    def test_check_close_unselect(self):
        m = self.m
        ok(m.check())
        ok(m.unselect())
        self.assertEqual(m.state, 'AUTH')
        ok(m.select('Work'))
        ok(m.close())
        self.assertEqual(answer(m, 'FETCH', '1', '(FLAGS)'), 'BAD')

    def test_enable_rev2_uses_esearch(self):
        m = connect()
        typ, data = m.enable('IMAP4rev2')
        self.assertEqual(typ, 'OK')
        ok(m.select('Work'))
        typ, data = m._simple_command('SEARCH', 'RETURN', '(MIN MAX COUNT)', 'ALL')
        self.assertEqual(typ, 'OK')
        es = m.untagged_responses.pop('ESEARCH', [b''])[0]
        self.assertRegex(es.decode(), r'MIN \d+ MAX \d+ COUNT \d+')
        m.logout()

    def test_idle_sees_append(self):
        m = self.m
        tag = m._new_tag()
        m.send(tag + b' IDLE\r\n')
        self.assertTrue(m.readline().startswith(b'+'))
        other = connect(); ok(other.append('Work', None, None, MSG)); other.logout()
        line = m.readline()
        self.assertRegex(line, rb'^\* \d+ EXISTS')
        m.send(b'DONE\r\n')
        while True:
            line = m.readline()
            if line.startswith(tag): break
        self.assertIn(b'OK', line)

def append_utf8(m, mailbox, message):
    """APPEND in RFC 6855's UTF8 (~{n+}...) form: imaplib before 3.14 wraps the literal wrongly (gh-78319)."""
    tag = m._new_tag()
    m.send(tag + b' APPEND ' + mailbox.encode() + b' UTF8 (~{%d+}\r\n' % len(message) + message + b')\r\n')
    return m._command_complete('APPEND', tag)

def multiappend(m, mailbox, *messages, tail=b''):
    """RFC 3502 MULTIAPPEND with LITERAL+ (imaplib sends one literal per command)."""
    tag = m._new_tag()
    data = tag + b' APPEND ' + mailbox.encode()
    for message in messages:
        data += b' (\\Seen) {%d+}\r\n' % len(message) + message
    m.send(data + tail + b'\r\n')
    try:
        return m._command_complete('APPEND', tag)
    except imaplib.IMAP4.error as e:
        return 'BAD', [str(e).encode()]

class Multiappend(unittest.TestCase):
    def test_multiappend_all_or_none(self):
        m = connect()
        self.assertIn('MULTIAPPEND', ok(m.capability())[0].decode().split())
        ok(m.create('Multi'))
        one = b'Subject: one\r\n\r\nfirst\r\n'
        two = b'Subject: two\r\n\r\nsecond\r\n'
        self.assertRegex(ok(multiappend(m, 'Multi', one, two))[0], rb'APPENDUID \d+ 1:2')
        # A syntax error after the first message: BAD, and the first is not stored either.
        typ, _ = multiappend(m, 'Multi', one, tail=b' (\\Seen')
        self.assertEqual(typ, 'BAD')
        ok(m.select('Multi'))
        data = ok(m.fetch('1:*', '(FLAGS BODY.PEEK[])'))
        self.assertEqual([d[1] for d in data if isinstance(d, tuple)], [one, two])
        self.assertRegex(ok(m.status('Multi', '(MESSAGES)'))[0], rb'"?Multi"? \(MESSAGES 2\)')
        m.logout()

class Utf8AcceptAndKeywords(unittest.TestCase):
    def test_enable_utf8_accept(self):
        m = connect()
        self.assertIn('UTF8=ACCEPT', ok(m.capability())[0].decode().split())
        ok(m.enable('UTF8=ACCEPT'))
        self.assertEqual(m.untagged_responses.pop('ENABLED', []), [b'UTF8=ACCEPT'])
        ok(m.create('"Ablage/Grüße"'))
        lines = ok(m.list('""', 'Ablage/*'))
        self.assertTrue(any('"Ablage/Grüße"' in l.decode('utf-8') for l in lines), lines)
        message = 'From: Jörg <jörg@example.com>\r\nSubject: Grüße\r\n\r\nHallo\r\n'.encode('utf-8')
        self.assertRegex(ok(append_utf8(m, '"Ablage/Grüße"', message))[0], rb'APPENDUID \d+ 1')
        ok(m.select('"Ablage/Grüße"'))
        self.assertEqual(ok(m.fetch('1', '(BODY.PEEK[])'))[0][1], message)
        m.logout()
        rev1 = connect()
        lines = ok(rev1.list('""', 'Ablage/*'))
        self.assertTrue(any(b'"Ablage/Gr&APwA3w-e"' in l for l in lines), lines)
        with self.assertRaises(imaplib.IMAP4.error):
            append_utf8(rev1, 'INBOX', message)
        ok(rev1.noop())
        rev1.logout()

    def test_flags_list_keywords(self):
        m = connect()
        ok(m.create('Tagged'))
        ok(m.append('Tagged', '(\\Seen $Label1)', None, MSG))
        ok(m.select('Tagged'))
        self.assertEqual(m.response('FLAGS')[1], [b'(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)'])
        ok(m.store('1', '+FLAGS', '(Project)'))
        self.assertEqual(m.response('FLAGS')[1], [b'(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 Project)'])
        self.assertIn(b'Project \\*)', m.response('PERMANENTFLAGS')[1][-1])
        m.logout()

class Isolation(unittest.TestCase):
    def test_other_users_mailboxes_are_invisible(self):
        a = connect(); ok(a.create('Secret')); ok(a.append('Secret', None, None, MSG)); a.logout()
        b = connect(USER2, PASS2)
        self.assertFalse(any(b'Secret' in l for l in ok(b.list())))
        for result in (b.select('Secret'), b.status('Secret', '(MESSAGES)'), b.append('Secret', None, None, MSG)):
            self.assertEqual(result[0], 'NO')
        ok(b.select('INBOX'))
        typ, _ = b.copy('1:*', 'Secret')
        self.assertIn(typ, ('NO', 'OK'))
        b.logout()
        a = connect(); self.assertEqual(ok(a.status('Secret', '(MESSAGES)'))[0].decode().split()[-1], '1)'); a.logout()

if __name__ == '__main__':
    unittest.main(verbosity=2)
`;
