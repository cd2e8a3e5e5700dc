/**
 * From credentials to the TRANSACTION state (RFC 1939 4): verify through the shared auth service
 * (which applies the failed-login delay and blocks), enforce LOGIN-DELAY, take the maildrop lock, and
 * snapshot INBOX. Every failure leaves the session in AUTHORIZATION with the lock released.
 */
import { errLine, okLine } from '../../protocol/pop3/response.js';
import type { Account } from '../../store/store.js';
import type { AuthResult } from '../auth/auth.js';
import { errorReply } from './error-replies.js';
import { loginTooSoon, recordLogin } from './login-delay.js';
import { Maildrop } from './maildrop.js';
import { tryLockMaildrop } from './maildrop-lock.js';
import type { Pop3Session } from './session.js';

export async function login(session: Pop3Session, loginName: string, password: string): Promise<void> {
  const result = await session.ctx.auth.authenticate({
    login: loginName,
    password,
    remoteAddress: session.info.remoteAddress,
    protocol: 'pop3',
  });
  await loginWith(session, loginName, result);
}

/** The rest of a login once the credentials are checked (password or SCRAM, server/auth/). */
export async function loginWith(session: Pop3Session, loginName: string, result: AuthResult): Promise<void> {
  if (session.isClosed) return;
  if (!result.ok) {
    session.log.info({ login: loginName, reason: result.reason }, 'login failed');
    session.reply(
      result.reason === 'temporary'
        ? errLine('Authentication is temporarily unavailable', 'SYS/TEMP')
        : result.reason === 'blocked'
          ? errLine('Too many failed logins from your address, try again later', 'SYS/TEMP')
          : errLine('Authentication failed', 'AUTH'),
    );
    return;
  }
  const reply = await openMaildrop(session, result.account);
  if (!session.isClosed) session.reply(reply);
}

async function openMaildrop(session: Pop3Session, account: Account): Promise<string> {
  const { store, config } = session.ctx;
  if (loginTooSoon(store, account.id, config.pop3.loginDelay)) {
    return errLine(`Wait ${config.pop3.loginDelay} seconds between logins`, 'LOGIN-DELAY');
  }
  let release: (() => void) | string;
  try {
    release = await acquireSessionSlots(session, account);
  } catch (err) {
    return errorReply(err, session.log, 'lock maildrop');
  }
  if (typeof release === 'string') return release;
  if (session.isClosed) {
    release(); // the connection went away while the lock was being taken
    return '';
  }
  try {
    const inbox = await store.getMailbox(account.id, 'INBOX');
    if (!inbox) throw new Error(`account ${account.id} has no INBOX`);
    const maildrop = await snapshotMaildrop(session, inbox.id);
    if (session.isClosed) {
      release();
      return '';
    }
    session.maildrop = maildrop;
  } catch (err) {
    release();
    return errorReply(err, session.log, 'open maildrop');
  }
  session.releaseLock = release;
  session.account = account;
  session.state = 'transaction';
  recordLogin(store, account.id);
  const { messages, bytes } = session.maildrop.stat();
  session.log.info({ login: account.login, messages }, 'logged in');
  return okLine(`Logged in, ${messages} messages (${bytes} octets)`);
}

/** INBOX as of now: the store's slim columnar snapshot when it has one, else index + records. */
async function snapshotMaildrop(session: Pop3Session, mailboxId: number): Promise<Maildrop> {
  const { store } = session.ctx;
  if (store.getPopMaildrop) {
    const snapshot = await store.getPopMaildrop(mailboxId);
    return new Maildrop(mailboxId, snapshot.mailbox.uidValidity, snapshot);
  }
  const index = await store.getIndex(mailboxId);
  const records = await store.getMessages(mailboxId, Array.from(index.uids));
  return new Maildrop(mailboxId, index.mailbox.uidValidity, records);
}

/**
 * The per-user connection slot (limits.maxConnectionsPerUser, shared with the other protocols' counts)
 * and, unless in snapshot mode, the exclusive maildrop lock. Returns one release for both, or the refusal.
 */
async function acquireSessionSlots(session: Pop3Session, account: Account): Promise<(() => void) | string> {
  const { ctx } = session;
  const details = {
    login: account.login,
    remoteAddress: session.info.remoteAddress,
    secure: session.info.secure,
  };
  const slot = ctx.userConnections
    ? await ctx.userConnections.acquire('pop3', account.id, details)
    : () => {};
  if (!slot) {
    session.log.info({ login: account.login }, 'too many POP3 sessions for this user');
    return errLine('Too many POP3 sessions for this user', 'IN-USE');
  }
  if (ctx.config.pop3.concurrentSessions === 'snapshot') return slot;
  let lock: (() => void) | null;
  try {
    lock = await tryLockMaildrop(ctx.coordinator, account.id);
  } catch (err) {
    slot();
    throw err;
  }
  if (!lock) {
    slot();
    session.log.info({ login: account.login }, 'maildrop in use');
    return errLine('Mailbox is locked by another POP3 session', 'IN-USE');
  }
  return () => {
    lock();
    slot();
  };
}
