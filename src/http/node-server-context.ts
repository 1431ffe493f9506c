/** What Yoga's server context holds under node:http: the request and response it serves. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface NodeServerContext {
  req: IncomingMessage;
  res: ServerResponse;
}
