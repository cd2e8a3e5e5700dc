/** The web listener: plain http reachable from the network would carry passwords in clear. */
import { listenerEnabled } from '../../config/config.js';
import type { Config } from '../../config/types.js';
import { type Finding, ok, warn } from './finding.js';

export function checkWeb(config: Config): Finding[] {
  const { http, https } = config.listeners;
  if (!listenerEnabled(http) && !listenerEnabled(https))
    return [ok('config', 'web pages off (listeners.http and https)')];
  const findings: Finding[] = [];
  const loopback = http.host.startsWith('127.') || http.host === '::1' || http.host === 'localhost';
  if (listenerEnabled(http) && !loopback) {
    findings.push(
      warn(
        'config',
        `listeners.http binds ${http.host}: browsers there cannot sign in over plain http (passwords are refused); use https, or keep http on 127.0.0.1 behind a reverse proxy`,
      ),
    );
  }
  if (config.http.trustedProxies.length > 0 && !config.http.publicUrl) {
    findings.push(
      warn(
        'config',
        'http.trustedProxies is set without http.publicUrl: QR codes use the address the proxy forwards',
      ),
    );
  }
  if (findings.length === 0)
    findings.push(ok('config', 'web pages: sign-in only over https or on this machine'));
  return findings;
}
