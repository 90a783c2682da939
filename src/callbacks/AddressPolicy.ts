import { BlockList, isIP } from 'node:net';

/** What kind of address a callback would reach; only `public` is allowed without configuration. */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

// Cloud metadata endpoints (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS IPv6; Alibaba).
const METADATA_ADDRESSES = ['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254'];
const METADATA_NAMES = ['metadata.google.internal', 'metadata', 'metadata.azure.internal', 'instance-data'];

function blockList(v4: [string, number][], v6: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const RANGES: [Exclude<AddressClass, 'public' | 'metadata'>, BlockList][] = [
  ['unspecified', blockList([['0.0.0.0', 8]], [['::', 128]])],
  ['loopback', blockList([['127.0.0.0', 8]], [['::1', 128]])],
  ['link-local', blockList([['169.254.0.0', 16]], [['fe80::', 10]])],
  ['multicast', blockList([['224.0.0.0', 4]], [['ff00::', 8]])],
  [
    'private',
    blockList(
      [
        ['10.0.0.0', 8],
        ['172.16.0.0', 12],
        ['192.168.0.0', 16],
        ['100.64.0.0', 10], // carrier-grade NAT (and Alibaba's metadata, classified first)
      ],
      [['fc00::', 7]],
    ),
  ],
  [
    'reserved',
    blockList(
      [
        ['192.0.0.0', 24],
        ['198.18.0.0', 15],
        ['240.0.0.0', 4], // includes 255.255.255.255
      ],
      [
        ['64:ff9b::', 96], // NAT64: would reach any IPv4 address through the gateway
        ['64:ff9b:1::', 48],
        ['100::', 64],
        ['fec0::', 10], // deprecated site-local
        ['2001:db8::', 32],
      ],
    ),
  ],
];

/** An IPv4-mapped/compatible IPv6 address as its IPv4 form (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function normalizeAddress(address: string): string {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  const mapped = /^(?:0*:)*:?(?:0*:)*ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[1]) return mapped[1];
  const hexMapped = /^(?:0*:)*:?(?:0*:)*ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hexMapped?.[1] && hexMapped[2]) {
    const hi = Number.parseInt(hexMapped[1], 16);
    const lo = Number.parseInt(hexMapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}

export function classifyAddress(address: string): AddressClass {
  const ip = normalizeAddress(address);
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  if (METADATA_ADDRESSES.includes(ip)) return 'metadata';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of RANGES) if (list.check(ip, type)) return cls;
  return 'public';
}

export interface AddressPolicyOptions {
  /** Hosts (names or IPs, exact) and CIDR ranges a callback may reach whatever they resolve to. */
  allowHosts?: readonly string[];
  /** Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) are allowed. */
  allowPrivate?: boolean;
}

/**
 * Which callback targets are refused (SSRF): loopback, link-local, cloud metadata, unspecified,
 * multicast and reserved addresses always, private ranges unless allowed; an explicitly allowed host
 * or range passes whatever it is.
 */
export class AddressPolicy {
  private readonly names = new Set<string>();
  private readonly ranges = new BlockList();

  constructor(private readonly options: AddressPolicyOptions = {}) {
    for (const entry of options.allowHosts ?? []) {
      const value = entry.trim().toLowerCase();
      if (!value) continue;
      const cidr = /^(.+)\/(\d{1,3})$/.exec(value);
      const range = cidr?.[1] ? normalizeAddress(cidr[1]) : undefined;
      if (cidr && range && isIP(range)) {
        this.ranges.addSubnet(range, Number(cidr[2]), isIP(range) === 4 ? 'ipv4' : 'ipv6');
      } else if (isIP(normalizeAddress(value))) {
        const ip = normalizeAddress(value);
        this.ranges.addAddress(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
        this.names.add(ip);
      } else {
        this.names.add(value.replace(/\.$/, ''));
      }
    }
  }

  /** Why the host name itself is refused before any lookup, or undefined. */
  hostProblem(hostname: string): string | undefined {
    const host = hostname
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '');
    if (this.names.has(host)) return undefined;
    if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
    if (METADATA_NAMES.includes(host)) return `${host} is a cloud metadata endpoint`;
    if (isIP(normalizeAddress(host))) return this.addressProblem(host);
    return undefined;
  }

  /** Whether a lookup of this host is allowed to return anything at all (an allow-listed name). */
  hostAllowed(hostname: string): boolean {
    return this.names.has(hostname.toLowerCase().replace(/\.$/, ''));
  }

  /** Why a resolved address is refused, or undefined when a callback may connect to it. */
  addressProblem(address: string): string | undefined {
    const ip = normalizeAddress(address);
    const family = isIP(ip);
    if (family !== 0 && this.ranges.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
    const cls = classifyAddress(ip);
    if (cls === 'public') return undefined;
    if (cls === 'private' && this.options.allowPrivate) return undefined;
    const hint =
      cls === 'private'
        ? 'set DROVER_CALLBACK_ALLOW_PRIVATE=true or list it in DROVER_CALLBACK_ALLOW_HOSTS'
        : 'list it in DROVER_CALLBACK_ALLOW_HOSTS to allow it';
    return `${ip} is a ${cls} address (${hint})`;
  }
}
