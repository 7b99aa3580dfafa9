import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation. Query strings and path parameters arrive as text, so
 * they are coerced to the schema's types; JSON bodies are not: a body that
 * says `"maxNoAnswer": " "` or `null` is wrong, not zero.
 */
const base: Options = { useDefaults: true, removeAdditional: false, allErrors: false };
const coercing = new Ajv({ ...base, coerceTypes: 'array' });
const strict = new Ajv({ ...base, coerceTypes: false });
// ajv-formats is CommonJS with `exports.default`.
const withFormats = ((addFormats as unknown as { default?: unknown }).default ?? addFormats) as (ajv: Ajv) => Ajv;
withFormats(coercing);
withFormats(strict);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);
