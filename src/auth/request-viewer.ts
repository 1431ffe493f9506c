/**
 * The viewer of a request, resolved by the auth chain at most once however many hooks ask for
 * it: the trusted-documents check (src/plugins/trusted-documents.ts), which runs before the
 * context, and the context factory share the one answer, rejection (a 401) included.
 */
import type { AuthChain } from './chain.js';
import type { Viewer } from '../vocabulary/viewer.js';

export type RequestViewer = (request: Request, address: string | null) => Promise<Viewer | null>;

export function requestViewer(chain: AuthChain): RequestViewer {
  const viewers = new WeakMap<Request, Promise<Viewer | null>>();
  return (request, address) => {
    let viewer = viewers.get(request);
    if (viewer === undefined) {
      viewer = chain.resolve(request, address);
      viewers.set(request, viewer);
    }
    return viewer;
  };
}
