// The platforms' send limits, shared by every dispatcher instance: one
// DynamoDB GCRA bucket per platform (rate-limit.ts, unchanged) and, for
// Telegram, one more per chat (about one message per second per chat).
//
// Per-chat buckets cost one more conditional write per Telegram send (two on
// an instance's first send to a chat). Kept in DynamoDB rather than in
// memory because the FIFO group serialises a chat's messages but not their
// instance: consecutive messages of one chat are often handled by different
// instances, and the gap between them (a receive, tens of ms) is far below a
// second. Bucket items expire by TTL a day after their last grant.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RateLimitedLocallyError } from '../genesys/client';
import { DynamoRateLimiter, ratePerSecondFor, type RateLimitSettings } from '../rate-limit';
import type { Platform } from '../contract';

/**
 * GCRA settings for "at most `perSecond` in any second": a burst of 1/50th
 * of the rate (at least 1), the rest steady, so burst + 1 s of traffic stays
 * within the limit and ≥ 98% of it is used (rates below 2/s: burst 1, the rate itself).
 */
export function perSecondSettings(perSecond: number, maxWaitMs: number): RateLimitSettings {
  if (perSecond < 2) return { ratePerSecond: perSecond, burst: 1, maxWaitMs };
  const burst = Math.max(1, Math.floor(perSecond / 50));
  return { ratePerSecond: ratePerSecondFor(perSecond, 1, burst), burst, maxWaitMs };
}

/** Chat buckets kept per instance (their last-seen tat); beyond it the map starts over (a fresh one costs one extra write). */
const MAX_CHAT_LIMITERS = 2_000;

export interface PlatformLimiterOptions {
  client: DynamoDBDocumentClient;
  table: string;
  rates: Record<Platform, number>;
  telegramChatRate: number;
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export class PlatformLimiter {
  private readonly platforms = new Map<Platform, DynamoRateLimiter>();
  private readonly chats = new Map<string, DynamoRateLimiter>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PlatformLimiterOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  private platform(platform: Platform): DynamoRateLimiter {
    let limiter = this.platforms.get(platform);
    if (!limiter) {
      limiter = new DynamoRateLimiter({ client: this.options.client, table: this.options.table, bucket: `platform:${platform}`, settings: perSecondSettings(this.options.rates[platform], this.options.maxWaitMs) });
      this.platforms.set(platform, limiter);
    }
    return limiter;
  }

  private chat(platform: Platform, userId: string): DynamoRateLimiter | undefined {
    if (platform !== 'telegram') return undefined;
    let limiter = this.chats.get(userId);
    if (!limiter) {
      if (this.chats.size >= MAX_CHAT_LIMITERS) this.chats.clear();
      limiter = new DynamoRateLimiter({
        client: this.options.client,
        table: this.options.table,
        bucket: `platform:telegram:chat:${userId}`,
        settings: perSecondSettings(this.options.telegramChatRate, this.options.maxWaitMs),
      });
      this.chats.set(userId, limiter);
    }
    return limiter;
  }

  /**
   * Waits for a send slot (the chat's, then the platform's), or throws
   * RateLimitedLocallyError (a 429 with Retry-After: the record is held by
   * visibility) when no slot comes within the maximum in-process wait.
   * The chat first: its slot is often most of a second away, and a platform
   * slot taken before that wait would pass unused while the send goes out
   * later, bunched with the sends of the slots after it; taken last, the
   * send goes at the platform's slot and still after the chat's.
   */
  async slot(platform: Platform, userId: string): Promise<void> {
    for (const limiter of [this.chat(platform, userId), this.platform(platform)]) {
      if (!limiter) continue;
      const grant = await limiter.acquire();
      if (!grant.granted) throw new RateLimitedLocallyError(grant.retryAfterMs);
      if (grant.waitMs > 0) await this.sleep(grant.waitMs);
    }
  }

  /** The platform said 429: no instance sends to it (Telegram: to that chat) before `until`. */
  async pause(platform: Platform, userId: string, until: number): Promise<void> {
    await (this.chat(platform, userId) ?? this.platform(platform)).pauseUntil(until).catch(() => undefined);
  }
}
