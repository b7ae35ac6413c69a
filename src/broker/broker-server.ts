/**
 * One embedded broker: a TCP listener on its own port and the connections it accepted. Going down
 * closes the listener (new connections are refused) and every connection; coming back up listens
 * on the same port again. Connections beyond the per-broker limit are closed as they arrive, as
 * Kafka's max.connections does.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { KafkaConnectionError, KafkaStateError } from '../protocol/index.js';
import { BrokerConnection, type ConnectionHost, type ConnectionLimits } from './broker-connection.js';
import type { BrokerNode, ClusterState } from './cluster-state.js';
import type { ApiVersionTable } from './api-version-table.js';
import type { FaultInjector } from './fault-injection.js';
import { FetchSessionCache } from './fetch-sessions.js';
import type { BrokerServices } from './handler.js';
import type { GroupCoordinatorPort } from './group-coordinator-port.js';

export interface BrokerServerSettings {
  readonly cluster: ClusterState;
  readonly versions: ApiVersionTable;
  readonly groups: GroupCoordinatorPort;
  readonly faults: FaultInjector;
  readonly limits: ConnectionLimits;
  readonly maxConnections: number;
  readonly fetchSessionSlots: number;
  readonly now: () => number;
  readonly reportError: (error: unknown) => void;
}

export class BrokerServer implements ConnectionHost {
  readonly services: BrokerServices;
  readonly faults: FaultInjector;
  readonly limits: ConnectionLimits;
  private server: Server | undefined;
  private readonly connections = new Set<BrokerConnection>();

  constructor(
    readonly node: BrokerNode,
    private readonly settings: BrokerServerSettings,
  ) {
    this.faults = settings.faults;
    this.limits = settings.limits;
    this.services = {
      cluster: settings.cluster,
      versions: settings.versions,
      groups: settings.groups,
      fetchSessions: new FetchSessionCache(settings.fetchSessionSlots),
      now: settings.now,
    };
  }

  reportError(error: unknown): void {
    this.settings.reportError(error);
  }

  connectionClosed(connection: BrokerConnection): void {
    this.connections.delete(connection);
  }

  /** Starts listening on the node's host and port (0: an ephemeral port, recorded in the node). */
  async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        reject(new KafkaConnectionError(`broker ${this.node.id} cannot listen on ${this.node.host}:${this.node.port}: ${error.message}`, { cause: error }));
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: this.node.host, port: this.node.port, exclusive: true });
    });
    // Later failures (e.g. accepting without file descriptors left) must not bring the process down.
    server.on('error', (error) => this.reportError(error));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new KafkaStateError(`broker ${this.node.id} listens on an unexpected address`);
    this.node.port = address.port;
    this.server = server;
    this.node.up = true;
  }

  /** Stops listening and closes every connection (brokerDown, stop). */
  async close(): Promise<void> {
    this.node.up = false;
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    this.services.fetchSessions.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  dropConnections(): void {
    for (const connection of [...this.connections]) connection.close();
  }

  private accept(socket: Socket): void {
    if (!this.node.up || this.connections.size >= this.settings.maxConnections) {
      socket.destroy();
      return;
    }
    this.connections.add(new BrokerConnection(socket, this));
  }
}
