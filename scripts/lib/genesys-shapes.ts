// Event bodies of the topics the catalogue has built-in entries for, in the
// shapes Genesys Cloud sends (issue 11, from live captures and the Genesys
// blueprints' fixtures; written from those facts, nothing pasted). Used by the
// demo's generator and by test/fixtures/factories.ts, so both follow one shape.

export interface Utterance {
  utteranceId: string;
  transcript: string;
  channel?: 'EXTERNAL' | 'INTERNAL';
  /** Casing drifts between captures (`es-US`, `es-us`): stored as received. */
  dialect?: string;
  confidence?: number;
  offsetMs?: number;
  durationMs?: number;
}

/**
 * `v2.conversations.{id}.transcription`: eventTime ISO with milliseconds; no
 * participantId; `transcripts[]` may carry one or two utterances, or none at
 * all when the event only reports the session status (SESSION_ENDED).
 */
export function transcriptionBody(o: {
  conversationId: string;
  communicationId: string;
  organizationId: string;
  eventTimeMs: number;
  utterances: readonly Utterance[];
  status?: 'SESSION_ONGOING' | 'SESSION_ENDED';
}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    eventTime: new Date(o.eventTimeMs).toISOString(),
    organizationId: o.organizationId,
    conversationId: o.conversationId,
    communicationId: o.communicationId,
    sessionStartTimeMs: o.eventTimeMs - 60_000,
    transcriptionStartTimeMs: o.eventTimeMs - 59_000,
    status: { status: o.status ?? 'SESSION_ONGOING', offsetMs: 59_000 },
  };
  if (o.utterances.length > 0) {
    body.transcripts = o.utterances.map((u) => {
      const offsetMs = u.offsetMs ?? 1_000;
      const durationMs = u.durationMs ?? 1_800;
      const words = u.transcript.split(' ').map((word, i, all) => ({
        confidence: 0.9,
        offsetMs: offsetMs + Math.floor((durationMs * i) / all.length),
        durationMs: Math.floor(durationMs / all.length),
        word,
      }));
      return {
        utteranceId: u.utteranceId,
        isFinal: true,
        channel: u.channel ?? 'EXTERNAL',
        alternatives: [{ confidence: u.confidence ?? 0.91, offsetMs, durationMs, transcript: u.transcript, words, decoratedTranscript: u.transcript }],
        engineProvider: 'GENESYS',
        engineId: 'r2d2',
        engineName: 'r2d2',
        dialect: u.dialect ?? 'en-US',
        agentAssistEnabled: false,
        voiceTranscriptionEnabled: true,
      };
    });
  }
  return body;
}

/** `v2.detail.events.conversation.{id}.attributes`: participant attributes, a string → string map; eventTime epoch ms. */
export function attributesBody(o: { conversationId: string; participantId: string; eventTimeMs: number; attributes: Record<string, string> }) {
  return {
    eventTime: o.eventTimeMs,
    conversationId: o.conversationId,
    participantId: o.participantId,
    sessionId: `${o.participantId}-session`,
    attributes: o.attributes,
  };
}

/** `v2.detail.events.conversation.{id}.flow.outcome`: an outcome a flow reached, with its milestones; flowType casing drifts. */
export function flowOutcomeBody(o: {
  conversationId: string;
  participantId: string;
  eventTimeMs: number;
  flowId: string;
  flowOutcomeId: string;
  flowOutcomeValue: 'SUCCESS' | 'FAILURE';
  flowType?: string;
  milestones?: readonly string[];
}) {
  return {
    eventTime: o.eventTimeMs,
    conversationId: o.conversationId,
    participantId: o.participantId,
    sessionId: `${o.participantId}-session`,
    mediaType: 'VOICE',
    direction: 'INBOUND',
    flowType: o.flowType ?? 'INBOUNDCALL',
    flowId: o.flowId,
    flowVersion: '12.0',
    flowOutcomeId: o.flowOutcomeId,
    flowOutcomeStartTime: o.eventTimeMs - 4_000,
    flowOutcomeEndTime: o.eventTimeMs,
    flowOutcomeValue: o.flowOutcomeValue,
    flowMilestones: (o.milestones ?? []).map((milestoneId, i) => ({ milestoneId, milestoneTime: o.eventTimeMs - 3_000 + i * 500 })),
  };
}

/**
 * An audit as Genesys sends user presence changes: entityType "UserPresence",
 * eventTime ISO at whole seconds (about 1 s before detail.timestamp), and
 * propertyChanges whose items may lack oldValues or newValues.
 */
export function userPresenceAuditBody(o: { auditId: string; userId: string; eventTimeMs: number; from?: string; to: string }) {
  const change: Record<string, unknown> = { property: 'presenceDefinition', newValues: [o.to] };
  if (o.from !== undefined) change.oldValues = [o.from];
  return {
    id: o.auditId,
    eventTime: `${new Date(o.eventTimeMs).toISOString().slice(0, 19)}Z`,
    entityType: 'UserPresence',
    entity: { id: o.userId },
    action: 'Update',
    serviceName: 'Presence',
    level: 'USER',
    status: 'SUCCESS',
    user: { id: o.userId },
    propertyChanges: [change],
    context: {},
  };
}
