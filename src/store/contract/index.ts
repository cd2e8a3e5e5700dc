/**
 * The shared store contract: every backend runs this suite (Stalwart's "one storage contract, one
 * test suite"). `open` must return a fresh store on an empty data directory, or the existing store
 * when the directory is reused (persistence tests close and reopen).
 */
import { describe } from 'node:test';
import { accountContract } from './accounts.js';
import { activityContract } from './activity.js';
import { blobContract } from './blobs.js';
import { deliveryContract } from './delivery.js';
import { fileBlobTamper, type OpenStore } from './fixture.js';
import { invariantContract } from './invariants.js';
import { mailboxContract } from './mailboxes.js';
import { maintenanceContract } from './maintenance.js';
import { messageContract } from './messages.js';
import { queueContract } from './queue.js';
import { searchContract } from './search.js';
import { sortContract } from './sort.js';
import { webAccessContract } from './web-access.js';

export type { BlobTamper, OpenStore } from './fixture.js';

/** `tamper`: how tests age or lose a blob behind the store's back (default: blob files). */
export function runStoreContract(name: string, open: OpenStore, tamper = fileBlobTamper): void {
  describe(`store contract: ${name}`, () => {
    accountContract(open);
    mailboxContract(open);
    messageContract(open);
    deliveryContract(open);
    blobContract(open);
    maintenanceContract(open, tamper);
    invariantContract(open);
    activityContract(open);
    webAccessContract(open);
    queueContract(open, tamper);
    searchContract(open);
    sortContract(open);
  });
}
