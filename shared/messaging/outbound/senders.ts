// The send adapters by platform, and one HTTP exchange with a platform.
import type { Platform } from '../contract';
import { lineSender } from './line-send';
import { retry, type PlatformRequest, type PlatformSender, type SendOutcome } from './send-types';
import { telegramSender } from './telegram-send';
import { viberSender } from './viber-send';
import { whatsappSender } from './whatsapp-send';

export const SENDERS: Record<Platform, PlatformSender> = { line: lineSender, telegram: telegramSender, viber: viberSender, whatsapp: whatsappSender };

/** POSTs one request and classifies the answer; no answer (timeout, reset) is worth a retry. */
export async function exchange(
  sender: PlatformSender,
  request: PlatformRequest,
  options: { fetch?: typeof fetch; timeoutMs: number; now?: () => number },
): Promise<SendOutcome> {
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(options.timeoutMs) });
    text = await response.text();
  } catch (error) {
    return retry(undefined, `${sender.platform} did not answer: ${(error as Error).name}`);
  }
  return sender.classify(response.status, response.headers, text, (options.now ?? Date.now)());
}
