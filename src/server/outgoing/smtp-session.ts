/**
 * One client connection to a remote SMTP server, through nodemailer's SMTPConnection (we write no SMTP
 * client of our own): connect (implicit TLS, or STARTTLS when offered or required), AUTH for a
 * smarthost, then any number of transactions with RSET between them. Errors keep nodemailer's
 * `code` (ECONNECTION, ETIMEDOUT, ETLS, EENVELOPE, EMESSAGE...) and `response` / `responseCode`.
 */
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SessionOptions {
  address: string;
  port: number;
  /** Host name for TLS SNI and certificate checks. */
  servername: string;
  /** Our EHLO name. */
  ehloName: string;
  implicitTls: boolean;
  requireTls: boolean;
  verifyCertificate: boolean;
  timeoutMs: number;
  auth?: { user: string; pass: string };
}

export interface SendEnvelope {
  from: string;
  to: string[];
  size: number;
  dsn?: { ret?: string | null; envid?: string | null; notify?: string[] | null; orcpt?: string | null };
}

export interface SendInfo {
  accepted: string[];
  /** Per refused recipient: the server's reply. */
  rejected: Map<string, { code: number | null; reply: string }>;
  response: string;
}

export interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  rejectedErrors?: Array<{ recipient?: string; response?: string; responseCode?: number }>;
}

export class SmtpSession {
  /** Transactions sent on this connection. */
  used = 0;
  closed = false;

  private constructor(
    private readonly connection: SMTPConnection,
    readonly key: string,
  ) {
    connection.on('end', () => {
      this.closed = true;
    });
    connection.on('error', () => {
      this.closed = true;
    });
  }

  static async open(key: string, options: SessionOptions): Promise<SmtpSession> {
    const connection = new SMTPConnection({
      host: options.address,
      port: options.port,
      secure: options.implicitTls,
      requireTLS: options.requireTls,
      opportunisticTLS: !options.requireTls,
      name: options.ehloName,
      servername: options.servername,
      tls: { servername: options.servername, rejectUnauthorized: options.verifyCertificate },
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: Math.max(options.timeoutMs, 60_000),
      logger: false,
      debug: false,
    });
    const session = new SmtpSession(connection, key);
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('error', reject);
        connection.connect((err?: Error) => {
          connection.off('error', reject);
          if (err) reject(err);
          else resolve();
        });
      });
      if (options.auth) {
        await new Promise<void>((resolve, reject) =>
          connection.login(options.auth!, (err) => (err ? reject(err) : resolve())),
        );
      }
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }

  /** Whether the transport is encrypted (implicit TLS or after STARTTLS). */
  get secure(): boolean {
    return Boolean((this.connection as unknown as { _socket?: { encrypted?: boolean } })._socket?.encrypted);
  }

  /** Whether the server advertised DSN (RFC 3461): then it, not we, reports success to the sender. */
  get supportsDsn(): boolean {
    const extensions = (this.connection as unknown as { _supportedExtensions?: string[] })
      ._supportedExtensions;
    return extensions?.includes('DSN') ?? false;
  }

  send(envelope: SendEnvelope, message: Buffer | Readable): Promise<SendInfo> {
    this.used++;
    return new Promise((resolve, reject) => {
      this.connection.send(
        {
          from: envelope.from,
          to: envelope.to,
          size: envelope.size,
          use8BitMime: true,
          ...(envelope.dsn ? { dsn: envelope.dsn } : {}),
        },
        message,
        (err, info) => {
          if (err) return reject(err);
          const rejected = new Map<string, { code: number | null; reply: string }>();
          for (const e of info.rejectedErrors ?? []) {
            const r = e as SmtpError & { recipient?: string };
            if (r.recipient)
              rejected.set(r.recipient, { code: r.responseCode ?? null, reply: r.response ?? r.message });
          }
          resolve({ accepted: info.accepted, rejected, response: info.response });
        },
      );
    });
  }

  reset(): Promise<void> {
    return new Promise((resolve, reject) => this.connection.reset((err) => (err ? reject(err) : resolve())));
  }

  /** QUIT, then close; never throws. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.quit();
    } catch {
      this.connection.close();
    }
  }
}
