/**
 * The client side of RFC 1939 §3 byte-stuffing: a multi-line response ends at a line that is a lone
 * ".", and a line starting with "." loses that first dot. Incremental: push chunks as they arrive and
 * get the body bytes back (slices of the input, no copying in the common case); once the terminator is
 * seen, `done` is set and `rest` holds whatever followed it (the next response's bytes).
 * A terminator of ".LF" is accepted too (servers that end lines with bare LF).
 */
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = Buffer.from('\r');

type State = 'line-start' | 'dot' | 'dot-cr' | 'mid-line';

export interface UnstuffResult {
  body: Buffer[];
  done: boolean;
  /** Bytes after the terminator (only when done). */
  rest: Buffer;
}

const EMPTY = Buffer.alloc(0);

export class DotUnstuffer {
  private state: State = 'line-start';
  private finished = false;

  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): UnstuffResult {
    if (this.finished) return { body: [], done: true, rest: chunk };
    const body: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'line-start') {
        if (chunk[i] === DOT) {
          this.state = 'dot';
          i++;
          continue;
        }
        this.state = 'mid-line';
      } else if (this.state === 'dot') {
        if (chunk[i] === CR) {
          this.state = 'dot-cr';
          i++;
          continue;
        }
        if (chunk[i] === LF) return this.finish(body, chunk.subarray(i + 1));
        this.state = 'mid-line'; // a stuffed dot: dropped, the line goes on from here
      } else if (this.state === 'dot-cr') {
        if (chunk[i] === LF) return this.finish(body, chunk.subarray(i + 1));
        body.push(CR_BYTE); // ".\rX": a stuffed line that starts with a bare CR
        this.state = 'mid-line';
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        body.push(chunk.subarray(i));
        break;
      }
      body.push(chunk.subarray(i, lf + 1));
      i = lf + 1;
      this.state = 'line-start';
    }
    return { body, done: false, rest: EMPTY };
  }

  private finish(body: Buffer[], rest: Buffer): UnstuffResult {
    this.finished = true;
    return { body, done: true, rest };
  }
}
