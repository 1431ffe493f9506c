/** The DateTime scalar: ISO-8601 UTC strings on the wire. */
import { Kind } from 'graphql';
import { parseDateTime, serializeDateTime } from '../datetime.js';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});
