// Topic families and the keys the projection stores them under (design §2 and
// the entity/aspect table of the core issue). Families are recognised by the
// EventBridge `detail-type`, which carries the topic pattern with `{id}`
// placeholders; concrete ids come from `detail.topicName` or the body.

export type TopicFamily =
  | 'conversation-detail'
  | 'audits'
  | 'user-presence'
  | 'routing-queue-conversations'
  | 'other';

const CONVERSATION_PREFIX = 'v2.detail.events.conversation.{id}.';
const AUDIT_DETAIL_TYPE = 'v2.audits.entitytype.{id}.entityid.{id}';
const PRESENCE_DETAIL_TYPE = 'v2.users.{id}.presence';
const ROUTING_DETAIL_TYPE = 'v2.routing.queues.{id}.conversations';

export function topicFamily(detailType: string): TopicFamily {
  if (detailType.startsWith(CONVERSATION_PREFIX) && detailType.length > CONVERSATION_PREFIX.length) {
    return 'conversation-detail';
  }
  if (detailType === AUDIT_DETAIL_TYPE) return 'audits';
  if (detailType === PRESENCE_DETAIL_TYPE) return 'user-presence';
  if (detailType === ROUTING_DETAIL_TYPE) return 'routing-queue-conversations';
  return 'other';
}

/** `customer.start` for `v2.detail.events.conversation.{id}.customer.start`. */
export const conversationEventSuffix = (detailType: string): string => detailType.slice(CONVERSATION_PREFIX.length);

const USER_TOPIC = /^v2\.users\.([^.]+)\.presence$/;
const QUEUE_TOPIC = /^v2\.routing\.queues\.([^.]+)\.conversations$/;

export const userIdFromTopic = (topicName: string): string | undefined => USER_TOPIC.exec(topicName)?.[1];
export const queueIdFromTopic = (topicName: string): string | undefined => QUEUE_TOPIC.exec(topicName)?.[1];

export const entityKeys = {
  conversation: (conversationId: string) => `conversation/${conversationId}`,
  user: (userId: string) => `user/${userId}`,
  audit: (entityType: string, entityId: string) => `audit/${entityType}/${entityId}`,
  topic: (topicName: string) => `topic/${topicName}`,
};

export const aspectKeys = {
  conversationEvent: (participantId: string | undefined, suffix: string) => `${participantId ?? '-'}/${suffix}`,
  queue: (queueId: string) => `queue/${queueId}`,
  presence: 'presence',
  audit: 'audit',
  latest: 'latest',
} as const;
