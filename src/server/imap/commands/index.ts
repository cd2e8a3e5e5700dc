/** The command table: one entry per command name (DESIGN.md: one file per command or small family). */
import type { CommandName } from '../../../protocol/imap/command.js';
import type { CommandSpec } from '../command-spec.js';
import { authenticate } from './authenticate.js';
import { capability, check, id, logout, noop } from './basic.js';
import { cancelUpdate } from './cancel-update.js';
import { close, unselect } from './close.js';
import { compress } from './compress.js';
import { copyMove } from './copy-move.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { idle } from './idle.js';
import { list, lsub } from './list.js';
import { login } from './login.js';
import { create, deleteMailbox, rename, subscribe } from './mailboxes.js';
import { namespace } from './namespace.js';
import { notify } from './notify.js';
import { getQuota, getQuotaRoot, setQuota } from './quota.js';
import { search } from './search.js';
import { select } from './select.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { thread } from './thread.js';
import { unauthenticate } from './unauthenticate.js';

export const COMMANDS: { readonly [N in CommandName]: CommandSpec<N> } = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  STARTTLS: starttls,
  AUTHENTICATE: authenticate,
  COMPRESS: compress,
  LOGIN: login,
  ENABLE: enable,
  ID: id,
  SELECT: select,
  EXAMINE: select,
  CREATE: create,
  DELETE: deleteMailbox,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: subscribe,
  LIST: list,
  LSUB: lsub,
  NAMESPACE: namespace,
  STATUS: status,
  // APPEND arrives as append* receiver events (append-flow.ts); this entry only guards the state.
  APPEND: {
    states: ['authenticated', 'selected'],
    async handle() {
      return { status: 'BAD', text: 'APPEND without a literal' };
    },
  },
  // REPLACE (RFC 8508) streams like APPEND; only valid with a mailbox selected (§3.5).
  REPLACE: {
    states: ['selected'],
    async handle() {
      return { status: 'BAD', text: 'REPLACE without a literal' };
    },
  },
  IDLE: idle,
  CHECK: check,
  CLOSE: close,
  UNSELECT: unselect,
  EXPUNGE: expunge,
  SEARCH: search,
  FETCH: fetch,
  STORE: store,
  COPY: copyMove,
  MOVE: copyMove,
  GETQUOTA: getQuota,
  GETQUOTAROOT: getQuotaRoot,
  SETQUOTA: setQuota,
  UNAUTHENTICATE: unauthenticate,
  NOTIFY: notify,
  CANCELUPDATE: cancelUpdate,
  SORT: sort,
  THREAD: thread,
};
