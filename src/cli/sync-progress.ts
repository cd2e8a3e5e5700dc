/** The sync progress bar on stderr (a terminal only), drawn by the import command's Progress. */
import type { SyncProgress } from '../sync/progress.js';
import { Progress } from './import/progress.js';

export class SyncProgressBar implements SyncProgress {
  private bar: Progress | null = null;
  private messages = 0;
  private bytes = 0;

  begin(_label: string, messages: number): void {
    this.bar = new Progress(messages);
    this.messages = 0;
    this.bytes = 0;
  }

  advance(bytes: number): void {
    this.messages++;
    this.bytes += bytes;
    this.bar?.update(this.messages, this.messages, this.bytes);
  }

  end(): void {
    this.bar?.finish();
    this.bar = null;
  }
}
