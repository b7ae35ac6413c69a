/**
 * A loopback Kafka broker for cluster tests, built on the network tests' FakeBroker: it decodes
 * each request with the generated codecs and answers with what the test's handler for that API
 * returns, encoded at the request's version. An API without a handler makes it close the
 * connection, as brokers older than an API do.
 */
import type { TlsOptions } from 'node:tls';
import type { Input } from '../../../src/protocol/api.js';
import { API_BY_KEY, ApiKey, ApiVersions, type ApiKeyName } from '../../../src/protocol/generated/index.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { FakeBroker, parseRequestHeader, type BrokerPeer } from '../network/fake-broker.js';

export interface ScriptedRequest {
  readonly apiKey: number;
  readonly api: string;
  readonly apiVersion: number;
  /** The decoded request body (undefined when the version is beyond the codec's). */
  readonly body: unknown;
  readonly clientId: string | null | undefined;
  /** Which accepted connection (0 = first) carried it. */
  readonly connection: number;
}

/** What a handler answers: a response to encode, raw body bytes, or closing the connection. */
export type ScriptedAnswer = { readonly response: Input<unknown> } | { readonly raw: Buffer } | 'close' | 'ignore';

export type ScriptedHandler = (request: ScriptedRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;

export class ScriptedBroker {
  readonly requests: ScriptedRequest[] = [];
  private waiters: { predicate: (request: ScriptedRequest) => boolean; resolve: (request: ScriptedRequest) => void }[] = [];

  private constructor(
    private readonly fake: FakeBroker,
    /** Handlers by API name; tests may add or replace them at any time. */
    readonly handlers: Partial<Record<ApiKeyName, ScriptedHandler>>,
  ) {}

  static async start(handlers: Partial<Record<ApiKeyName, ScriptedHandler>>, options: { tls?: TlsOptions } = {}): Promise<ScriptedBroker> {
    let scripted: ScriptedBroker | null = null;
    const fake = await FakeBroker.start({
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      onRequest: (request, peer) => {
        void scripted!.handle(request.apiKey, request.apiVersion, request.correlationId, request.frame, peer);
      },
    });
    scripted = new ScriptedBroker(fake, handlers);
    return scripted;
  }

  get port(): number {
    return this.fake.port;
  }

  get address(): string {
    return `127.0.0.1:${this.fake.port}`;
  }

  get connectionCount(): number {
    return this.fake.peers.length;
  }

  /** The requests of one API, in arrival order. */
  requestsOf(api: ApiKeyName): ScriptedRequest[] {
    return this.requests.filter((request) => request.apiKey === ApiKey[api]);
  }

  /** Resolves with the first request (past or future) matching `predicate`. */
  waitForRequest(predicate: (request: ScriptedRequest) => boolean): Promise<ScriptedRequest> {
    const seen = this.requests.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  close(): Promise<void> {
    return this.fake.close();
  }

  private async handle(apiKey: number, apiVersion: number, correlationId: number, frame: Buffer, peer: BrokerPeer): Promise<void> {
    const descriptor = API_BY_KEY.get(apiKey);
    let body: unknown;
    let clientId: string | null | undefined;
    if (descriptor !== undefined) {
      const headerVersion = descriptor.requestHeaderVersion(Math.min(apiVersion, descriptor.maxVersion));
      const header = parseRequestHeader(frame, headerVersion);
      clientId = header.clientId;
      if (apiVersion >= descriptor.minVersion && apiVersion <= descriptor.maxVersion) {
        body = descriptor.decodeRequest(new Reader(frame, header.bodyOffset), apiVersion);
      }
    }
    const request: ScriptedRequest = {
      apiKey,
      api: descriptor?.name ?? `Unknown(${apiKey})`,
      apiVersion,
      body,
      clientId,
      connection: this.fake.peers.indexOf(peer),
    };
    this.requests.push(request);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(request)) return true;
      waiter.resolve(request);
      return false;
    });
    const handler = descriptor === undefined ? undefined : this.handlers[descriptor.name as ApiKeyName];
    const answer: ScriptedAnswer = handler === undefined ? 'close' : await handler(request);
    if (answer === 'ignore') return;
    if (answer === 'close') {
      peer.destroy();
      return;
    }
    const headerVersion = descriptor!.responseHeaderVersion(apiVersion);
    if ('raw' in answer) {
      peer.respond(correlationId, answer.raw, headerVersion);
      return;
    }
    const writer = new Writer();
    descriptor!.encodeResponse(writer, apiVersion, answer.response);
    peer.respond(correlationId, writer.finish(), headerVersion);
  }
}

/** An ApiVersions handler advertising `ranges` (API name -> [min, max]). */
export function advertise(ranges: Partial<Record<ApiKeyName, readonly [number, number]>>): ScriptedHandler {
  const apiKeys = Object.entries(ranges).map(([name, [minVersion, maxVersion]]) => ({ apiKey: ApiKey[name as ApiKeyName], minVersion, maxVersion }));
  return () => ({ response: { errorCode: 0, apiKeys } });
}

/** The body of an UNSUPPORTED_VERSION answer in the v0 format, as Kafka sends it. */
export function unsupportedApiVersionsV0(min: number, max: number): Buffer {
  const writer = new Writer();
  ApiVersions.encodeResponse(writer, 0, { errorCode: 35, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: min, maxVersion: max }] });
  return writer.finish();
}

/** A Metadata response naming the scripted broker itself as broker `nodeId`. */
export function selfMetadata(broker: ScriptedBroker, nodeId = 1, topics: Input<unknown>[] = []): ScriptedHandler {
  return () => ({ response: { brokers: [{ nodeId, host: '127.0.0.1', port: broker.port, rack: null }], clusterId: 'scripted', controllerId: nodeId, topics } });
}
