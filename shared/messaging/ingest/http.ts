// The ingest core's view of HTTP: what arrived (raw bytes, exactly as signed)
// and what to answer. Independent of Lambda: shared/messaging/ingest/http-api.ts
// converts from and to API Gateway's payload v2.

export interface IngestRequest {
  method: string;
  path: string;
  /** Decoded query parameters (a repeated one joined with commas, as API Gateway does). */
  query: Readonly<Record<string, string | undefined>>;
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

export interface IngestResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Every answer body of the ingest endpoint. */
export type IngestAnswer = { accepted: number; ignored: number } | { error: string; reason: string };

export const jsonResponse = (statusCode: number, answer: IngestAnswer, headers: Record<string, string> = {}): IngestResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(answer),
});

export const errorResponse = (statusCode: number, error: string, reason: string, headers?: Record<string, string>): IngestResponse =>
  jsonResponse(statusCode, { error, reason }, headers);
