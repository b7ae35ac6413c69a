/**
 * The pieces of opening a connection that do not depend on its requests: the broker's address as
 * messages name it, the socket (TCP or TLS, with Kafka's settings), and `SetupStep`, through which
 * the connection awaits each step (socket connect, authenticate hook) so that its shutdown (a
 * timeout, an abort, a socket failure) can fail the step even while the step itself hangs.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { KafkaError } from '../protocol/errors.js';

/** `host:port`, with IPv6 hosts in brackets. */
export function formatBrokerAddress(address: { readonly host: string; readonly port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Starts connecting to the broker, over TLS when `tlsOptions` is not null; the socket emits
 * `readyEvent` once it is usable. Requests go out at once (no Nagle delay) and keep-alive probes
 * notice a peer that vanished. Throws what `net.connect` / `tls.connect` throw synchronously.
 */
export function connectSocket(host: string, port: number, tlsOptions: tls.ConnectionOptions | null): { socket: net.Socket; readyEvent: 'connect' | 'secureConnect' } {
  const socket = tlsOptions === null ? net.connect({ host, port }) : tls.connect({ ...tlsOptions, host, port });
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  return { socket, readyEvent: tlsOptions === null ? 'connect' : 'secureConnect' };
}

/** The setup step in progress, if any. */
export class SetupStep {
  private current: { resolve: () => void; reject: (error: KafkaError) => void } | null = null;

  /**
   * Runs one step: `start` begins it and calls `settle` once it ends, with nothing or the error.
   * Settles with that, unless `fail` came first; a later `settle` is then ignored.
   */
  run(start: (settle: (error?: KafkaError) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.current = waiter;
      start((error) => {
        if (this.current !== waiter) return;
        this.current = null;
        if (error === undefined) resolve();
        else reject(error);
      });
    });
  }

  /** Fails the step in progress, if there is one. */
  fail(error: KafkaError): void {
    const waiter = this.current;
    this.current = null;
    waiter?.reject(error);
  }
}
