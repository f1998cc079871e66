// Idempotency for a whole batch in a few DynamoDB calls, in the record format
// of Powertools' DynamoDB persistence layer (@aws-lambda-powertools/idempotency
// 2.x), so the records written before this module keep their meaning and a
// function version still on Powertools reads these:
//
//   id                      `<function name>#<base64 md5 of the JSON key>`
//   status                  INPROGRESS | COMPLETED
//   expiration              epoch seconds; an expired record is free (TTL)
//   in_progress_expiration  epoch ms; an INPROGRESS record past it is free
//   data                    the step's result ({ outcome })
//   claim_owner             who claimed it: the SQS message id (not Powertools';
//                           Powertools ignores the extra attribute)
//
// Per round (the records of one batch that reach the store together):
//
//   1. lookup   one BatchGetItem (strongly consistent) of the round's keys:
//               COMPLETED is a duplicate (no write at all), a live INPROGRESS
//               is held by another invocation (the record retries later);
//   2. claim    one TransactWriteItems of conditional puts (INPROGRESS), with
//               Powertools' own condition: absent, expired, or INPROGRESS past
//               its lock; or INPROGRESS claimed by the same SQS message. A claim another invocation won meanwhile cancels the
//               transaction with a reason per item; the others are claimed
//               again at once. Copies of one key within the round are claimed
//               once: the first copy is the leader, the others wait for its
//               outcome and are duplicates when it completes;
//   3. the caller's step runs per record (the projection, in parallel);
//   4. complete one BatchWriteItem marks every finished record COMPLETED and
//               deletes the claims of the records whose step failed, so their
//               retry is not taken for a duplicate (Powertools deletes the
//               record in that case too).
//
// Why a transaction for the claims and not one conditional PutItem per record
// (measured, README "Performance against the guides' consumer"): the CPU of a
// DynamoDB call is mostly the SDK's per-request work, so ten claims in one call
// cost about a tenth; a transactional write bills 2 write units per item
// instead of 1, which the cost model shows.
//
// Why the completion is a separate write and not folded into the claim: a
// claim written as COMPLETED before the step runs would make a copy that
// arrives after a crash (between claim and projection) a "duplicate" while the
// projection never happened: the event would be lost. An INPROGRESS claim that
// dies is safe: it frees itself after its lock (in_progress_expiration), and
// redoing the step is harmless because the projection's conditional write is
// itself idempotent (a replay's order key is not smaller than itself).
//
// Why a receive of the same message takes its own claim over at once: a
// batch-wide call that fails without an answer (a timeout, a reset) may have
// written its claims, and a completion write that failed leaves them
// INPROGRESS too. Waiting out the lock held the whole batch's retries for the
// invocation's remaining time (the demo on a loaded local AWS crawled at a
// few events/s). The message id is the same on every receive of a message and
// different for every copy Genesys or EventBridge sends, so a copy still waits
// for the holder; the same message running twice (its visibility timeout
// passed while the first receive still ran) is safe because the projection's
// conditional write applies the event once.
//
// Why the completion and release writes are unconditional (as Powertools'
// own): if a claim outlived its lock and another invocation claimed the key,
// both ran the step; overwriting or deleting the other's record can at worst
// let a third copy run the step once more, and the conditional projection
// write still applies the event once.
import { createHash } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

const INPROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

/** DynamoDB limits: BatchGetItem 100 keys, TransactWriteItems 100 items, BatchWriteItem 25 requests. */
const LOOKUP_CHUNK = 100;
const CLAIM_CHUNK = 100;
const WRITE_CHUNK = 25;
/** Passes over keys or items DynamoDB left unprocessed (throttled partitions) or claims a cancelled transaction did not judge. */
const MAX_PASSES = 3;

/**
 * Another invocation holds this key, or held it and has not yet let it go.
 * Named as Powertools names it: the retry hint (shared/resilience/retry-hint.ts)
 * and the circuit breaker (not a store failure) recognise it by that name.
 */
export class IdempotencyAlreadyInProgressError extends Error {
  override readonly name = 'IdempotencyAlreadyInProgressError';
  /** When the holder's lock ends (epoch ms), when the record said: the retry hint waits no longer than that. */
  readonly lockedUntilMs: number | undefined;
  constructor(message: string, lockedUntilMs?: number) {
    super(message);
    this.lockedUntilMs = lockedUntilMs;
  }
}

/** The lock end a stored INPROGRESS record carries, if any. */
const lockOf = (item: Record<string, AttributeValue> | undefined): number | undefined => {
  const lockedUntil = Number(item?.in_progress_expiration?.N);
  return Number.isFinite(lockedUntil) ? lockedUntil : undefined;
};
const heldBy = (id: string, item?: Record<string, AttributeValue>) =>
  new IdempotencyAlreadyInProgressError(`There is already an execution in progress with idempotency key: ${id}`, lockOf(item));

/** DynamoDB did not take some keys or items after MAX_PASSES; named as a throttle so the record backs off like one. */
export class IdempotencyUnprocessedError extends Error {
  override readonly name = 'ProvisionedThroughputExceededException';
}

export interface BatchIdempotencySettings {
  tableName: string;
  /** Powertools' key prefix: the function name (AWS_LAMBDA_FUNCTION_NAME), so records written by Powertools keep their keys. */
  keyPrefix: string;
  /** How long a COMPLETED record answers for its content (Powertools' expiresAfterSeconds). */
  expiresAfterSeconds: number;
}

/** The step's result kept in the record, as Powertools kept the function's return value. */
export type StepOutcome = 'applied' | 'stale';

export type Claim =
  | { duplicate: true }
  | {
      duplicate: false;
      /** Marks the key COMPLETED (with the round's other finished records, one write); rejects if that write failed. */
      complete(outcome: StepOutcome): Promise<void>;
      /** The step failed: the claim is deleted with the round's completions, so the retry is not a duplicate. */
      release(): void;
    };

/** Powertools' idempotency key: `${prefix}#${md5 base64 of JSON.stringify(key)}` (its deepSort leaves a string as it is). */
export const idempotencyRecordId = (prefix: string, key: string): string =>
  `${prefix}#${createHash('md5').update(JSON.stringify(key)).digest('base64')}`;

type KeyState = 'completed' | 'in-progress' | 'free';

/** What a stored record means now, as Powertools' claim condition and status checks read it. */
function stateOf(item: Record<string, AttributeValue> | undefined, nowMs: number, owner?: string): KeyState {
  if (!item) return 'free';
  const expiration = Number(item.expiration?.N);
  if (Number.isFinite(expiration) && expiration < nowMs / 1000) return 'free';
  const status = item.status?.S;
  if (status === COMPLETED) return 'completed';
  if (status === INPROGRESS) {
    if (owner !== undefined && item.claim_owner?.S === owner) return 'free';
    const lockedUntil = item.in_progress_expiration?.N;
    return lockedUntil !== undefined && Number(lockedUntil) < nowMs ? 'free' : 'in-progress';
  }
  // Any other status: leave the decision to the claim's condition.
  return 'free';
}

interface Waiter {
  resolve(claim: Claim): void;
  reject(error: unknown): void;
}

/** One content key in a round: its first copy leads, later copies wait for the leader's outcome. */
interface KeyGroup {
  id: string;
  /** The leader's SQS message id: a later receive of the same message may take the claim over. */
  owner: string;
  lockedUntilMs: number;
  flushAt: number;
  leader: Waiter;
  followers: Waiter[];
}

type ClaimResult = 'claimed' | 'completed' | Error;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export interface ClaimOptions {
  /** How long the claim locks the key against other messages. */
  lockMs: number;
  /** The SQS message id. */
  owner: string;
  /**
   * When (epoch ms) the round writes the completions it has even if some of
   * its records are still running: a record a slow store holds past the
   * invocation's deadline must not keep the finished ones from being marked
   * (their records would fail with it). Later completions are written as they come.
   */
  flushAt: number;
}

export interface BatchIdempotency {
  /**
   * Claims the content key for the caller's step. Calls made in the same turn
   * of the event loop (a batch's records, started together) share one round
   * of store calls. Rejects with IdempotencyAlreadyInProgressError when
   * another message holds the key, or with the store's error. `owner`: the
   * SQS message id, so a retry of the same message takes over a claim its
   * earlier receive left behind.
   */
  claim(key: string, options: ClaimOptions): Promise<Claim>;
}

export function createBatchIdempotency(client: DynamoDBClient, settings: BatchIdempotencySettings): BatchIdempotency {
  const { tableName } = settings;
  let gathering: Map<string, KeyGroup> | undefined;

  async function lookup(ids: string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const found = new Map<string, Record<string, AttributeValue>>();
    await Promise.all(
      chunks(ids, LOOKUP_CHUNK).map(async (chunk) => {
        let keys: Array<Record<string, AttributeValue>> = chunk.map((id) => ({ id: { S: id } }));
        for (let pass = 0; keys.length > 0; pass++) {
          if (pass === MAX_PASSES) throw new IdempotencyUnprocessedError(`${keys.length} idempotency keys left unprocessed by BatchGetItem`);
          if (pass > 0) await sleep(20 * 2 ** pass * Math.random());
          const answer = await client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tableName]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: '#id, #status, #expiration, #lock, #owner',
                  ExpressionAttributeNames: { '#id': 'id', '#status': 'status', '#expiration': 'expiration', '#lock': 'in_progress_expiration', '#owner': 'claim_owner' },
                },
              },
            }),
          );
          for (const item of answer.Responses?.[tableName] ?? []) if (item.id?.S) found.set(item.id.S, item);
          keys = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }),
    );
    return found;
  }

  /** Claims the free groups' keys in transactions; a cancelled transaction is judged per item and the untouched claims are sent again. */
  async function claimAll(groups: KeyGroup[]): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    await Promise.all(
      chunks(groups, CLAIM_CHUNK).map(async (chunk) => {
        let pending = chunk;
        for (let pass = 0; pending.length > 0; pass++) {
          if (pass === MAX_PASSES) {
            for (const g of pending) results.set(g.id, new IdempotencyAlreadyInProgressError(`claim of ${g.id} cancelled ${MAX_PASSES} times by other claims`));
            return;
          }
          const nowMs = Date.now();
          const expiration = Math.round(nowMs / 1000 + settings.expiresAfterSeconds);
          try {
            await client.send(
              new TransactWriteItemsCommand({
                TransactItems: pending.map((g) => ({
                  Put: {
                    TableName: tableName,
                    Item: {
                      id: { S: g.id },
                      status: { S: INPROGRESS },
                      expiration: { N: String(expiration) },
                      in_progress_expiration: { N: String(g.lockedUntilMs) },
                      claim_owner: { S: g.owner },
                    },
                    // Powertools' condition (DynamoDBPersistenceLayer._putRecord), or a claim this message left.
                    ConditionExpression:
                      'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#lock) AND #lock < :now_in_millis) OR (#status = :inprogress AND #owner = :owner)',
                    ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#status': 'status', '#lock': 'in_progress_expiration', '#owner': 'claim_owner' },
                    ExpressionAttributeValues: { ':now': { N: String(nowMs / 1000) }, ':now_in_millis': { N: String(nowMs) }, ':inprogress': { S: INPROGRESS }, ':owner': { S: g.owner } },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                  },
                })),
              }),
            );
            for (const g of pending) results.set(g.id, 'claimed');
            return;
          } catch (error) {
            const reasons = (error as { name?: string; CancellationReasons?: CancellationReason[] }).CancellationReasons;
            if ((error as Error).name !== 'TransactionCanceledException' || !reasons || reasons.length !== pending.length) {
              for (const g of pending) results.set(g.id, error as Error);
              return;
            }
            const again: KeyGroup[] = [];
            pending.forEach((g, i) => {
              const reason = reasons[i]!;
              if (reason.Code === 'None') again.push(g);
              else if (reason.Code === 'ConditionalCheckFailed') {
                // Refused: the key is taken; the old item says by what (DynamoDB returns it with ALL_OLD).
                results.set(g.id, stateOf(reason.Item, Date.now()) === 'completed' ? 'completed' : heldBy(g.id, reason.Item));
              } else if (reason.Code === 'TransactionConflict') results.set(g.id, heldBy(g.id));
              else results.set(g.id, Object.assign(new Error(`claim of ${g.id} refused: ${reason.Code ?? 'unknown'} ${reason.Message ?? ''}`.trim()), { name: reason.Code?.includes('Throughput') || reason.Code?.includes('Throttl') ? 'ProvisionedThroughputExceededException' : (reason.Code ?? 'Error') }));
            });
            pending = again;
          }
        }
      }),
    );
    return results;
  }

  /** Marks completions and deletes released claims in as few BatchWriteItem calls as they fit; returns the ids whose write did not happen, with why. */
  async function writeOutcomes(requests: Array<{ id: string; request: WriteRequest }>): Promise<Map<string, Error>> {
    const failed = new Map<string, Error>();
    await Promise.all(
      chunks(requests, WRITE_CHUNK).map(async (chunk) => {
        let pending = chunk.map((r) => r.request);
        try {
          for (let pass = 0; pending.length > 0; pass++) {
            if (pass === MAX_PASSES) throw new IdempotencyUnprocessedError(`${pending.length} idempotency records left unprocessed by BatchWriteItem`);
            if (pass > 0) await sleep(20 * 2 ** pass * Math.random());
            const answer = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
            pending = answer.UnprocessedItems?.[tableName] ?? [];
          }
        } catch (error) {
          const left = new Set(pending.map((r) => r.PutRequest?.Item?.id?.S ?? r.DeleteRequest?.Key?.id?.S));
          for (const { id } of chunk) if (left.has(id)) failed.set(id, error as Error);
        }
      }),
    );
    return failed;
  }

  /**
   * The completions of one round, written together once every claimed key
   * has finished its step (completed or released), or at `flushAt` with those
   * that have; after that, each later one is written as it comes. Each claim
   * handle is settled exactly once by its caller (complete after the step,
   * release if it threw), so the round cannot wait forever.
   */
  function completionRound(expected: number, flushAt: number) {
    type Finished = { id: string; outcome?: StepOutcome; done?: { resolve(): void; reject(error: unknown): void } };
    let waiting: Finished[] = [];
    let arrived = 0;
    let flushedEarly = false;
    const flush = async () => {
      const entries = waiting;
      waiting = [];
      if (entries.length === 0) return;
      const expiration = String(Math.round(Date.now() / 1000 + settings.expiresAfterSeconds));
      const failed = await writeOutcomes(
        entries.map(({ id, outcome }) => ({
          id,
          request: outcome
            ? { PutRequest: { Item: { id: { S: id }, status: { S: COMPLETED }, expiration: { N: expiration }, data: { M: { outcome: { S: outcome } } } } } }
            : { DeleteRequest: { Key: { id: { S: id } } } },
        })),
      );
      // A release that failed only leaves the claim to free itself after its lock.
      for (const { id, done } of entries) {
        const error = failed.get(id);
        if (!done) continue;
        if (error) done.reject(error);
        else done.resolve();
      }
    };
    // No timer for a round with nothing claimed (flushAt is then the minimum of no times: Infinity).
    const timer =
      expected > 0
        ? setTimeout(() => {
            flushedEarly = true;
            void flush();
          }, Math.max(0, flushAt - Date.now()))
        : undefined;
    const arrive = (entry: Finished) => {
      waiting.push(entry);
      arrived += 1;
      if (arrived === expected) clearTimeout(timer);
      if (arrived === expected || flushedEarly) void flush();
    };
    return {
      complete: (id: string, outcome: StepOutcome) => new Promise<void>((resolve, reject) => arrive({ id, outcome, done: { resolve, reject } })),
      release: (id: string) => arrive({ id }),
    };
  }

  async function runRound(groups: KeyGroup[]): Promise<void> {
    const fail = (g: KeyGroup, error: unknown) => [g.leader, ...g.followers].forEach((w) => w.reject(error));
    const duplicate = (g: KeyGroup) => [g.leader, ...g.followers].forEach((w) => w.resolve({ duplicate: true }));
    const inProgress = (g: KeyGroup, item?: Record<string, AttributeValue>) => fail(g, heldBy(g.id, item));
    let stored: Map<string, Record<string, AttributeValue>>;
    try {
      stored = await lookup(groups.map((g) => g.id));
    } catch (error) {
      for (const g of groups) fail(g, error);
      return;
    }
    const nowMs = Date.now();
    const free: KeyGroup[] = [];
    for (const g of groups) {
      const state = stateOf(stored.get(g.id), nowMs, g.owner);
      if (state === 'completed') duplicate(g);
      else if (state === 'in-progress') inProgress(g, stored.get(g.id));
      else free.push(g);
    }
    if (free.length === 0) return;
    let claims: Map<string, ClaimResult>;
    try {
      claims = await claimAll(free);
    } catch (error) {
      for (const g of free) fail(g, error);
      return;
    }
    const claimed = free.filter((g) => claims.get(g.id) === 'claimed');
    const round = completionRound(claimed.length, Math.min(...claimed.map((g) => g.flushAt)));
    for (const g of free) {
      const result = claims.get(g.id)!;
      if (result === 'completed') duplicate(g);
      else if (result instanceof Error) fail(g, result);
      else {
        let settled = false;
        let leaderDone: (completed: boolean) => void = () => undefined;
        const outcome = new Promise<boolean>((resolve) => (leaderDone = resolve));
        g.leader.resolve({
          duplicate: false,
          complete: async (stepOutcome) => {
            if (settled) return;
            settled = true;
            try {
              await round.complete(g.id, stepOutcome);
              leaderDone(true);
            } catch (error) {
              leaderDone(false);
              throw error;
            }
          },
          release: () => {
            if (settled) return;
            settled = true;
            round.release(g.id);
            leaderDone(false);
          },
        });
        // Copies in the same round: a duplicate once the leader's record is
        // COMPLETED; if the leader failed, they retry like any held key.
        for (const follower of g.followers) {
          void outcome.then((completed) =>
            completed ? follower.resolve({ duplicate: true }) : follower.reject(new IdempotencyAlreadyInProgressError(`A copy in the same batch did not complete: ${g.id}`)),
          );
        }
      }
    }
  }

  return {
    claim(key, { lockMs, owner, flushAt }) {
      const id = idempotencyRecordId(settings.keyPrefix, key);
      return new Promise<Claim>((resolve, reject) => {
        if (!gathering) {
          const round = new Map<string, KeyGroup>();
          gathering = round;
          // Records of a batch start in the same turn; the round starts once they have all asked.
          setImmediate(() => {
            gathering = undefined;
            const groups = [...round.values()];
            // Nothing in a round may be left waiting: an unexpected error fails every record still unsettled (settling twice is a no-op).
            runRound(groups).catch((error: unknown) => groups.forEach((g) => [g.leader, ...g.followers].forEach((w) => w.reject(error))));
          });
        }
        const group = gathering.get(id);
        if (group) group.followers.push({ resolve, reject });
        else gathering.set(id, { id, owner, lockedUntilMs: Date.now() + lockMs, flushAt, leader: { resolve, reject }, followers: [] });
      });
    },
  };
}
