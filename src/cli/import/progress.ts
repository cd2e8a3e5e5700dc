/**
 * The import progress bar on stderr (only when stderr is a terminal): messages, MB, rate and, when
 * the total is known, a bar and percentage. Redrawn at most every 100 ms.
 */
const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class Progress {
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    /** Total work in the same unit as `done` passed to update (bytes of an mbox, or a message count). */
    private readonly total: number | null,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(out.isTTY);
  }

  update(done: number, messages: number, bytes: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.out.write(`\r${this.line(done, messages, bytes, now)}\u001b[K`);
  }

  /** Removes the bar so the summary line starts clean. */
  finish(): void {
    if (this.enabled && this.lastDraw) this.out.write('\r\u001b[K');
  }

  private line(done: number, messages: number, bytes: number, now: number): string {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const stats = `${messages} msgs  ${(bytes / 1048576).toFixed(1)} MB  ${Math.round(messages / seconds)} msg/s`;
    if (!this.total) return stats;
    const ratio = Math.min(done / this.total, 1);
    const filled = Math.round(ratio * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${stats}`;
  }
}
