/**
 * Which peers count as local (plaintext authentication allowed without TLS): config.trustedNetworks,
 * by default loopback. Configuring it without 127.0.0.0/8 makes e.g. 127.0.0.2 untrusted, which is how
 * tests exercise the non-local refusal paths without a second machine.
 */
import { BlockList, isIP } from 'node:net';

export type TrustCheck = (remoteAddress: string) => boolean;

/** Builds a matcher for IP addresses and CIDR blocks ("10.0.0.0/8", "fd00::/8", "192.0.2.7"). */
export function createTrustCheck(networks: readonly string[]): TrustCheck {
  const list = new BlockList();
  for (const entry of networks) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (remoteAddress) => {
    const address = unmapIpv4(remoteAddress);
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) → "127.0.0.1". */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}
