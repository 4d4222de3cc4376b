/**
 * A parser for the small subset of Python literals that .npy headers use: dicts, tuples, lists,
 * quoted strings, integers (with Python 2's `L` suffix), True, False and None. Tuples and lists
 * both become arrays.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function parsePyLiteral(text: string): PyValue {
  const p = new Parser(text);
  const value = p.value();
  p.skipSpace();
  if (p.pos !== text.length) throw new Error(`unexpected '${text.slice(p.pos, p.pos + 10)}' after the value`);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    const word = /^(True|False|None|-?\d+L?)/.exec(this.text.slice(this.pos));
    if (!word)
      throw new Error(`unexpected '${this.text.slice(this.pos, this.pos + 10)}' at offset ${this.pos}`);
    this.pos += word[0].length;
    const w = word[0];
    if (w === 'True') return true;
    if (w === 'False') return false;
    if (w === 'None') return null;
    return Number.parseInt(w, 10);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) throw new Error(`expected '${c}' at offset ${this.pos}`);
    this.pos++;
  }

  /** Reads items until `close`, allowing a trailing comma. */
  private items<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(item());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close)
        throw new Error(`expected ',' or '${close}' at offset ${this.pos}`);
    }
  }

  private dict(): PyValue {
    this.pos++;
    // No prototype: a '__proto__' key is then an ordinary key, not a prototype to inherit keys from.
    const out: { [key: string]: PyValue } = Object.create(null);
    this.items('}', () => {
      this.skipSpace();
      const key = this.string();
      this.expect(':');
      out[key] = this.value();
    });
    return out;
  }

  private sequence(close: string): PyValue {
    this.pos++;
    return this.items(close, () => this.value());
  }

  private string(): string {
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') throw new Error(`expected a quoted string at offset ${this.pos}`);
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) throw new Error('unterminated string');
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }
}
