// Every webhook signature scheme: valid, invalid, missing, wrong secret,
// tampered body (one byte), header case; LINE against the official SDK's check.
import { validateSignature } from '@line/bot-sdk';
import { describe, expect, it } from 'vitest';
import type { WebhookSecrets } from '../../shared/messaging/contract';
import { verifyGenesysSignature } from '../../shared/messaging/genesys-webhook';
import { PLATFORM_ADAPTERS } from '../../shared/messaging/platforms';
import { constantTimeEqual } from '../../shared/messaging/platforms/adapter';
import {
  LOCAL_WEBHOOK_SECRETS,
  type WebhookTarget,
  buildGenesysOutboundWebhook,
  buildLineWebhook,
  buildTelegramUpdate,
  buildViberCallback,
  buildWhatsAppWebhook,
  signLine,
  signatureHeaders,
  whatsappUserId,
} from '../fixtures/messaging-webhooks';

const secrets = LOCAL_WEBHOOK_SECRETS;
const otherSecrets: WebhookSecrets = Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, `${v}-other`])) as unknown as WebhookSecrets;

const bodies: Record<WebhookTarget, string> = {
  line: buildLineWebhook({ events: [{ text: 'hi' }, { image: true }] }).body,
  telegram: buildTelegramUpdate({ text: 'hi' }).body,
  viber: buildViberCallback({ text: 'hi' }).body,
  whatsapp: buildWhatsAppWebhook({ messages: [{ from: whatsappUserId(), text: 'hi' }] }).body,
  genesys: buildGenesysOutboundWebhook({ toId: 'U1' }).body,
};

const verify = (target: WebhookTarget, body: Buffer, headers: Record<string, string | undefined>, s: WebhookSecrets = secrets) =>
  target === 'genesys' ? verifyGenesysSignature(body, headers, s.genesysWebhookSecret) : PLATFORM_ADAPTERS[target].verify(body, headers, s);

const flipOneByte = (text: string): Buffer => {
  const bytes = Buffer.from(text);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes;
};

const changeCase = (headers: Record<string, string>, to: 'upper' | 'lower') =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [to === 'upper' ? k.toUpperCase() : k.toLowerCase(), v]));

describe.each(['line', 'telegram', 'viber', 'whatsapp', 'genesys'] as const)('%s webhook signature', (target) => {
  const body = bodies[target];
  const signed = signatureHeaders(target, body, secrets);

  it('accepts the signature of the exact body, in any header case', () => {
    expect(verify(target, Buffer.from(body), signed)).toEqual({ ok: true });
    expect(verify(target, Buffer.from(body), changeCase(signed, 'upper'))).toEqual({ ok: true });
    expect(verify(target, Buffer.from(body), changeCase(signed, 'lower'))).toEqual({ ok: true });
  });

  it('refuses a missing signature with 401 naming the header', () => {
    const verdict = verify(target, Buffer.from(body), { 'content-type': 'application/json' });
    expect(verdict).toMatchObject({ ok: false, status: 401 });
    expect(verdict.ok ? '' : verdict.reason).toMatch(/^missing /);
  });

  it('refuses an empty signature header', () => {
    const empty = Object.fromEntries(Object.keys(signed).map((k) => [k, '']));
    expect(verify(target, Buffer.from(body), empty)).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a signature made with another secret', () => {
    expect(verify(target, Buffer.from(body), signatureHeaders(target, body, otherSecrets))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a correct signature when the verifier holds another secret', () => {
    expect(verify(target, Buffer.from(body), signed, otherSecrets)).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses garbage, truncated and over-long signatures', () => {
    for (const value of Object.values(signed)) {
      const [name] = Object.keys(signed);
      for (const bad of [value.slice(0, -2), `${value}00`, 'x', value.replace(/[0-9a-zA-Z]/, (c) => (c === 'a' ? 'b' : 'a'))]) {
        expect(verify(target, Buffer.from(body), { [name!]: bad })).toMatchObject({ ok: false, status: 401 });
      }
    }
  });

  if (target !== 'telegram') {
    it('refuses a body with one byte changed', () => {
      expect(verify(target, flipOneByte(body), signed)).toMatchObject({ ok: false, status: 401 });
    });

    it('refuses every signature when its secret is not configured (an empty HMAC key is forgeable)', () => {
      const none = Object.fromEntries(Object.keys(secrets).map((k) => [k, ''])) as unknown as WebhookSecrets;
      const forged = signatureHeaders(target, body, none);
      expect(verify(target, Buffer.from(body), forged, none)).toMatchObject({ ok: false, status: 401 });
    });
  }
});

describe('LINE signature agrees with @line/bot-sdk validateSignature', () => {
  it.each([
    ['a batch', buildLineWebhook({ events: [{ text: 'こんにちは 👋' }, { image: true }, { text: 'x'.repeat(5000) }] }).body],
    ['an empty verify webhook', JSON.stringify({ destination: 'U0', events: [] })],
  ])('on %s, valid and tampered', (_name, body) => {
    const { 'x-line-signature': signature } = signLine(body, secrets.lineChannelSecret);
    expect(validateSignature(body, secrets.lineChannelSecret, signature!)).toBe(true);
    expect(PLATFORM_ADAPTERS.line.verify(Buffer.from(body), { 'X-Line-Signature': signature }, secrets).ok).toBe(true);

    const tampered = flipOneByte(body);
    expect(validateSignature(tampered, secrets.lineChannelSecret, signature!)).toBe(false);
    expect(PLATFORM_ADAPTERS.line.verify(tampered, { 'x-line-signature': signature }, secrets).ok).toBe(false);

    const wrong = signLine(body, 'another-secret')['x-line-signature']!;
    expect(validateSignature(body, secrets.lineChannelSecret, wrong)).toBe(false);
    expect(PLATFORM_ADAPTERS.line.verify(Buffer.from(body), { 'x-line-signature': wrong }, secrets).ok).toBe(false);
  });
});

describe('scheme details', () => {
  it('WhatsApp wants the sha256= prefix and hex; Genesys wants sha256= and base64 (not hex)', () => {
    const body = bodies.whatsapp;
    const hexSig = signatureHeaders('whatsapp', body, secrets)['X-Hub-Signature-256']!;
    expect(PLATFORM_ADAPTERS.whatsapp.verify(Buffer.from(body), { 'x-hub-signature-256': hexSig.slice('sha256='.length) }, secrets).ok).toBe(false);
    expect(PLATFORM_ADAPTERS.whatsapp.verify(Buffer.from(body), { 'x-hub-signature-256': hexSig.toUpperCase().replace('SHA256=', 'sha256=') }, secrets).ok).toBe(true);

    const genesysBody = Buffer.from(bodies.genesys);
    const hexOfGenesys = signatureHeaders('whatsapp', bodies.genesys, { ...secrets, whatsappAppSecret: secrets.genesysWebhookSecret })['X-Hub-Signature-256']!;
    expect(verifyGenesysSignature(genesysBody, { 'X-Hub-Signature-256': hexOfGenesys }, secrets.genesysWebhookSecret).ok).toBe(false);
  });

  it('Viber: a base64 signature of the right HMAC is refused (hex only)', () => {
    const body = bodies.viber;
    const b64 = signLine(body, secrets.viberAuthToken)['x-line-signature']!;
    expect(PLATFORM_ADAPTERS.viber.verify(Buffer.from(body), { 'X-Viber-Content-Signature': b64 }, secrets).ok).toBe(false);
  });

  it('constant-time equality compares any two lengths without throwing', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'x'.repeat(300))).toBe(false);
  });
});
