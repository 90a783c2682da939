import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './AddressPolicy.js';

/** A callback target the address policy refuses (never retried). */
export class RefusedTargetError extends Error {
  readonly code = 'E_CALLBACK_TARGET_REFUSED';
}

/** Resolves a name to all its addresses (dns.lookup with `all: true`). */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A `lookup` for net/tls.connect that resolves the name, refuses it when any address it resolves to
 * is refused by the policy, and hands the socket exactly the addresses it checked: the connection
 * goes where the check said, so a DNS answer that changes between check and connect (rebinding)
 * cannot switch it.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...(options as object), all: true };
    resolve(hostname, all, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = Array.isArray(addresses) ? addresses : [];
      if (list.length === 0) return callback(new Error(`${hostname} resolved to no address`), '', 0);
      if (!policy.hostAllowed(hostname)) {
        for (const { address } of list) {
          const problem = policy.addressProblem(address);
          if (problem) {
            return callback(
              new RefusedTargetError(`callback host ${hostname} resolves to ${problem}`),
              '',
              0,
            );
          }
        }
      }
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      } else {
        const first = list[0]!;
        callback(null, first.address, first.family);
      }
    });
  };
}
