/**
 * A tiny declarative validator for the config file: each key has a default and a check; sections reject
 * unknown keys. Every error is a ConfigError whose message names the key path and what is wrong,
 * e.g. `config: listeners.imap.port must be an integer 0-65535, got "abc"`.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../lib/errors.js';
import { parseDays } from '../lib/values.js';

export type Check<T> = (value: unknown, path: string) => T;

export interface Field<T> {
  kind: 'field';
  /** Used when the key is absent; `undefined` leaves an optional key unset. */
  default: T;
  check: Check<T>;
}

export interface Section<T> {
  kind: 'section';
  fields: { [K in keyof T]-?: Node<T[K]> };
}

export type Node<T> = Field<T> | Section<T>;

export function field<T>(defaultValue: T, check: Check<T>): Field<T> {
  return { kind: 'field', default: defaultValue, check };
}

export function section<T>(fields: { [K in keyof T]-?: Node<T[K]> }): Section<T> {
  return { kind: 'section', fields };
}

/** Validates `raw` against `node`, filling defaults; `path` is the dotted key path for messages. */
export function parseNode<T>(node: Node<T>, raw: unknown, path: string): T {
  if (node.kind === 'field') {
    if (raw === undefined) return structuredClone(node.default);
    return node.check(raw, path);
  }
  const input = raw === undefined ? {} : raw;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(path, 'must be an object', raw);
  }
  const known = Object.keys(node.fields);
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      throw new ConfigError(`config: unknown key ${join(path, key)} (allowed: ${known.join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  const fields = node.fields as Record<string, Node<unknown>>;
  for (const key of known) {
    const value = parseNode(fields[key]!, (input as Record<string, unknown>)[key], join(path, key));
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function invalid(path: string, what: string, got: unknown): ConfigError {
  return new ConfigError(`config: ${path || '(root)'} ${what}, got ${describe(got)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// --- checks -------------------------------------------------------------------------------------

export function integer(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw invalid(path, `must be an integer ${min}-${max}`, v);
    }
    return v;
  };
}

/** A duration or amount in `unit`; fractions allowed so tests can use short timeouts. */
export function atLeast(min: number, unit: string): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw invalid(path, `must be a number of ${unit} >= ${min}`, v);
    }
    return v;
  };
}

/**
 * Days as a number or in the CLI's form ("14d", "4w", "1y", "forever" = null), so the config file and
 * `--retention` take the same values.
 */
export function days(max: number): Check<number | null> {
  return (v, path) => {
    let value: number | null;
    if (typeof v === 'number') value = v;
    else if (typeof v === 'string') {
      try {
        value = parseDays(v);
      } catch {
        throw invalid(path, 'must be a number of days or a duration like "14d", "4w", "1y", "forever"', v);
      }
    } else if (v === null) value = null;
    else throw invalid(path, 'must be a number of days or a duration like "14d", "4w", "1y", "forever"', v);
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > max))
      throw invalid(path, `must be 1-${max} days`, v);
    return value;
  };
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

export function boolean(): Check<boolean> {
  return (v, path) => {
    if (typeof v !== 'boolean') throw invalid(path, 'must be true or false', v);
    return v;
  };
}

export function text(options: { nonEmpty?: boolean } = {}): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string') throw invalid(path, 'must be a string', v);
    if (options.nonEmpty && v.trim() === '') throw invalid(path, 'must not be empty', v);
    return v;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, path) => {
    if (typeof v !== 'string' || !values.includes(v as T)) {
      throw invalid(path, `must be one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
    }
    return v as T;
  };
}

export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw invalid(path, 'must be an array', v);
    return v.map((item, i) => check(item, `${path}[${i}]`));
  };
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A DNS name or an IP address literal. */
export function hostOrAddress(): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string' || (isIP(v) === 0 && !HOSTNAME.test(v))) {
      throw invalid(path, 'must be a host name or IP address', v);
    }
    return v;
  };
}

/** An IP address or CIDR block such as "10.0.0.0/8" or "fd00::/8". */
export function network(): Check<string> {
  return (v, path) => {
    if (typeof v === 'string') {
      const [address, prefix, extra] = v.split('/');
      const family = isIP(address ?? '');
      const maxPrefix = family === 6 ? 128 : 32;
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
      if (family !== 0 && prefixOk && extra === undefined) return v;
    }
    throw invalid(path, 'must be an IP address or CIDR block like "10.0.0.0/8"', v);
  };
}

/** An absolute http(s) URL without query or fragment, e.g. "https://mail.example.com". */
export function httpUrl(): Check<string> {
  return (v, path) => {
    let url: URL | null = null;
    try {
      url = typeof v === 'string' ? new URL(v) : null;
    } catch {
      url = null;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username) {
      throw invalid(path, 'must be an http:// or https:// URL like "https://mail.example.com"', v);
    }
    return v as string;
  };
}

/** A DNS server: an IP address, optionally with a port ("127.0.0.1:5353", "[::1]:53"). */
export function serverAddress(): Check<string> {
  return (v, path) => {
    if (typeof v === 'string') {
      const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v);
      const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(v);
      const [, address, port] = bracketed ?? plain ?? (isIP(v) === 6 ? [v, v, undefined] : []);
      if (address && isIP(address) !== 0 && (port === undefined || Number(port) <= 65535)) return v;
    }
    throw invalid(path, 'must be an IP address, optionally with a port, like "127.0.0.1:5353"', v);
  };
}
