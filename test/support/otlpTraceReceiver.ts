import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// The OTLP trace messages a receiver needs (opentelemetry-proto, trace/v1 and collector/trace/v1).
const otlpProto = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15; fixed32 flags = 16;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const root = protobuf.parse(otlpProto, { keepCase: true }).root;
const requestType = root.lookupType('otlp.ExportTraceServiceRequest');
const responseType = root.lookupType('otlp.ExportTraceServiceResponse');

/** One received span, decoded. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Record<string, unknown>;
  readonly links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  readonly events: { name: string; attributes: Record<string, unknown> }[];
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly serviceName: string;
  /** The exporting process's resource attributes. */
  readonly resource: Record<string, unknown>;
  readonly scope: string;
}

interface RawValue {
  /** Which member of the oneof is set (protobufjs `oneofs: true`). */
  value?: 'string_value' | 'bool_value' | 'int_value' | 'double_value' | 'array_value' | 'kvlist_value' | 'bytes_value';
  string_value?: string;
  bool_value?: boolean;
  int_value?: string;
  double_value?: number;
  array_value?: { values?: RawValue[] };
  bytes_value?: Uint8Array;
}
interface RawKeyValue {
  key: string;
  value?: RawValue;
}

/**
 * A real OTLP trace receiver for tests: gRPC (TraceService/Export) and HTTP/protobuf
 * (POST /v1/traces), both decoding the protobuf payload the exporters send.
 */
export class OtlpTraceReceiver {
  readonly spans: ReceivedSpan[] = [];
  exports = 0;
  /** Request headers of the last HTTP export (hosted backends authenticate with them). */
  lastHttpHeaders: Record<string, string | string[] | undefined> = {};

  private constructor(
    private readonly grpcServer: grpc.Server,
    private readonly httpServer: http.Server,
    readonly grpcPort: number,
    readonly httpPort: number,
  ) {}

  /** Counts spans instead of keeping them (benchmarks: no memory growth). */
  countOnly = false;
  spanCount = 0;

  /**
   * Keeps the spans that arrive from now on (a counting receiver too), until `until` has them:
   * it resolves with what arrived once `enough` says so or `timeoutMs` passed, and the receiver
   * goes back to what it did before, holding none of them.
   */
  keepSpans(): { until(enough: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs: number): Promise<ReceivedSpan[]> } {
    const counting = this.countOnly;
    this.spans.length = 0;
    this.countOnly = false;
    return {
      until: async (enough, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (!enough(this.spans) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
        const kept = this.spans.splice(0);
        this.countOnly = counting;
        return kept;
      },
    };
  }

  static async start(options: { countOnly?: boolean } = {}): Promise<OtlpTraceReceiver> {
    // The servers exist before the receiver object that stores what they get.
    const holder: { receiver?: OtlpTraceReceiver } = {};
    const accept = (payload: Buffer): void => holder.receiver?.accept(payload);
    const grpcServer = new grpc.Server();
    grpcServer.addService(
      {
        Export: {
          path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: Buffer) => value,
          requestDeserialize: (bytes: Buffer) => bytes,
          responseSerialize: (value: Buffer) => value,
          responseDeserialize: (bytes: Buffer) => bytes,
        },
      },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          accept(call.request);
          callback(null, Buffer.from(responseType.encode(responseType.create({})).finish()));
        },
      },
    );
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    const httpServer = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          if (holder.receiver) holder.receiver.lastHttpHeaders = request.headers;
          accept(Buffer.concat(chunks));
          response.writeHead(200, { 'content-type': 'application/x-protobuf' });
          response.end(Buffer.from(responseType.encode(responseType.create({})).finish()));
        } else {
          response.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const receiver = new OtlpTraceReceiver(grpcServer, httpServer, grpcPort, (httpServer.address() as AddressInfo).port);
    receiver.countOnly = options.countOnly ?? false;
    holder.receiver = receiver;
    return receiver;
  }

  get grpcEndpoint(): string {
    return `http://127.0.0.1:${this.grpcPort}`;
  }

  get httpEndpoint(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** The names from a span up to its root, nearest first. */
  ancestry(span: ReceivedSpan): string[] {
    const byId = new Map(this.trace(span.traceId).map((candidate) => [candidate.spanId, candidate]));
    const names: string[] = [];
    let current: ReceivedSpan | undefined = span;
    while (current) {
      names.push(current.name);
      current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined;
    }
    return names;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
  }

  private accept(payload: Buffer): void {
    this.exports += 1;
    const request = requestType.toObject(requestType.decode(payload), { longs: String, bytes: Buffer, defaults: true, oneofs: true }) as {
      resource_spans: { resource?: { attributes: RawKeyValue[] }; scope_spans: { scope?: { name: string }; spans: Record<string, unknown>[] }[] }[];
    };
    for (const resourceSpans of request.resource_spans) {
      const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
      for (const scopeSpans of resourceSpans.scope_spans) {
        this.spanCount += scopeSpans.spans.length;
        if (this.countOnly) continue;
        for (const raw of scopeSpans.spans) {
          const span = raw as {
            trace_id: Buffer; span_id: Buffer; parent_span_id: Buffer; name: string; kind: number;
            start_time_unix_nano: string; end_time_unix_nano: string; attributes: RawKeyValue[];
            links: { trace_id: Buffer; span_id: Buffer; attributes: RawKeyValue[] }[]; status?: { code: number; message: string };
            events: { name: string; attributes: RawKeyValue[] }[];
          };
          this.spans.push({
            traceId: span.trace_id.toString('hex'),
            spanId: span.span_id.toString('hex'),
            parentSpanId: span.parent_span_id.toString('hex'),
            name: span.name,
            kind: span.kind,
            startNs: BigInt(span.start_time_unix_nano),
            endNs: BigInt(span.end_time_unix_nano),
            attributes: attributesOf(span.attributes),
            links: span.links.map((link) => ({ traceId: link.trace_id.toString('hex'), spanId: link.span_id.toString('hex'), attributes: attributesOf(link.attributes) })),
            events: span.events.map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
            statusCode: span.status?.code ?? 0,
            statusMessage: span.status?.message ?? '',
            serviceName: typeof resource['service.name'] === 'string' ? resource['service.name'] : '',
            resource,
            scope: scopeSpans.scope?.name ?? '',
          });
        }
      }
    }
  }
}

function attributesOf(list: RawKeyValue[]): Record<string, unknown> {
  return Object.fromEntries(list.map((entry) => [entry.key, valueOf(entry.value)]));
}

function valueOf(value: RawValue | undefined): unknown {
  switch (value?.value) {
    case 'string_value':
      return value.string_value;
    case 'bool_value':
      return value.bool_value;
    case 'int_value':
      return Number(value.int_value);
    case 'double_value':
      return value.double_value;
    case 'array_value':
      return (value.array_value?.values ?? []).map(valueOf);
    case 'bytes_value':
      return Buffer.from(value.bytes_value ?? []).toString('hex');
    default:
      return undefined;
  }
}
