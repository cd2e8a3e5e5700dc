/**
 * A strict reader of XML property lists (Apple's DTD: dict/array/string/integer/real/true/false/date/
 * data), on a real XML parser: anything else, a key without a value or a duplicate key, throws.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';

export type PlistValue =
  | string
  | number
  | boolean
  | Date
  | Buffer
  | PlistValue[]
  | { [key: string]: PlistValue };

export function parsePlist(xml: string): Record<string, PlistValue> {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (root?.tagName !== 'plist' || root.getAttribute('version') !== '1.0') throw new Error('not a plist 1.0');
  const children = elements(root);
  if (children.length !== 1) throw new Error('plist must hold exactly one value');
  const value = read(children[0]!);
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date || Buffer.isBuffer(value)) {
    throw new Error('a profile is a dict');
  }
  return value;
}

function elements(node: Element): Element[] {
  const out: Element[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1) out.push(child as Element);
    else if (child.nodeType === 3 && (child.nodeValue ?? '').trim() !== '')
      throw new Error(`stray text in <${node.tagName}>`);
  }
  return out;
}

function read(el: Element): PlistValue {
  const text = el.textContent ?? '';
  switch (el.tagName) {
    case 'string':
      return text;
    case 'integer':
      if (!/^[+-]?\d+$/.test(text)) throw new Error(`bad integer ${text}`);
      return Number(text);
    case 'real':
      return Number(text);
    case 'true':
    case 'false':
      if (elements(el).length || text) throw new Error(`<${el.tagName}/> must be empty`);
      return el.tagName === 'true';
    case 'date':
      return new Date(text);
    case 'data':
      return Buffer.from(text.replace(/\s+/g, ''), 'base64');
    case 'array':
      return elements(el).map(read);
    case 'dict': {
      const out: Record<string, PlistValue> = {};
      const items = elements(el);
      if (items.length % 2) throw new Error('dict with a key and no value');
      for (let i = 0; i < items.length; i += 2) {
        const key = items[i]!;
        if (key.tagName !== 'key') throw new Error(`expected <key>, got <${key.tagName}>`);
        const name = key.textContent ?? '';
        if (name in out) throw new Error(`duplicate key ${name}`);
        out[name] = read(items[i + 1]!);
      }
      return out;
    }
    default:
      throw new Error(`unknown plist element <${el.tagName}>`);
  }
}
