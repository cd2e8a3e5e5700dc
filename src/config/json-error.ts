/**
 * Where a JSON text first goes wrong, as line and column, so a broken config names the spot
 * (JSON.parse's message gives a character offset at best). A small validating scanner of RFC 8259;
 * it is only run after JSON.parse failed.
 */

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  column: number;
  /** What was expected or found, e.g. "expected ',' or '}'". */
  problem: string;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(problem: string): never {
    throw Object.assign(new Error(problem), { at: this.pos });
  }
  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  describeHere(): string {
    const c = this.peek();
    return c === undefined ? 'the end of the file' : `'${c}'`;
  }

  value(): void {
    this.skipSpace();
    const c = this.peek();
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else this.literal();
  }

  literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    this.fail(`expected a value, found ${this.describeHere()}`);
  }

  object(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '"') this.fail(`expected a "quoted" key, found ${this.describeHere()}`);
      this.string();
      this.skipSpace();
      if (this.peek() !== ':') this.fail(`expected ':' after the key, found ${this.describeHere()}`);
      this.pos++;
      this.value();
      this.skipSpace();
      const c = this.peek();
      if (c === '}') {
        this.pos++;
        return;
      }
      if (c !== ',') this.fail(`expected ',' or '}', found ${this.describeHere()}`);
      this.pos++;
      this.skipSpace();
      if (this.peek() === '}') this.fail("a ',' before '}' (trailing commas are not allowed in JSON)");
    }
  }

  array(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const c = this.peek();
      if (c === ']') {
        this.pos++;
        return;
      }
      if (c !== ',') this.fail(`expected ',' or ']', found ${this.describeHere()}`);
      this.pos++;
      this.skipSpace();
      if (this.peek() === ']') this.fail("a ',' before ']' (trailing commas are not allowed in JSON)");
    }
  }

  string(): void {
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('a string that is never closed');
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === '\\') {
        const next = this.text[this.pos + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6)))
            this.fail('a bad \\u escape');
          this.pos += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) this.fail('a bad escape in a string');
        this.pos += 2;
        continue;
      }
      if (c < ' ') this.fail('a line break or control character inside a string');
      this.pos++;
    }
  }

  number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match || match[0] === '-') this.fail('a malformed number');
    this.pos += match[0].length;
  }
}

/** The first syntax problem of `text`, or null when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | null {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.skipSpace();
    if (scanner.pos < text.length)
      scanner.fail(`unexpected ${scanner.describeHere()} after the end of the JSON value`);
    return null;
  } catch (err) {
    const at = (err as { at?: number }).at ?? 0;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column, problem: (err as Error).message };
  }
}
