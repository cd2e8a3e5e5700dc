/** `postyard migrate --from sqlite:DIR --to postgres://…`: moves a single-node store onto PostgreSQL. */

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATABASE_FILE } from '../store/sqlite/database.js';
import { type Command, parseCommandArgs } from './command.js';
import { CliError, EX, UsageError } from './exit.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'copy a SQLite store into an empty PostgreSQL database (for several nodes)',
  usage: 'migrate --from sqlite:DIR --to postgres://USER@HOST/DB [--blobs DIR | --keep-blob-files]',
  help: `Copies accounts, mailboxes, messages, flags, the outgoing queue, activity and web access from the
SQLite store in DIR into an empty PostgreSQL database, keeping every UID, UIDVALIDITY, UIDNEXT and
MODSEQ: IMAP clients keep their caches and POP3 clients their UIDLs, so nothing is downloaded again.
Message bodies are copied into the database too (for store.blobs "postgres", the default), in the
same transaction. It reads one consistent snapshot; stop the old server (or at least its delivery)
first, so no mail arrives after the snapshot. Then set store.backend "postgres" and
store.postgresUrl in the config of every node.

  --from sqlite:DIR    the data directory of the SQLite install (postyard.sqlite and blobs/)
  --to URL             the PostgreSQL database (must have no accounts yet)
  --blobs DIR          for store.blobs "files": copy the bodies as files into this data directory
                       (the one the nodes share) instead of into the database
  --keep-blob-files    for store.blobs "files": leave the bodies as files in DIR (the nodes then use
                       DIR itself as their shared data directory)

Example:
  postyard migrate --from sqlite:/var/lib/postyard --to postgres://postyard@db.internal/postyard`,
  async run(args) {
    const options = {
      from: { type: 'string' },
      to: { type: 'string' },
      blobs: { type: 'string' },
      'keep-blob-files': { type: 'boolean' },
    } as const;
    const { values } = parseCommandArgs(this, args, options);
    if (!values.from?.startsWith('sqlite:') || values.from.length === 'sqlite:'.length) {
      throw new UsageError(`--from must be sqlite:DIR (usage: postyard ${this.usage})`);
    }
    if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) {
      throw new UsageError(`--to must be a postgres:// URL (usage: postyard ${this.usage})`);
    }
    const sqliteDir = resolve(values.from.slice('sqlite:'.length));
    if (!existsSync(join(sqliteDir, DATABASE_FILE))) {
      throw new CliError(`no SQLite store in ${sqliteDir} (${DATABASE_FILE} is missing)`, EX.NOINPUT);
    }
    if (values.blobs !== undefined && values['keep-blob-files']) {
      throw new UsageError('--blobs DIR and --keep-blob-files are two different choices: give one');
    }
    const blobDir = values.blobs === undefined ? undefined : resolve(values.blobs);
    const toFiles = blobDir !== undefined || values['keep-blob-files'] === true;
    // Loaded here: only this command needs pg and the copier.
    const { migrateSqliteToPostgres, TargetNotEmptyError } = await import('../store/postgres/from-sqlite.js');
    let report: Awaited<ReturnType<typeof migrateSqliteToPostgres>>;
    try {
      report = await migrateSqliteToPostgres({
        sqliteDir,
        url: values.to,
        blobs: toFiles ? { files: blobDir } : 'postgres',
      });
    } catch (err) {
      if (err instanceof TargetNotEmptyError) throw new CliError(err.message, EX.CANTCREAT);
      throw err;
    }
    const { accounts = 0, mailboxes = 0, messages = 0 } = report.rows;
    console.log(`migrated ${accounts} accounts, ${mailboxes} mailboxes, ${messages} messages to PostgreSQL`);
    if (!toFiles) console.log(`copied ${report.blobs} blobs into the database`);
    else if (report.blobs > 0) console.log(`wrote ${report.blobs} blobs as files to ${blobDir ?? sqliteDir}`);
    console.log(
      toFiles
        ? 'next: set store.backend "postgres", store.postgresUrl and store.blobs "files" in each node\'s config'
        : 'next: set store.backend "postgres" and store.postgresUrl in each node\'s config',
    );
    return EX.OK;
  },
};
