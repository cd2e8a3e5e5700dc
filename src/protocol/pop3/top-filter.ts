/**
 * TOP msg n (RFC 1939 7): the header, the blank line that ends it, and the first n body lines.
 * Incremental: feed raw message chunks until `done`; the result is then dot-stuffed like RETR.
 * A message without a blank line is all header and is returned whole.
 */
const LF = 0x0a;
const CR = 0x0d;

export class TopFilter {
  private inHeader = true;
  /** Length of the current line so far, excluding any CR at its end. */
  private lineLength = 0;
  private lastWasCR = false;
  private bodyLinesLeft: number;
  private finished = false;

  constructor(bodyLines: number) {
    this.bodyLinesLeft = bodyLines;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The part of `chunk` that belongs to the TOP output (empty once done). */
  push(chunk: Buffer): Buffer {
    if (this.finished || chunk.length === 0) return chunk.subarray(0, 0);
    let lineStart = 0;
    let lf = chunk.indexOf(LF);
    while (lf !== -1) {
      const crBefore = lf > 0 ? chunk[lf - 1] === CR : this.lastWasCR;
      const length = this.lineLength + (lf - lineStart) - (crBefore ? 1 : 0);
      this.lineLength = 0;
      lineStart = lf + 1;
      if (this.inHeader) {
        if (length === 0) {
          this.inHeader = false;
          if (this.bodyLinesLeft === 0) return this.finish(chunk, lf + 1);
        }
      } else if (--this.bodyLinesLeft === 0) {
        return this.finish(chunk, lf + 1);
      }
      lf = chunk.indexOf(LF, lf + 1);
    }
    this.lineLength += chunk.length - lineStart;
    this.lastWasCR = chunk[chunk.length - 1] === CR;
    return chunk;
  }

  private finish(chunk: Buffer, end: number): Buffer {
    this.finished = true;
    return chunk.subarray(0, end);
  }
}
