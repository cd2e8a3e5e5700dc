/**
 * `postyard dkim generate|show`: DKIM keys for a domain (Ed25519, RFC 8463, and RSA-2048; both by
 * default, since receivers that know only RSA ignore an Ed25519 signature) and the DNS TXT records to
 * publish. Submission signs with every key of the author's domain from then on (keys are re-read
 * within 30 seconds).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DkimAlgorithm,
  dkimDir,
  dkimTxtRecord,
  generateDkimKey,
  loadDkimKeys,
  validSelector,
} from '../server/outgoing/dkim.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX, UsageError } from './exit.js';
import { resolvePaths } from './paths.js';
import { loadCliConfig } from './runtime.js';

const ALGORITHMS = ['ed25519', 'rsa', 'both'] as const;
const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const dkimGenerate: Command = {
  name: 'dkim generate',
  summary: 'make DKIM keys for a domain and print the DNS records to publish',
  usage: 'dkim generate DOMAIN [--algorithm ed25519|rsa|both] [--selector NAME]',
  help: `Writes DATA/dkim/DOMAIN/SELECTOR.pem (mode 0600) and prints the TXT record for
SELECTOR._domainkey.DOMAIN. Outgoing mail whose From: is in DOMAIN is signed with every key of DOMAIN.

  --algorithm A        ed25519, rsa (2048 bits) or both (the default)
  --selector NAME      selector (default: postyard-ed25519 / postyard-rsa); one key per selector
${DATA_HELP}

Example:
  postyard dkim generate example.com`,
  async run(args) {
    const options = { ...DATA_OPTIONS, algorithm: { type: 'string' }, selector: { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['DOMAIN']);
    const domain = positionals[0]!.toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(domain)) throw new UsageError(`not a domain name: '${positionals[0]}'`);
    const algorithm = (values.algorithm ?? 'both') as (typeof ALGORITHMS)[number];
    if (!ALGORITHMS.includes(algorithm)) throw new UsageError(`--algorithm must be ed25519, rsa or both`);
    const algorithms: DkimAlgorithm[] = algorithm === 'both' ? ['ed25519', 'rsa'] : [algorithm];
    if (values.selector !== undefined && algorithms.length > 1)
      throw new UsageError('--selector needs --algorithm ed25519 or rsa (one key per selector)');
    if (values.selector !== undefined && !validSelector(values.selector))
      throw new UsageError(`--selector must be letters, digits and '-', got '${values.selector}'`);
    const config = await loadCliConfig(resolvePaths(values));
    for (const alg of algorithms) {
      const selector = values.selector ?? `postyard-${alg}`;
      const path = join(dkimDir(config.dataDir), domain, `${selector}.pem`);
      if (await exists(path)) throw new CliError(`${path} exists (choose another --selector)`, EX.CANTCREAT);
    }
    console.log(`Publish these DNS records for ${domain}, then outgoing mail from it is signed:\n`);
    for (const alg of algorithms) {
      const selector = values.selector ?? `postyard-${alg}`;
      const { path, txt } = await generateDkimKey(config.dataDir, domain, selector, alg);
      console.log(`; ${alg} key in ${path}`);
      console.log(`${selector}._domainkey.${domain}. IN TXT ${quoteTxt(txt)}\n`);
    }
    return EX.OK;
  },
};

export const dkimShow: Command = {
  name: 'dkim show',
  summary: 'print the DKIM DNS records of the keys there are (of one domain, or all)',
  usage: 'dkim show [DOMAIN]',
  help: `Prints the TXT record of every key under DATA/dkim (or of DOMAIN's keys).
${DATA_HELP}

Example:
  postyard dkim show example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, [], 1);
    const config = await loadCliConfig(resolvePaths(values));
    const keys = await loadDkimKeys(config.dataDir);
    const wanted = positionals[0]?.toLowerCase();
    const domains = [...keys.keys()].filter((d) => !wanted || d === wanted);
    if (domains.length === 0) {
      throw new CliError(
        `no DKIM keys${wanted ? ` for ${wanted}` : ''} (postyard dkim generate DOMAIN makes them)`,
        EX.NOINPUT,
      );
    }
    for (const domain of domains)
      for (const key of keys.get(domain)!)
        console.log(`${key.selector}._domainkey.${domain}. IN TXT ${quoteTxt(dkimTxtRecord(key))}`);
    return EX.OK;
  },
};

/** A TXT value as zone-file strings of at most 255 characters each (RFC 1035 3.3.14). */
export function quoteTxt(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return parts.length > 1 ? `( ${parts.join(' ')} )` : parts[0]!;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
