import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Signatures come from the official SDK's signer, never from openhss's own code. The SDK writes
// ~/.huaweicloud/application_id when loaded, so HOME points at a scratch directory.
process.env.HOME = mkdtempSync(join(tmpdir(), 'openhss-aksk-home-'));
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core');
const { AKSKSigner } = await import('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js');
const { HttpRequestBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/http/IHttpRequestBuilder.js');

/**
 * Headers that sign a request for `app.inject` (host `localhost:80`) with an
 * AK/SK, as the Huawei Cloud SDK signs it.
 */
export function akskHeaders(credential: { accessKey: string; secretKey: string }, method: string, url: string, body?: object): Record<string, string> {
  const parsed = new URL(url, 'http://localhost:80');
  const query: Record<string, string> = {};
  for (const [k, v] of parsed.searchParams) query[k] = v;
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  const request = new HttpRequestBuilder()
    .withEndpoint(`http://localhost:80${parsed.pathname}`)
    .withMethod(method)
    .withHeaders(headers)
    .withQueryParams(query)
    .withData(body)
    .build();
  const signed = AKSKSigner.sign(request, new BasicCredentials().withAk(credential.accessKey).withSk(credential.secretKey)) as Record<string, string>;
  return { ...headers, ...signed, host: 'localhost:80' };
}
