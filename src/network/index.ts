export {
  Connection,
  type CloseListener,
  type CloseOptions,
  type ConnectionState,
  type HeaderVersions,
  type RawRequestOptions,
  type RequestOptions,
  type ResponseFor,
} from './connection.js';
export {
  DEFAULT_CLIENT_ID,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type ConnectionOptions,
} from './options.js';
