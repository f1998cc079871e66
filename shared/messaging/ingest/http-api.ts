// API Gateway HTTP API payload format 2.0 (also what a Lambda function URL
// sends) ↔ the ingest core's request and response. The signature is checked
// on these bytes, so the body is decoded exactly: base64 when
// isBase64Encoded (binary content types), else the UTF-8 text.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IngestRequest, IngestResponse } from './http';

export function fromHttpApiEvent(event: APIGatewayProxyEventV2): IngestRequest {
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

export const toHttpApiResult = (response: IngestResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
  isBase64Encoded: false,
});
