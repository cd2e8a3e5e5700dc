/**
 * `postyard doctor [--check] [--repair]`: config validity, ports, certificate, store integrity.
 * Exits 1 when a problem remains, so it fits scripts and CI (`doctor --check` after a crash test).
 */
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { checkCertificate } from './doctor/certificate.js';
import { checkDns } from './doctor/dns.js';
import { type Finding, fail, ok } from './doctor/finding.js';
import { checkPorts } from './doctor/ports.js';
import { checkQueue, checkStore } from './doctor/store.js';
import { checkWeb } from './doctor/web.js';
import { describeError, EX } from './exit.js';
import { resolvePaths } from './paths.js';
import { loadCliConfig, openStore } from './runtime.js';

const LABELS = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export const doctor: Command = {
  name: 'doctor',
  summary: 'check config, ports, certificate and store integrity (and repair)',
  usage: 'doctor [--check] [--repair] [--skip-ports] [--dns DOMAIN]',
  help: `Checks, in order: the config file (every key valid); each enabled listener's port (free, or held
by the running server of this data dir); the TLS certificate (readable, valid, expiry, matching key,
key not readable by others, host name); the store (every message's blob exists with its size,
UIDNEXT above every UID, quota usage equal to the sum of sizes); the outgoing queue (size, age of
the oldest message); with --dns, the MX, SPF, DKIM and DMARC records of DOMAIN (what to publish).
Prints one line per finding; exits 1 if any problem remains.

  --check              only check (the default)
  --repair             fix what is safe to fix in the store, then check again
  --skip-ports         do not probe ports (e.g. while another server is starting)
  --dns DOMAIN         also check DOMAIN's mail DNS records (several: repeat the option)
${DATA_HELP}

Examples:
  postyard doctor
  postyard doctor --repair
  postyard doctor --dns example.com`,
  async run(args) {
    const options = {
      ...DATA_OPTIONS,
      check: { type: 'boolean' },
      repair: { type: 'boolean' },
      'skip-ports': { type: 'boolean' },
      dns: { type: 'string', multiple: true },
    } as const;
    const { values } = parseCommandArgs(this, args, options);
    const paths = resolvePaths(values);
    const findings: Finding[] = [];
    const report = (more: Finding[]) => {
      for (const f of more) console.log(`${f.area.padEnd(6)} ${LABELS[f.severity]}  ${f.message}`);
      findings.push(...more);
    };

    const config = await loadCliConfig(paths).catch((err: unknown) => {
      report([fail('config', describeError(err))]);
      return null;
    });
    if (config) {
      report([ok('config', `${paths.configFile} is valid`)]);
      report(checkWeb(config));
      if (!values['skip-ports']) report(await checkPorts(config, paths.configFile));
      report(await checkCertificate(config));
      report(await storeFindings(config, Boolean(values.repair)));
      for (const domain of values.dns ?? []) report(await checkDns(config, domain.toLowerCase()));
    }

    const problems = findings.filter((f) => f.severity === 'fail').length;
    const warnings = findings.filter((f) => f.severity === 'warn').length;
    if (problems === 0) {
      const note = warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'} (WARN above)`;
      console.log(`doctor: no problems found${note}`);
      return EX.OK;
    }
    const hint = values.repair ? '' : ' (postyard doctor --repair fixes what is safe to fix)';
    console.log(`doctor: ${problems} problem${problems === 1 ? '' : 's'} found${hint}`);
    return EX.PROBLEMS;
  },
};

async function storeFindings(config: Parameters<typeof openStore>[0], repair: boolean): Promise<Finding[]> {
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config);
  } catch (err) {
    return [fail('store', `cannot open the store in ${config.dataDir}: ${describeError(err)}`)];
  }
  try {
    return [...(await checkStore(store, repair)), ...(await checkQueue(store, config.outgoing))];
  } catch (err) {
    return [fail('store', `integrity check failed: ${describeError(err)}`)];
  } finally {
    await store.close();
  }
}
