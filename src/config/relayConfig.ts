import { z } from 'zod';
import { ConfigurationError } from '../errors';
import { budgetCeilingEnvShape, budgetCeilingFrom, budgetCeilingProblems } from './budgetCeilingSettings';
import { codecServerEnvShape, codecServerSettingsFrom, type CodecServerSettings } from './codecServerSettings';
import { registerSecret } from '../logging/logger';
import { envBoolean, envHostPortList, envInt, envTopic } from './envSchema';
import { fairnessEnvShape, fairnessSettingsFrom, type FairnessSettings } from './fairnessSettings';
import { modelEndpointEnvShape, modelEndpointProblems } from './modelEndpointSettings';
import { payloadEncryptionFromEnv, type PayloadEncryptionSettings } from './payloadEncryptionSettings';
import { phoenixEnvShape, phoenixSettingsFrom, phoenixSettingsProblems, type PhoenixSettings } from './phoenixSettings';
import type { RunBudget } from '../contracts/runBudget';
import type { RunSettings } from './runSettings';
import { isSecretValueVariable, secretValuesOf } from './secretVariables';
import { serviceHttpEnvShape, serviceHttpSettingsFrom, type ServiceHttpSettings } from './serviceHttpSettings';
import type { TlsFiles } from './tlsFiles';
import { kafkaTransport, temporalTransport } from './transportSettings';

/**
 * Every setting of the service, read from environment variables once at start-up.
 * The variable names are the README's; a bad value fails fast with its name.
 */
const relayEnvSchema = z.object({
  KAFKA_BROKERS: envHostPortList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('research-relay'),
  KAFKA_SSL: envBoolean.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  // SASL over plaintext sends the password in the clear: refused unless asked for (local tests).
  KAFKA_ALLOW_SASL_PLAINTEXT: envBoolean.default(false),
  KAFKA_TLS_CA_FILE: z.string().optional(),
  KAFKA_TLS_CERT_FILE: z.string().optional(),
  KAFKA_TLS_KEY_FILE: z.string().optional(),
  TOPIC_REQUESTED: envTopic.default('research.requested'),
  TOPIC_COMPLETED: envTopic.default('research.completed'),
  TOPIC_FAILED: envTopic.default('research.failed'),
  TOPIC_DLQ: envTopic.default('research.requested.dlq'),
  TOPIC_PROGRESS: envTopic.default('research.progress'),
  // Cancels come from a topic of their own, so that writing requests does not grant cancelling others' runs.
  TOPIC_CANCEL: envTopic.default('research.cancel'),
  CANCELS_ENABLED: envBoolean.default(true),
  // Migration from 0.4: cancels on the requests topic are taken only while this is true.
  CANCELS_ON_REQUESTS_TOPIC: envBoolean.default(false),
  // A cancel must name the requestedBy its request named (kept in the run's memo).
  CANCEL_REQUIRE_SAME_REQUESTER: envBoolean.default(false),
  // How long a cancel that finds no run yet waits for its request to start (they travel on different topics).
  CANCEL_WAIT_FOR_RUN_MS: envInt(0, 600_000).default(30_000),
  TOPIC_PARTITIONS: envInt(1, 1000).default(3),
  // Topics the relay creates. Unset: min(3, brokers in the cluster), and min ISR 2 from a factor of 3 on, else 1.
  TOPIC_REPLICATION_FACTOR: envInt(1, 32).optional(),
  TOPIC_MIN_INSYNC_REPLICAS: envInt(1, 32).optional(),
  CONSUMER_GROUP_ID: z.string().min(1).default('research-relay-ingest'),
  CONSUMER_SESSION_TIMEOUT_MS: envInt(6000, 300_000).default(30_000),
  INGEST_CONCURRENCY: envInt(1, 1000).default(32),
  INGEST_COMMIT_INTERVAL_MS: envInt(50, 60_000).default(500),
  CONSUMER_HEAP_GROWING_PERCENT: envInt(0, 1000).default(10),
  // At most 900 KiB: a larger request would not fit Kafka's default 1 MiB record limit once
  // dead-lettered with its dlq.* headers, nor comfortably Temporal's 2 MB payload limit.
  INGEST_MAX_MESSAGE_BYTES: envInt(256, 921_600).default(65_536),
  // What one compressed batch may inflate to; past it its records arrive undecodable (a gzip bomb).
  INGEST_MAX_INFLATED_BATCH_BYTES: envInt(1_048_576, 1_073_741_824).default(16_777_216),
  // A record past either cap is dead-lettered (headers-too-large) without its headers.
  INGEST_MAX_HEADER_COUNT: envInt(1, 10_000).default(100),
  INGEST_MAX_HEADER_BYTES: envInt(256, 1_048_576).default(32_768),
  // A record stamped further ahead than this (producer clocks on CreateTime topics) is dead-lettered as future-timestamp.
  REQUEST_MAX_CLOCK_SKEW_MS: envInt(0, 86_400_000).default(300_000),
  CONSUMER_START_POSITION: z.enum(['earliest', 'latest']).default('earliest'),
  // Unset: the namespace's retention period, read from Temporal at start-up.
  REQUEST_MAX_AGE_MS: envInt(1000, 3_153_600_000_000).optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('research'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: envBoolean.default(false),
  TEMPORAL_TLS_CA_FILE: z.string().optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'a host name').optional(),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  WORKFLOW_ID_PREFIX: z.string().regex(/^[A-Za-z0-9._:-]{1,50}$/, 'letters, digits, . _ : - (at most 50)').default('research-'),
  WORKFLOW_ID_REUSE_POLICY: z.enum(['reject-duplicate', 'allow-duplicate-failed-only']).default('reject-duplicate'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  // The stand-in model server only when asked for: a worker never writes generated text into
  // result events because a key was missing.
  OFFLINE_MODE: envBoolean.default(false),
  OPENAI_BASE_URL: z.url().optional(),
  ...modelEndpointEnvShape,
  OPENAI_TIMEOUT_MS: envInt(1000, 600_000).default(120_000),
  OPENAI_MAX_RETRIES: envInt(0, 10).default(3),
  // Which of the endpoint's APIs the agents speak: OpenAI's Responses API, or Chat Completions,
  // which every OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM, TGI, …) serves with
  // a json_schema response format.
  MODEL_API: z.enum(['responses', 'chat-completions']).default('responses'),
  // With MODEL_API=chat-completions: the field that carries the output allowance. Older servers
  // know only max_tokens.
  MODEL_TOKEN_LIMIT_FIELD: z.enum(['max_completion_tokens', 'max_tokens']).default('max_completion_tokens'),
  PLANNER_MODEL: z.string().min(1).default('gpt-4.1'),
  SEARCHER_MODEL: z.string().min(1).default('gpt-4.1-mini'),
  WRITER_MODEL: z.string().min(1).default('gpt-4.1'),
  SEARCH_PROVIDER: z.enum(['openai-web-search', 'local-corpus', 'tavily', 'searxng']).optional(),
  SEARCH_CORPUS_DIR: z.string().min(1).optional(),
  // Read only by the search provider they belong to (SEARCH_PROVIDER=tavily / searxng).
  TAVILY_API_KEY: z.string().min(1).optional(),
  TAVILY_BASE_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  SEARXNG_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  // One request to Tavily or SearXNG; the provider retries a few times within the searcher's activity.
  SEARCH_TIMEOUT_MS: envInt(100, 300_000).default(15_000),
  SEARCH_CONCURRENCY: envInt(1, 20).default(5),
  LLM_ACTIVITY_TIMEOUT_MS: envInt(1000, 3_600_000).default(600_000),
  LLM_ACTIVITY_ATTEMPTS: envInt(1, 20).default(4),
  LLM_RETRY_INITIAL_MS: envInt(10, 600_000).default(2000),
  // The default budget of runs whose request sets none (per field); unset: no limit.
  BUDGET_MAX_COST_USD: z.coerce.number().positive().max(1_000_000).optional(),
  BUDGET_MAX_TOKENS: envInt(1, 1_000_000_000_000).optional(),
  ...budgetCeilingEnvShape,
  // Longer than one model call (OPENAI_TIMEOUT_MS, 120 s by default): a worker that stops lets
  // the calls in flight finish instead of paying for them and running them again elsewhere.
  WORKER_SHUTDOWN_GRACE_MS: envInt(0, 3_600_000).default(130_000),
  // Tasks the worker carries out at once. Temporal's priority and fairness decide which task
  // takes a free slot, so they only matter once the slots are full and tasks queue up.
  WORKER_ACTIVITY_SLOTS: envInt(1, 10_000).default(50),
  // At least 2: the worker keeps runs cached (sticky), which the SDK allows only from 2 slots on.
  WORKER_WORKFLOW_TASK_SLOTS: envInt(2, 10_000).default(40),
  // Kafka's default record limit is 1 MiB: a result event is fitted below this many bytes of JSON.
  RESULT_MAX_EVENT_BYTES: envInt(10_000, 100_000_000).default(1_000_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Read by payloadEncryptionSettings.ts (keys → AES-256-GCM codec on every Temporal data path).
  PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
  PAYLOAD_ENCRYPTION_KEYS_FILE: z.string().optional(),
  PAYLOAD_ENCRYPTION_KEY_ID: z.string().optional(),
  ...fairnessEnvShape,
  ...codecServerEnvShape,
  ...phoenixEnvShape,
  ...serviceHttpEnvShape,
});

export type RelayEnv = z.infer<typeof relayEnvSchema>;

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers: KAFKA_SSL, or implied by any KAFKA_TLS_* file. */
  readonly ssl: boolean;
  /** The CA and client certificate of KAFKA_TLS_*_FILE (contents, read at start-up). */
  readonly tlsFiles?: TlsFiles;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
}

export interface TopicNames {
  readonly requested: string;
  readonly completed: string;
  readonly failed: string;
  readonly deadLetter: string;
  /** Where runs publish their progress (research.progress.v1), best effort. */
  readonly progress: string;
  /** Where cancels (research.cancel.v1) come from. */
  readonly cancel: string;
}

/** Who may cancel a run, and from where. */
export interface CancelSettings {
  /** false: every cancel is dead-lettered as cancel-not-allowed. */
  readonly enabled: boolean;
  /** Cancels on the requests topic are taken (the 0.4 way); else dead-lettered as cancel-not-allowed. */
  readonly onRequestsTopic: boolean;
  /** A cancel's requestedBy must equal its request's, else it is dead-lettered as cancel-refused. */
  readonly requireSameRequester: boolean;
  /** How long a cancel waits for its request's run to appear, from the cancel's timestamp. */
  readonly waitForRunMs: number;
}

export interface TemporalSettings {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly apiKey?: string;
  /** TLS to the frontend: TEMPORAL_TLS, or implied by an API key or any TEMPORAL_TLS_* setting. */
  readonly tls: boolean;
  /** The CA and client certificate of TEMPORAL_TLS_*_FILE (contents, read at start-up). */
  readonly tlsFiles?: TlsFiles;
  /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate is checked against instead of the address's host. */
  readonly tlsServerName?: string;
  readonly uiUrl: string;
  readonly workflowIdPrefix: string;
  readonly reusePolicy: 'reject-duplicate' | 'allow-duplicate-failed-only';
  /** Set: every payload Temporal stores is encrypted (PAYLOAD_ENCRYPTION_KEYS); unset: plain JSON. */
  readonly payloadEncryption?: PayloadEncryptionSettings;
  /** How runs are shared between tenants (FAIRNESS_KEY_FIELD, FAIRNESS_WEIGHTS), given to every start. */
  readonly fairness: FairnessSettings;
}

/** SEARCH_PROVIDER's values: where the searcher agent looks things up. */
export type SearchProviderKind = NonNullable<RelayEnv['SEARCH_PROVIDER']>;

/** The model API the agents speak. */
export type ModelApi = 'responses' | 'chat-completions';

export interface LlmSettings {
  /** Undefined: the embedded stand-in server is used (offline mode, announced loudly). */
  readonly apiKey?: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** The API the agents call: `responses` (OpenAI's Responses API) or `chat-completions`. */
  readonly api: ModelApi;
  /** With `chat-completions`: which request field carries the output allowance. */
  readonly tokenLimitField: 'max_completion_tokens' | 'max_tokens';
  readonly models: { readonly planner: string; readonly searcher: string; readonly writer: string };
  readonly searchProvider?: SearchProviderKind;
  readonly corpusDirectory?: string;
  /** TAVILY_API_KEY and TAVILY_BASE_URL, read with SEARCH_PROVIDER=tavily. */
  readonly tavilyApiKey?: string;
  readonly tavilyBaseUrl?: string;
  /** SEARXNG_URL, read with SEARCH_PROVIDER=searxng. */
  readonly searxngUrl?: string;
  /** SEARCH_TIMEOUT_MS: one request to a search back end (Tavily, SearXNG). */
  readonly searchTimeoutMs: number;
  /** OFFLINE_MODE=true: the embedded stand-in answers, whatever else is set. */
  readonly offline: boolean;
}

export interface RelayConfig {
  readonly kafka: KafkaSettings;
  readonly topics: TopicNames;
  readonly cancels: CancelSettings;
  readonly topicPartitions: number;
  /** Replication of the topics the relay creates; unset fields follow the cluster's size (see resolveTopicReplication). */
  readonly topicReplication: { readonly factor?: number; readonly minInsyncReplicas?: number };
  readonly consumerGroupId: string;
  /** How long the group waits for a silent consumer before giving its partitions away. */
  readonly sessionTimeoutMs: number;
  readonly ingestConcurrency: number;
  /** How often the consumer commits the offsets of records made durable (and once more on stop). */
  readonly commitIntervalMs: number;
  /** V8's --heap-growing-percent for a consumer-only process; 0: V8's own default. */
  readonly consumerHeapGrowingPercent: number;
  readonly maxMessageBytes: number;
  /** How many bytes one fetched compressed batch may inflate to (limitInflatedBatchBytes). */
  readonly maxInflatedBatchBytes: number;
  /** Header entries (a repeated name counts each time) and their bytes a record may carry. */
  readonly maxHeaderCount: number;
  readonly maxHeaderBytes: number;
  /** How far ahead of this process's clock a record's timestamp may be before it is dead-lettered. */
  readonly maxClockSkewMs: number;
  /** Where a consumer group without committed offsets starts: the topic's beginning or its end. */
  readonly startPosition: 'earliest' | 'latest';
  /**
   * Live requests older than this (by record timestamp) are dead-lettered as `expired`, not
   * run. Undefined: the namespace's retention period (past it Temporal no longer remembers
   * the run, so an old request would run again).
   */
  readonly requestMaxAgeMs?: number;
  readonly temporal: TemporalSettings;
  readonly llm: LlmSettings;
  /** The worker's settings for every run it carries out. */
  readonly run: RunSettings;
  /** How long a stopping worker waits for the activities in flight before cancelling them. */
  readonly workerShutdownGraceMs: number;
  /** How many activities and workflow tasks the worker carries out at once. */
  readonly workerSlots: { readonly activities: number; readonly workflowTasks: number };
  /** Result events are fitted into this many bytes of JSON, cutting the longest texts first. */
  readonly resultMaxEventBytes: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `research-relay codec-server`: where it listens and whom it answers. */
  readonly codecServer: CodecServerSettings;
  /** The LLM-observability backend: trace links, `research-relay trace`. */
  readonly phoenix: PhoenixSettings;
  /** The service's HTTP port: `/metrics`, `/healthz`, `/readyz`. */
  readonly serviceHttp: ServiceHttpSettings;
}

/**
 * Reads and validates the configuration. Empty strings count as unset, so `FOO=` in a
 * compose file means "default". TLS files are read and checked here, and every secret of the
 * environment (src/config/secretVariables.ts) is registered with the log masker, so each role
 * that loads its configuration masks them all.
 *
 * @example
 * const config = loadRelayConfig(process.env);
 * console.log(config.topics.requested); // "research.requested"
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  // First of all: whatever happens next (even a configuration error), no secret of this
  // environment reaches a log line of this process.
  for (const secret of secretValuesOf(env)) registerSecret(secret);
  const e = parseEnvironment(env);
  const payloadEncryption = payloadEncryptionFromEnv(e);
  const kafka = kafkaTransport(e, env);
  const temporal = temporalTransport(e, env);
  const phoenix = phoenixSettingsFrom(e);
  const problems = [...topicProblems(e), ...kafka.problems, ...temporal.problems, ...phoenixSettingsProblems(phoenix), ...modelEndpointProblems(e), ...budgetCeilingProblems(e)];
  problems.push(...inflatedBatchProblems(e), ...topicReplicationProblems(e));
  if (problems.length > 0) throw new ConfigurationError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  return {
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID, ...kafka.settings },
    topics: { requested: e.TOPIC_REQUESTED, completed: e.TOPIC_COMPLETED, failed: e.TOPIC_FAILED, deadLetter: e.TOPIC_DLQ, progress: e.TOPIC_PROGRESS, cancel: e.TOPIC_CANCEL },
    cancels: { enabled: e.CANCELS_ENABLED, onRequestsTopic: e.CANCELS_ON_REQUESTS_TOPIC, requireSameRequester: e.CANCEL_REQUIRE_SAME_REQUESTER, waitForRunMs: e.CANCEL_WAIT_FOR_RUN_MS },
    topicPartitions: e.TOPIC_PARTITIONS,
    topicReplication: { ...(e.TOPIC_REPLICATION_FACTOR !== undefined ? { factor: e.TOPIC_REPLICATION_FACTOR } : {}), ...(e.TOPIC_MIN_INSYNC_REPLICAS !== undefined ? { minInsyncReplicas: e.TOPIC_MIN_INSYNC_REPLICAS } : {}) },
    consumerGroupId: e.CONSUMER_GROUP_ID,
    sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
    ingestConcurrency: e.INGEST_CONCURRENCY,
    commitIntervalMs: e.INGEST_COMMIT_INTERVAL_MS,
    consumerHeapGrowingPercent: e.CONSUMER_HEAP_GROWING_PERCENT,
    maxMessageBytes: e.INGEST_MAX_MESSAGE_BYTES,
    maxInflatedBatchBytes: e.INGEST_MAX_INFLATED_BATCH_BYTES,
    maxHeaderCount: e.INGEST_MAX_HEADER_COUNT,
    maxHeaderBytes: e.INGEST_MAX_HEADER_BYTES,
    maxClockSkewMs: e.REQUEST_MAX_CLOCK_SKEW_MS,
    startPosition: e.CONSUMER_START_POSITION,
    ...(e.REQUEST_MAX_AGE_MS !== undefined ? { requestMaxAgeMs: e.REQUEST_MAX_AGE_MS } : {}),
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      ...temporal.settings,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      workflowIdPrefix: e.WORKFLOW_ID_PREFIX,
      reusePolicy: e.WORKFLOW_ID_REUSE_POLICY,
      ...(payloadEncryption ? { payloadEncryption } : {}),
      fairness: fairnessSettingsFrom(e),
    },
    llm: {
      ...(e.OPENAI_API_KEY ? { apiKey: e.OPENAI_API_KEY } : {}),
      ...(e.OPENAI_BASE_URL ? { baseUrl: e.OPENAI_BASE_URL } : {}),
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      maxRetries: e.OPENAI_MAX_RETRIES,
      api: e.MODEL_API,
      tokenLimitField: e.MODEL_TOKEN_LIMIT_FIELD,
      models: { planner: e.PLANNER_MODEL, searcher: e.SEARCHER_MODEL, writer: e.WRITER_MODEL },
      ...(e.SEARCH_PROVIDER ? { searchProvider: e.SEARCH_PROVIDER } : {}),
      ...(e.SEARCH_CORPUS_DIR ? { corpusDirectory: e.SEARCH_CORPUS_DIR } : {}),
      ...(e.TAVILY_API_KEY ? { tavilyApiKey: e.TAVILY_API_KEY } : {}),
      ...(e.TAVILY_BASE_URL ? { tavilyBaseUrl: e.TAVILY_BASE_URL } : {}),
      ...(e.SEARXNG_URL ? { searxngUrl: e.SEARXNG_URL } : {}),
      searchTimeoutMs: e.SEARCH_TIMEOUT_MS,
      offline: e.OFFLINE_MODE,
    },
    run: {
      searchConcurrency: e.SEARCH_CONCURRENCY,
      llmActivityTimeoutMs: e.LLM_ACTIVITY_TIMEOUT_MS,
      llmActivityAttempts: e.LLM_ACTIVITY_ATTEMPTS,
      llmRetryInitialMs: e.LLM_RETRY_INITIAL_MS,
      ...defaultBudgetFrom(e),
      ...budgetCeilingFrom(e),
    },
    workerShutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
    workerSlots: { activities: e.WORKER_ACTIVITY_SLOTS, workflowTasks: e.WORKER_WORKFLOW_TASK_SLOTS },
    resultMaxEventBytes: e.RESULT_MAX_EVENT_BYTES,
    logLevel: e.LOG_LEVEL,
    codecServer: codecServerSettingsFrom(e, e.TEMPORAL_UI_URL),
    phoenix,
    serviceHttp: serviceHttpSettingsFrom(e),
  };
}

/**
 * The progress topic must be a topic of its own: on the requests topic every step would be
 * dead-lettered, and beside the results a subscriber could not tell steps from results. So must
 * the cancel topic.
 */
function topicProblems(e: RelayEnv): string[] {
  const others = { TOPIC_REQUESTED: e.TOPIC_REQUESTED, TOPIC_COMPLETED: e.TOPIC_COMPLETED, TOPIC_FAILED: e.TOPIC_FAILED, TOPIC_DLQ: e.TOPIC_DLQ };
  const progress = Object.entries(others)
    .filter(([, topic]) => topic === e.TOPIC_PROGRESS)
    .map(([variable]) => `TOPIC_PROGRESS=${JSON.stringify(e.TOPIC_PROGRESS)} is also ${variable}: progress needs a topic of its own`);
  // The cancel topic is the one a cancel's ACL grants: shared with another, that grant would mean more.
  const cancel = Object.entries({ ...others, TOPIC_PROGRESS: e.TOPIC_PROGRESS })
    .filter(([, topic]) => topic === e.TOPIC_CANCEL)
    .map(([variable]) => `TOPIC_CANCEL=${JSON.stringify(e.TOPIC_CANCEL)} is also ${variable}: cancels need a topic of their own (CANCELS_ON_REQUESTS_TOPIC=true takes cancels from the requests topic)`);
  return [...progress, ...cancel];
}

/** A batch holds at least one whole record: a limit below the record limit would refuse records the intake takes. */
function inflatedBatchProblems(e: RelayEnv): string[] {
  if (e.INGEST_MAX_INFLATED_BATCH_BYTES >= e.INGEST_MAX_MESSAGE_BYTES) return [];
  return [`INGEST_MAX_INFLATED_BATCH_BYTES=${e.INGEST_MAX_INFLATED_BATCH_BYTES} is below INGEST_MAX_MESSAGE_BYTES=${e.INGEST_MAX_MESSAGE_BYTES}: a batch inflates to at least one whole record`];
}

/** A min ISR above the replication factor would refuse every acks=all write. */
function topicReplicationProblems(e: RelayEnv): string[] {
  const factor = e.TOPIC_REPLICATION_FACTOR;
  const minIsr = e.TOPIC_MIN_INSYNC_REPLICAS;
  if (factor === undefined || minIsr === undefined || minIsr <= factor) return [];
  return [`TOPIC_MIN_INSYNC_REPLICAS=${minIsr} is above TOPIC_REPLICATION_FACTOR=${factor}: no acks=all write could succeed`];
}

/** BUDGET_MAX_COST_USD / BUDGET_MAX_TOKENS as the worker's default budget (absent when neither is set). */
function defaultBudgetFrom(e: RelayEnv): { defaultBudget?: RunBudget } {
  const budget: RunBudget = {
    ...(e.BUDGET_MAX_COST_USD !== undefined ? { maxCostUsd: e.BUDGET_MAX_COST_USD } : {}),
    ...(e.BUDGET_MAX_TOKENS !== undefined ? { maxTokens: e.BUDGET_MAX_TOKENS } : {}),
  };
  return Object.keys(budget).length > 0 ? { defaultBudget: budget } : {};
}

/** Validates the variables one by one; every bad one is named (a secret's value is never shown). */
function parseEnvironment(env: NodeJS.ProcessEnv): RelayEnv {
  const present = Object.fromEntries(
    Object.keys(relayEnvSchema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = relayEnvSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '?');
    const shown = isSecretValueVariable(variable) ? '(hidden)' : JSON.stringify(env[variable]);
    return `${variable}=${shown}: ${issue.message}`;
  });
  throw new ConfigurationError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
}

/** The variable names the service reads (for `--help` texts and the README check). */
export const relayEnvironmentVariables: readonly string[] = Object.keys(relayEnvSchema.shape);
