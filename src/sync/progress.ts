/** How a sync run reports progress; the CLI draws a bar from it, tests and `watch` may ignore it. */
export interface SyncProgress {
  /** A download of `messages` messages (`bytes` in total, when known) begins. */
  begin(label: string, messages: number, bytes: number | null): void;
  /** One more message of `bytes` is stored. */
  advance(bytes: number): void;
  end(): void;
}

export const NO_PROGRESS: SyncProgress = { begin() {}, advance() {}, end() {} };

/** Test hooks that simulate a crash at a precise point (they throw; the run stops right there). */
export interface FaultHooks {
  /** After a message is durably in the Maildir, before the state records it. */
  afterStore?(id: string): void;
}
