/**
 * CloudEvents Kafka protocol binding, binary mode: event attributes travel as `ce_*`
 * headers, the value is the event data. Any CloudEvents producer can publish requests.
 */
export interface CloudEventAttributes {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
}

export function cloudEventHeaders(attributes: CloudEventAttributes): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: attributes.id,
    ce_source: attributes.source,
    ce_type: attributes.type,
    ce_time: attributes.time,
    'content-type': 'application/json',
  };
}
