import { Type, type TSchema } from 'typebox';
import { QUEUE_PARAMS, QUEUE_PARAM_KEYS } from '../queues/params.js';
import { QueueName } from './schemas.js';

/**
 * JSON schemas of the queue-definition routes, generated from the parameter
 * catalogue (src/queues/params.ts) so that OpenAPI lists every mod_callcenter
 * queue parameter with its type, range and the switch's default. The schema is
 * the first gate; the catalogue's grammar checks every value again.
 */

function paramSchema(key: (typeof QUEUE_PARAM_KEYS)[number]): TSchema {
  const spec = QUEUE_PARAMS[key];
  const description = `${spec.help} (switch default: ${JSON.stringify(spec.default)})`;
  switch (spec.type) {
    case 'enum':
      return Type.Union(
        spec.values.map((v) => Type.Literal(v)),
        { description },
      );
    case 'int':
      return Type.Integer({ minimum: 0, maximum: 86_400, description });
    case 'bool':
      return Type.Boolean({ description });
    case 'sound':
      return Type.String({ maxLength: 420, description: `${description}; a stream (local_stream://moh, tone_stream://…, silence_stream://-1) or an absolute file path` });
    case 'template':
      return Type.String({ maxLength: 400, description: `${description}; a file path with \${uuid}, \${caller_id_number}, \${strftime(%Y-%m-%d)}… parts` });
  }
}

const props = (nullable: boolean) =>
  Object.fromEntries(QUEUE_PARAM_KEYS.map((k) => [k, Type.Optional(nullable ? Type.Union([paramSchema(k), Type.Null()]) : paramSchema(k))]));

export const QueueParamsBody = Type.Object(props(false), { additionalProperties: false, description: 'callcenter.conf queue parameters, named as in the XML; unset ones take the switch default' });
export const QueueParamsPatch = Type.Object(props(true), { additionalProperties: false, minProperties: 1, description: 'Parameters to change; null puts one back to the switch default' });

export const CreateQueue = Type.Object({ name: QueueName, params: Type.Optional(QueueParamsBody) }, { additionalProperties: false });
export const PatchQueue = Type.Object({ params: QueueParamsPatch }, { additionalProperties: false });
export const TakeOverQueue = Type.Object({ params: Type.Optional(QueueParamsBody) }, { additionalProperties: false });
export const DeleteQueueQuery = Type.Object({ force: Type.Optional(Type.Boolean({ default: false, description: 'remove even with callers waiting (they leave the queue) or tiers attached (they are deleted)' })) }, { additionalProperties: false });

export const QueueDefinition = Type.Object({
  name: Type.String(),
  source: Type.Union([Type.Literal('gateway'), Type.Literal('file')], { description: 'gateway: defined over REST and served over mod_xml_curl; file: the switch\'s callcenter.conf.xml' }),
  readOnly: Type.Boolean({ description: 'true for queues of the switch\'s files: take them over first' }),
  takenOver: Type.Boolean(),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer(), Type.Boolean()])),
  loaded: Type.Boolean({ description: 'loaded on the switch now' }),
  note: Type.Optional(Type.String()),
  createdBy: Type.Optional(Type.String()),
  updatedBy: Type.Optional(Type.String()),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
});

export const SwitchVerdict = Type.Object({ command: Type.String(), reply: Type.String({ description: 'the switch\'s reply, e.g. +OK' }) });

export const QueueChange = Type.Object({
  queue: QueueDefinition,
  switch: SwitchVerdict,
  skipped: Type.Optional(Type.Array(Type.String(), { description: 'takeover: parameters not carried over from `queue list` (set them in the body)' })),
  removedTiers: Type.Optional(Type.Integer()),
  waitingCallers: Type.Optional(Type.Integer({ description: 'forced delete: callers that were waiting. FreeSWITCH 1.10.12 keeps them on hold music with no agent until they hang up (see README)' })),
});
