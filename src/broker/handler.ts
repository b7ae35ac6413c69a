/**
 * The contract between a broker connection and the handler of one API key: the connection decodes
 * the request with the handler's descriptor, calls `handle`, and encodes what it returns. A handler
 * never throws for bad client input: it answers with Kafka's error codes, or asks for the
 * connection to be closed where Kafka closes it.
 */
import type { ApiDescriptor, Input } from '../protocol/index.js';
import type { ApiVersionTable } from './api-version-table.js';
import type { BrokerNode, ClusterState } from './cluster-state.js';
import type { FetchSessionCache } from './fetch-sessions.js';
import type { GroupCoordinatorPort } from './group-coordinator-port.js';

/** Send nothing back (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');
/** Close the connection without answering (Kafka does for acks=0 produce errors and malformed requests). */
export const CLOSE_CONNECTION: unique symbol = Symbol('close connection');

export type HandlerResult<Response> = Input<Response> | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

/** What every handler may use besides the request. */
export interface BrokerServices {
  readonly cluster: ClusterState;
  readonly versions: ApiVersionTable;
  /** This broker's fetch sessions. */
  readonly fetchSessions: FetchSessionCache;
  /** The cluster's group coordinator. */
  readonly groups: GroupCoordinatorPort;
  readonly now: () => number;
}

export interface RequestContext {
  readonly broker: BrokerNode;
  readonly services: BrokerServices;
  readonly apiVersion: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** Fires when the client's connection closes (or the broker goes down). */
  readonly signal: AbortSignal;
}

export interface ApiHandler<Request, Response> {
  readonly api: ApiDescriptor<Request, Response>;
  handle(request: Request, context: RequestContext): HandlerResult<Response> | Promise<HandlerResult<Response>>;
  /**
   * The answer when the whole request fails with `errorCode` (used for injected faults): the code
   * in every error field, as Kafka's getErrorResponse fills them.
   */
  errorResponse(request: Request, context: RequestContext, errorCode: number): Input<Response>;
  /** False for a request the client expects no answer to (Produce with acks=0); default true. */
  expectsResponse?(request: Request): boolean;
}

/** A handler with its types erased, for the dispatch table. */
export type AnyApiHandler = ApiHandler<unknown, unknown>;

/** Records the handler's types at the definition site, erasing them for the table. */
export function defineHandler<Request, Response>(handler: ApiHandler<Request, Response>): AnyApiHandler {
  return handler;
}
