/** Typed POP3 commands (RFC 1939 4-6, RFC 2449 5 CAPA, RFC 5034 4 AUTH, RFC 2595 4 STLS, RFC 6856 3 UTF8). */
export type Pop3Command =
  | { readonly name: 'USER'; readonly user: string }
  | { readonly name: 'PASS'; readonly password: string }
  /** `mechanism` absent: list mechanisms. `initialResponse` is the SASL-IR argument (RFC 5034 4), still base64. */
  | { readonly name: 'AUTH'; readonly mechanism?: string; readonly initialResponse?: string }
  | { readonly name: 'STLS' }
  | { readonly name: 'CAPA' }
  | { readonly name: 'UTF8' }
  | { readonly name: 'STAT' }
  | { readonly name: 'LIST'; readonly msg?: number }
  | { readonly name: 'UIDL'; readonly msg?: number }
  | { readonly name: 'RETR'; readonly msg: number }
  | { readonly name: 'TOP'; readonly msg: number; readonly lines: number }
  | { readonly name: 'DELE'; readonly msg: number }
  | { readonly name: 'NOOP' }
  | { readonly name: 'RSET' }
  | { readonly name: 'QUIT' };

export type Pop3CommandName = Pop3Command['name'];

export type ParsedCommand =
  | { readonly ok: true; readonly command: Pop3Command }
  /** `unknown` distinguishes an unknown keyword from bad arguments; `text` is safe to send. */
  | { readonly ok: false; readonly unknown: boolean; readonly text: string };
