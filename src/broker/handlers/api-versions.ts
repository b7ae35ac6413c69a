/**
 * ApiVersions: the ranges this broker serves. A request of a version the broker does not know is
 * answered by the connection itself (see unsupportedApiVersionsResponse), before any decoding, in
 * version 0 as Kafka does, so that the client can retry with a version both sides know.
 */
import { ApiVersions, ErrorCode, type ApiVersionsRequest, type ApiVersionsResponse, type Input } from '../../protocol/index.js';
import type { ApiVersionTable } from '../api-version-table.js';
import { defineHandler } from '../handler.js';

/** KIP-511's rule for the client software name and version of ApiVersions v3+. */
const SOFTWARE_TOKEN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** Releases before 2.4 (KIP-511) answered an unsupported ApiVersions version with an empty list. */
const RELEASES_WITHOUT_KIP_511 = new Set(['0.10.0', '0.10.1', '0.10.2', '0.11.0', '1.0', '1.1', '2.0', '2.1', '2.2', '2.3']);

/** The v0 body answering an ApiVersions request of an unsupported version. */
export function unsupportedApiVersionsResponse(versions: ApiVersionTable): Input<ApiVersionsResponse> {
  const own = versions.advertised(ApiVersions.apiKey);
  const apiKeys = own && !RELEASES_WITHOUT_KIP_511.has(versions.release) ? [{ apiKey: ApiVersions.apiKey, minVersion: own.min, maxVersion: own.max }] : [];
  return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys };
}

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  api: ApiVersions,
  handle(request, context) {
    if (context.apiVersion >= 3 && !(SOFTWARE_TOKEN.test(request.clientSoftwareName) && SOFTWARE_TOKEN.test(request.clientSoftwareVersion))) {
      return { errorCode: ErrorCode.INVALID_REQUEST };
    }
    const apiKeys = [...context.services.versions.all()].map(([apiKey, range]) => ({ apiKey, minVersion: range.min, maxVersion: range.max }));
    return { errorCode: ErrorCode.NONE, apiKeys };
  },
  errorResponse(_request, _context, errorCode) {
    return { errorCode };
  },
});
