// What the platforms send back to the gateway's webhooks about a message the
// gateway just sent, for the demo's loop check: WhatsApp status webhooks
// (sent, delivered, read), the Telegram bot's own message as an update,
// Viber's delivered and seen callbacks. LINE sends nothing to the bot's
// webhook about its own pushes, so there is no LINE echo. Built and signed
// with the fixtures' factories; none of them may reach Genesys as a customer
// message.
import { randomInt } from 'node:crypto';
import { buildTelegramUpdate, buildViberCallback, buildWhatsAppWebhook, signedRequest, viberMessageToken, wamid } from '../../test/fixtures/messaging-webhooks';
import type { Platform } from '../../shared/messaging/contract';
import type { SentMessage as PlatformSend } from '../local/doubles/platform-send-routes';
import { postWebhook } from './messaging-sender';

export interface EchoTally {
  sent: number;
  /** Answered 200 by the ingest endpoint. */
  accepted: number;
  byPlatform: Record<Platform, number>;
  /** Ids an echo would carry as channel.messageId if it were (wrongly) forwarded. */
  ids: Set<string>;
}

export const emptyEchoTally = (): EchoTally => ({ sent: 0, accepted: 0, byPlatform: { line: 0, telegram: 0, viber: 0, whatsapp: 0 }, ids: new Set() });

/** The platform's webhooks about one accepted send. */
export function echoesOf(send: PlatformSend, whatsappPhoneNumberId: string): Array<{ platform: Platform; body: string; ids: string[] }> {
  switch (send.platform) {
    case 'whatsapp': {
      const id = wamid();
      const statuses = (['sent', 'delivered', 'read'] as const).map((status) => ({ id, recipientId: send.to, status }));
      return [{ platform: 'whatsapp', body: buildWhatsAppWebhook({ phoneNumberId: whatsappPhoneNumberId, statuses }).body, ids: [id] }];
    }
    case 'telegram': {
      const messageId = randomInt(1_000_000, 2_000_000_000);
      const updateId = randomInt(1_000_000, 2_000_000_000);
      const content = send.text !== undefined ? { text: send.text } : { photo: true as const };
      const update = buildTelegramUpdate({ ...content, chatId: Number(send.to), isBot: true, messageId, updateId });
      return [{ platform: 'telegram', body: update.body, ids: [String(updateId), String(messageId), `${send.to}:${messageId}`] }];
    }
    case 'viber': {
      const token = viberMessageToken();
      return (['delivered', 'seen'] as const).map((event) => ({ platform: 'viber' as const, body: buildViberCallback({ event, userId: send.to, messageToken: token }).body, ids: [token] }));
    }
    case 'line':
      return [];
  }
}

/** Sends the echoes of `sends` to the ingest endpoint, one at a time, as the platforms would. */
export async function sendEchoes(ingestUrl: string, sends: PlatformSend[], whatsappPhoneNumberId: string, tally: EchoTally): Promise<void> {
  for (const send of sends) {
    for (const echo of echoesOf(send, whatsappPhoneNumberId)) {
      for (const id of echo.ids) tally.ids.add(id);
      const status = await postWebhook(ingestUrl, signedRequest(echo.platform, echo.body));
      tally.sent += 1;
      tally.byPlatform[echo.platform] += 1;
      if (status === 200) tally.accepted += 1;
    }
  }
}
