// The loopback doubles of Genesys Cloud and the messaging platforms, tested
// over real HTTP: what a forwarder meets (token flow, answer shapes, Genesys
// error bodies, the per-token 429 with its headers, modes) and what the
// platforms serve (media downloads with their auth and limits).
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformCredentials } from '../../shared/messaging/contract';
import { startGenesysDouble, type GenesysDouble } from '../../scripts/local/doubles/genesys-double';
import { startPlatformDouble, type PlatformDouble } from '../../scripts/local/doubles/platform-double';

const CLIENT = { clientId: 'client-1', clientSecret: 's3cret/with+chars', integrationId: 'integration-1' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** A valid OpenInboundNormalizedMessage for end user `fromId`. */
const openMessage = (fromId: string, text: string, extra: Record<string, unknown> = {}) => ({
  channel: { from: { id: fromId, idType: 'Opaque', nickname: 'Ann' }, time: '2026-11-29T08:00:00.000Z', messageId: `m-${text}` },
  text,
  ...extra,
});

describe('Genesys double', () => {
  let clock = 1_800_000_000_000;
  let genesys: GenesysDouble;

  beforeEach(async () => {
    clock = 1_800_000_000_000;
    genesys = await startGenesysDouble({ ...CLIENT, rateLimitPerMinute: 5, tokenLifetimeSeconds: 600, now: () => clock });
  });
  afterEach(() => genesys.stop());

  const login = (authorization = basic(CLIENT.clientId, CLIENT.clientSecret), body = 'grant_type=client_credentials') =>
    fetch(`${genesys.url}/oauth/token`, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const token = async (): Promise<string> => ((await (await login()).json()) as { access_token: string }).access_token;
  const post = (path: string, bearer: string | undefined, body: unknown) =>
    fetch(`${genesys.url}/api/v2/conversations/messages/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const sendMessage = (bearer: string | undefined, body: unknown, integrationId = CLIENT.integrationId) =>
    post(`${integrationId}/inbound/open/message`, bearer, body);

  it('issues a bearer token for the client credentials and refuses wrong ones with the OAuth error body', async () => {
    const ok = await login();
    expect(ok.status).toBe(200);
    const issued = (await ok.json()) as Record<string, unknown>;
    expect(issued).toMatchObject({ token_type: 'bearer', expires_in: 600 });
    expect(issued.access_token).toEqual(expect.any(String));
    expect(await token()).not.toBe(issued.access_token);

    const wrongSecret = await login(basic(CLIENT.clientId, 'nope'));
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ error: 'invalid_client', description: 'authentication failed', error_description: 'authentication failed' });
    const unknownClient = await login(basic('someone-else', CLIENT.clientSecret));
    expect(unknownClient.status).toBe(401);
    expect(((await unknownClient.json()) as { description: string }).description).toBe('client not found');
    expect((await login('Bearer x')).status).toBe(401);

    const wrongGrant = await login(undefined, 'grant_type=password');
    expect(wrongGrant.status).toBe(400);
    expect(((await wrongGrant.json()) as { error: string }).error).toBe('unsupported_grant_type');
    expect(genesys.stats()).toMatchObject({ tokensIssued: 2, answered4xx: 4 });
  });

  it('refuses missing, unknown and expired tokens with 401 and the Genesys error body', async () => {
    const live = await token();
    expect((await sendMessage(live, openMessage('u1', 'hello'))).status).toBe(200);

    const missing = await sendMessage(undefined, openMessage('u1', 'hello'));
    expect(missing.status).toBe(401);
    const missingBody = (await missing.json()) as Record<string, unknown>;
    expect(missingBody).toMatchObject({ code: 'authentication.required', status: 401, details: [], errors: [] });
    expect(Object.keys(missingBody).sort()).toEqual(['code', 'contextId', 'details', 'errors', 'message', 'status']);
    expect(((await (await sendMessage('forged', openMessage('u1', 'x'))).json()) as { code: string }).code).toBe('bad.credentials');

    clock += 600_000; // the token's lifetime
    const expired = await sendMessage(live, openMessage('u1', 'after expiry'));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { code: string }).code).toBe('credentials.expired');
    expect((await sendMessage(await token(), openMessage('u1', 'after refresh'))).status).toBe(200);
    expect(genesys.inbound().map((r) => (r.body as { text: string }).text)).toEqual(['hello', 'after refresh']);

    genesys.revokeTokens();
    expect((await sendMessage(live, openMessage('u1', 'revoked'))).status).toBe(401);
  });

  it('accepts a valid message with the OpenMessageNormalizedMessage answer, one conversation per channel.from.id', async () => {
    const live = await token();
    const attachment = { mediaType: 'Image', url: 'https://bucket.example/a.jpg?X-Amz-Signature=abc', mime: 'image/jpeg', filename: 'a.jpg' };
    const first = await sendMessage(live, openMessage('user-a', 'one', { content: [{ attachment }], unknownField: true }));
    expect(first.status).toBe(200);
    const answer = (await first.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({
      channel: { id: CLIENT.integrationId, platform: 'Open', type: 'Private', messageId: 'm-one', from: { id: 'user-a', idType: 'Opaque' }, time: '2026-11-29T08:00:00.000Z' },
      type: 'Text',
      text: 'one',
      content: [{ contentType: 'Attachment', attachment }],
      direction: 'Inbound',
    });
    expect(answer.id).toEqual(expect.any(String));
    const second = (await (await sendMessage(live, openMessage('user-a', 'two'))).json()) as { id: string; conversationId: string };
    const other = (await (await sendMessage(live, openMessage('user-b', 'three'))).json()) as { conversationId: string };
    expect(second.conversationId).toBe(answer.conversationId);
    expect(other.conversationId).not.toBe(answer.conversationId);
    expect(second.id).not.toBe(answer.id);

    const logged = (await (await fetch(`${genesys.url}/__double/inbound`)).json()) as Array<{ integrationId: string; body: { text: string }; acceptedAt: string }>;
    expect(logged.map((r) => [r.integrationId, r.body.text])).toEqual([
      [CLIENT.integrationId, 'one'],
      [CLIENT.integrationId, 'two'],
      [CLIENT.integrationId, 'three'],
    ]);
    expect(logged[0]!.acceptedAt).toBe(new Date(clock).toISOString());
    expect(genesys.stats()).toMatchObject({ accepted: 3, answered4xx: 0 });
  });

  it('refuses an invalid body with 400 naming the field, an unknown integration with 404 and an oversized body with 413; none is logged', async () => {
    const live = await token();
    const badIdType = await sendMessage(live, { ...openMessage('u', 'x'), channel: { from: { id: 'u', idType: 'LineUser' }, time: '2026-11-29T08:00:00Z' } });
    expect(badIdType.status).toBe(400);
    const badIdTypeBody = (await badIdType.json()) as { code: string; message: string; details: Array<{ fieldName: string }> };
    expect(badIdTypeBody.code).toBe('bad.request');
    expect(badIdTypeBody.message).toContain('channel.from.idType');
    expect(badIdTypeBody.details.map((d) => d.fieldName)).toEqual(['channel.from.idType']);

    const noTime = (await (await sendMessage(live, { channel: { from: { id: 'u', idType: 'Opaque' } }, text: 'x' })).json()) as { message: string };
    expect(noTime.message).toContain('channel.time');
    const badTime = (await (await sendMessage(live, { ...openMessage('u', 'x'), channel: { from: { id: 'u', idType: 'Opaque' }, time: '29/11/2026' } })).json()) as { message: string };
    expect(badTime.message).toContain('channel.time');
    const badUrl = await sendMessage(live, openMessage('u', 'x', { content: [{ attachment: { mediaType: 'Image', url: 'not a url', mime: 'image/jpeg' } }] }));
    expect(((await badUrl.json()) as { message: string }).message).toContain('content[0].attachment.url');
    const badMediaType = await sendMessage(live, openMessage('u', '', { content: [{ attachment: { mediaType: 'Sticker', url: 'https://x.example/a', mime: 'image/png' } }] }));
    expect(((await badMediaType.json()) as { message: string }).message).toContain('content[0].attachment.mediaType');
    clock += 60_000; // a fresh rate-limit window (5 calls per minute in this suite)
    const empty = await sendMessage(live, openMessage('u', ''));
    expect(empty.status).toBe(400);
    const malformed = await sendMessage(live, '{"channel":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('bad.request');

    const unknown = await sendMessage(live, openMessage('u', 'x'), 'no-such-integration');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('not.found');

    const oversized = await sendMessage(live, openMessage('u', 'x'.repeat(512_001)));
    expect(oversized.status).toBe(413);
    expect(genesys.inbound()).toEqual([]);
  });

  it('limits calls per token per fixed minute: the 6th call of 5 gets 429 with Retry-After, inin-ratelimit-* and the exact body; the window reopens', async () => {
    const live = await token();
    for (let i = 0; i < 4; i += 1) expect((await sendMessage(live, openMessage('u', `m${i}`))).status).toBe(200);
    // A receipt counts against the same per-token budget.
    const receipt = { id: 'genesys-msg-1', channel: { to: { id: 'u', idType: 'Opaque' }, time: '2026-11-29T08:00:01.000Z' }, status: 'Delivered' };
    expect((await post(`${CLIENT.integrationId}/inbound/open/receipt`, live, receipt)).status).toBe(200);

    clock += 10_000;
    const limited = await sendMessage(live, openMessage('u', 'over'));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: 'Rate limit exceeded the maximum. Retry the request in [50] seconds', code: 'too.many.requests.retry.after', status: 429 });
    expect(limited.headers.get('retry-after')).toBe('50');
    expect(limited.headers.get('inin-ratelimit-count')).toBe('6');
    expect(limited.headers.get('inin-ratelimit-allowed')).toBe('5');
    expect(limited.headers.get('inin-ratelimit-reset')).toBe('50');

    // Another token has its own budget.
    expect((await sendMessage(await token(), openMessage('u', 'other token'))).status).toBe(200);

    clock += 50_000;
    expect((await sendMessage(live, openMessage('u', 'next window'))).status).toBe(200);
    expect(genesys.stats()).toMatchObject({ accepted: 6, receiptsAccepted: 1, answered429: 1, peakCallsInWindow: 5 });
    const windows = (await (await fetch(`${genesys.url}/__double/windows`)).json()) as Array<Record<string, unknown>>;
    expect(windows.map((w) => [w.token, w.admitted, w.refused, w.complete])).toEqual([
      [1, 5, 1, true],
      [2, 1, 0, false], // opened 10 s into the first token's window
      [1, 1, 0, false],
    ]);
    expect(genesys.inbound().map((r) => (r.body as { text: string }).text)).not.toContain('over');
  });

  it('switches modes in process and over POST /__double/mode: outage 503, error5xx 500/502, slow, a new limit, back to ok', async () => {
    const live = await token();
    genesys.setMode('outage');
    const down = await sendMessage(live, openMessage('u', 'during outage'));
    expect(down.status).toBe(503);
    expect(((await down.json()) as { code: string }).code).toBe('service.unavailable');
    expect((await login()).status).toBe(503);

    const setMode = (body: unknown) => fetch(`${genesys.url}/__double/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await setMode({ mode: 'error5xx' })).status).toBe(200);
    expect([(await sendMessage(live, openMessage('u', 'a'))).status, (await sendMessage(live, openMessage('u', 'b'))).status]).toEqual([500, 502]);

    expect((await setMode({ mode: 'slow', slowMs: 50 })).status).toBe(200);
    expect((await sendMessage(live, openMessage('u', 'slow but fine'))).status).toBe(200);

    expect((await setMode({ mode: 'sideways' })).status).toBe(400);
    expect((await setMode({ mode: 'ok', rateLimitPerMinute: 1 })).status).toBe(200);
    expect(genesys.mode()).toBe('ok');
    expect((await sendMessage(live, openMessage('u', 'over the new limit'))).status).toBe(429);

    const stats = (await (await fetch(`${genesys.url}/__double/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ accepted: 1, answered5xx: 4, answered429: 1, mode: 'ok', rateLimitPerMinute: 1 });
    expect(genesys.inbound().map((r) => (r.body as { text: string }).text)).toEqual(['slow but fine']);

    genesys.setMode('outage', { drop: true });
    await expect(sendMessage(live, openMessage('u', 'reset'))).rejects.toThrow();
    expect((await fetch(`${genesys.url}/__double/reset`, { method: 'POST' })).status).toBe(200);
    expect(genesys.stats()).toMatchObject({ accepted: 0, answered5xx: 0 });
    expect(genesys.mode()).toBe('ok');
  });

  it('accepts receipts and typing events with their own models and logs them apart from messages', async () => {
    const live = await token();
    const receipt = { id: 'g-1', channel: { to: { id: 'u' }, time: '2026-11-29T08:00:01.000Z' }, status: 'Failed', reasons: [{ code: 'RateLimited', message: 'platform throttled' }] };
    const answered = await post(`${CLIENT.integrationId}/inbound/open/receipt`, live, receipt);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ id: 'g-1', type: 'Receipt', status: 'Failed' });
    const badStatus = await post(`${CLIENT.integrationId}/inbound/open/receipt`, live, { ...receipt, status: 'Lost' });
    expect(((await badStatus.json()) as { message: string }).message).toContain('status');
    const typing = { channel: { from: { id: 'u', idType: 'Opaque' }, time: '2026-11-29T08:00:02.000Z' }, events: [{ eventType: 'Typing', typing: { type: 'On', duration: 5000 } }] };
    expect((await post(`${CLIENT.integrationId}/inbound/open/event`, live, typing)).status).toBe(200);
    expect(genesys.receipts().map((r) => r.id)).toEqual(['g-1']);
    expect(genesys.events()).toHaveLength(1);
    expect(genesys.inbound()).toEqual([]);
    expect(((await (await fetch(`${genesys.url}/__double/receipts`)).json()) as unknown[]).length).toBe(1);
  });
});

describe('platform double', () => {
  const credentials: PlatformCredentials = {
    lineChannelAccessToken: 'line-token',
    telegramBotToken: '123456:telegram-token',
    viberAuthToken: 'viber-token',
    whatsappAccessToken: 'wa-token',
    whatsappPhoneNumberId: '1000001',
  };
  let platforms: PlatformDouble;
  beforeEach(async () => {
    platforms = await startPlatformDouble({ credentials });
  });
  afterEach(() => platforms.stop());

  /** Reads a body as a stream, keeping only its size and digest. */
  async function digestOf(response: Response): Promise<{ bytes: number; sha256: string }> {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  it('LINE: serves content with the channel access token, 401 without it, 404 for an unknown message', async () => {
    const ref = platforms.putMedia('line', '5551234567', { sizeBytes: 150_000, mime: 'image/jpeg' });
    expect(ref).toBe('5551234567');
    const url = `${platforms.apiUrls.lineDataApiUrl}/v2/bot/message/${ref}/content`;
    const ok = await fetch(url, { headers: { authorization: 'Bearer line-token' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(ok.headers.get('content-length')).toBe('150000');
    expect(await digestOf(ok)).toEqual({ bytes: 150_000, sha256: platforms.mediaSha256('line', ref) });

    const refused = await fetch(url, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toMatch(/Authentication failed/);
    const unknown = await fetch(`${platforms.apiUrls.lineDataApiUrl}/v2/bot/message/404/content`, { headers: { authorization: 'Bearer line-token' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not found' });
  });

  it('Telegram: getFile then the file path; a file over 20 MB is "file is too big"; a wrong bot token is 401', async () => {
    const fileId = platforms.putMedia('telegram', 'AgACAgQAAxkBAAIB', { sizeBytes: 70_000, mime: 'image/jpeg', filename: 'photo.jpg' });
    const api = platforms.apiUrls.telegramApiUrl;
    const got = (await (await fetch(`${api}/bot${credentials.telegramBotToken}/getFile?file_id=${fileId}`)).json()) as {
      ok: boolean;
      result: { file_id: string; file_unique_id: string; file_size: number; file_path: string };
    };
    expect(got).toMatchObject({ ok: true, result: { file_id: fileId, file_size: 70_000 } });
    expect(got.result.file_path).toMatch(/^photos\/file_\d+\.jpg$/);
    const byPost = (await (
      await fetch(`${api}/bot${credentials.telegramBotToken}/getFile`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file_id: fileId }) })
    ).json()) as { ok: boolean };
    expect(byPost.ok).toBe(true);
    const file = await fetch(`${api}/file/bot${credentials.telegramBotToken}/${got.result.file_path}`);
    expect(file.status).toBe(200);
    expect(await digestOf(file)).toEqual({ bytes: 70_000, sha256: platforms.mediaSha256('telegram', fileId) });

    const big = platforms.putMedia('telegram', 'BQACAgQAAxkBig', { sizeBytes: 21 * 1024 * 1024, mime: 'video/mp4' });
    const tooBig = await fetch(`${api}/bot${credentials.telegramBotToken}/getFile?file_id=${big}`);
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: file is too big' });
    const wrongToken = await fetch(`${api}/bot999:wrong/getFile?file_id=${fileId}`);
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    expect(((await (await fetch(`${api}/bot${credentials.telegramBotToken}/getFile?file_id=nope`)).json()) as { description: string }).description).toBe(
      'Bad Request: invalid file_id',
    );
  });

  it('Viber: the webhook carries a media URL that serves the bytes', async () => {
    const url = platforms.putMedia('viber', 'viber-media-1', { sizeBytes: 4096, mime: 'image/png' });
    expect(url).toBe(`${platforms.apiUrls.viberApiUrl}/media/viber-media-1`);
    const ok = await fetch(url);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(await digestOf(ok)).toEqual({ bytes: 4096, sha256: platforms.mediaSha256('viber', 'viber-media-1') });
    expect((await fetch(`${platforms.apiUrls.viberApiUrl}/media/unknown`)).status).toBe(404);
  });

  it('WhatsApp: media id → metadata with url, sha256 and size (Bearer), then the url streams 30 MB (Bearer); bad token is OAuthException 190', async () => {
    const size = 30 * 1024 * 1024;
    const mediaId = platforms.putMedia('whatsapp', '1234567890123456', { sizeBytes: size, mime: 'video/mp4' });
    const auth = { authorization: `Bearer ${credentials.whatsappAccessToken}` };
    const meta = (await (await fetch(`${platforms.apiUrls.whatsappApiUrl}/${mediaId}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ messaging_product: 'whatsapp', mime_type: 'video/mp4', file_size: size, id: mediaId, sha256: platforms.mediaSha256('whatsapp', mediaId) });

    const refused = await fetch(String(meta.url));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: number; type: string } }).error).toMatchObject({ code: 190, type: 'OAuthException' });
    const download = await fetch(String(meta.url), { headers: auth });
    expect(download.headers.get('content-length')).toBe(String(size));
    expect(await digestOf(download)).toEqual({ bytes: size, sha256: meta.sha256 });

    const unknown = await fetch(`${platforms.apiUrls.whatsappApiUrl}/999`, { headers: auth });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(100);

    const log = (await (await fetch(`${platforms.url}/__double/media-requests`)).json()) as Array<{ platform: string; status: number; bytes: number }>;
    expect(log.map((r) => [r.platform, r.status, r.bytes])).toEqual([
      ['whatsapp', 200, 0],
      ['whatsapp', 401, 0],
      ['whatsapp', 200, size],
      ['whatsapp', 400, 0],
    ]);
  });
});
