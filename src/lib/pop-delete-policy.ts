/**
 * What POP3 DELE does at QUIT (a server setting, `pop3.deletePolicy`, and a per-account override in the
 * store), here so that neither the config nor the store has to import the other for it.
 * - expunge: the message leaves the mailbox (IMAP devices lose it too);
 * - hide: POP3 stops listing it, IMAP keeps it.
 */
export type PopDeletePolicy = 'expunge' | 'hide';

export const POP_DELETE_POLICIES: readonly PopDeletePolicy[] = ['expunge', 'hide'];
