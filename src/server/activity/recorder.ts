/**
 * Buffers what the setup and admin pages show about activity (device logins, delivered and refused
 * mail) and writes it in one store call every few seconds: a commit per login or per delivery would
 * cost an fsync each on the hot paths. A crash loses at most the last few seconds of this history,
 * never mail. Readers call flush() first, so pages show what just happened.
 */
import type { Logger } from 'pino';
import type { ActivityStore, LoginRecord, MailEvent } from '../../store/activity.js';

export const ACTIVITY_FLUSH_MS = 2_000;
/** Beyond this many buffered records (the store failing for a long time), the oldest are dropped. */
const MAX_BUFFERED = 10_000;

export class ActivityRecorder {
  private logins: LoginRecord[] = [];
  private mailEvents: MailEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(
    private readonly store: Pick<ActivityStore, 'recordActivity'>,
    private readonly log: Logger,
    private readonly flushMs = ACTIVITY_FLUSH_MS,
  ) {}

  login(record: LoginRecord): void {
    this.add(this.logins, record);
  }

  mailEvent(event: MailEvent): void {
    this.add(this.mailEvents, event);
  }

  /** Writes everything buffered so far; resolves when it is committed (or failed and was logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = { logins: this.logins, mailEvents: this.mailEvents };
    this.logins = [];
    this.mailEvents = [];
    // Chained, so batches commit in order and a flush waits for the one before it.
    this.writing = this.writing.then(async () => {
      if (batch.logins.length === 0 && batch.mailEvents.length === 0) return;
      try {
        await this.store.recordActivity(batch);
      } catch (err) {
        this.log.warn(
          { err, records: batch.logins.length + batch.mailEvents.length },
          'activity not recorded',
        );
      }
    });
    return this.writing;
  }

  private add<T>(buffer: T[], record: T): void {
    buffer.push(record);
    if (buffer.length > MAX_BUFFERED) {
      buffer.shift();
      if (this.dropped++ === 0) this.log.warn('activity buffer full; dropping the oldest records');
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }
}
