import type { Platform } from '../contract';
import type { PlatformAdapter } from './adapter';
import { line } from './line';
import { telegram } from './telegram';
import { viber } from './viber';
import { whatsapp } from './whatsapp';

export const PLATFORM_ADAPTERS: Readonly<Record<Platform, PlatformAdapter>> = { line, telegram, viber, whatsapp };

export type { Ignored, Normalised, NormaliseOptions, PlatformAdapter, Verification, WebhookHeaders } from './adapter';
export { WebhookShapeError } from './adapter';
