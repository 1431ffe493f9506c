/**
 * GraphiQL on GET /graphql for a browser (`Accept: text/html`), served from this project's own
 * node_modules: the GraphiQL 5 bundle (React, Monaco and its workers) that
 * @graphql-yoga/render-graphiql ships. Yoga's own page loads it from a CDN, and that package's
 * page inlines all of it in one <script>; here the page is a few lines of HTML and every script
 * is a same-origin file under /graphiql/, so the page needs no other host (it works offline) and
 * runs under a Content-Security-Policy that allows scripts from this origin only: no inline
 * script, no eval. Styles may be inline: Monaco writes its theme into <style> elements it creates.
 *
 * The headers editor's content is kept in this browser's localStorage (GraphiQL's
 * shouldPersistHeaders), and the "Add Authorization header" button merges
 * `"Authorization": "Bearer <paste token>"` into its JSON, keeping every other header, and
 * selects the placeholder so a paste replaces it.
 *
 * The bundle is 9 MB of JavaScript: it is imported on the first request for the page or a file,
 * once, not when the server starts, so an API that is never opened in a browser never loads it.
 */
import { createHash } from 'node:crypto';
import { shouldRenderGraphiQL, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import { escapeHtml } from './device-page-html.js';

const PREFIX = '/graphiql/';

export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': GRAPHIQL_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Monaco's workers, by the label it asks for (the labels Yoga's own page uses). */
const WORKERS = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };

/** Runs before the bundle: Monaco reads MonacoEnvironment when it loads. */
const ENVIRONMENT_JS = `self.MonacoEnvironment = {
  // monaco on globalThis: the Authorization button edits the headers editor's model through it.
  globalAPI: true,
  getWorkerUrl(_moduleId, label) {
    const workers = ${JSON.stringify(Object.fromEntries(Object.entries(WORKERS).map(([label, file]) => [label, PREFIX + file])))};
    return workers[label] ?? workers.editorWorkerService;
  },
};
`;

/** Runs after the bundle: renders GraphiQL and wires the Authorization button. */
function startJs(options: GraphiQLOptions): string {
  return `(() => {
  'use strict';
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('graphiql'), ${JSON.stringify(options)});

  const PLACEHOLDER = '<paste token>';
  const note = document.getElementById('authorization-note');
  const say = (text) => { note.textContent = text; };

  function headersEditor() {
    const monaco = globalThis.monaco;
    const model = monaco?.editor.getModels().find((m) => m.uri.path.endsWith('request-headers.json'));
    const editor = model && monaco.editor.getEditors().find((e) => e.getModel() === model);
    return editor ? { model, editor } : null;
  }

  function showHeadersTab() {
    const tab = document.querySelector('.graphiql-editor-tools button[data-name="headers"]');
    if (tab && !tab.classList.contains('active')) tab.click();
  }

  document.getElementById('add-authorization').addEventListener('click', () => {
    say('');
    const found = headersEditor();
    if (!found) return say('GraphiQL is still loading: try again in a moment.');
    const { model, editor } = found;
    showHeadersTab();
    const text = model.getValue();
    let headers = {};
    if (text.trim() !== '') {
      try {
        headers = JSON.parse(text);
      } catch {
        return say('The headers are not plain JSON (a comment, a typo?): nothing was changed.');
      }
      if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return say('The headers are not a JSON object: nothing was changed.');
    }
    const added = !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (added) {
      headers.Authorization = 'Bearer ' + PLACEHOLDER;
      editor.executeEdits('add-authorization', [{ range: model.getFullModelRange(), text: JSON.stringify(headers, null, 2) }]);
      editor.pushUndoStop();
    }
    // Once the headers tab is drawn (a hidden editor takes no focus): select the placeholder.
    whenVisible(editor, () => {
      const placeholder = model.findMatches(PLACEHOLDER, false, false, true, null, false)[0];
      if (placeholder) editor.setSelection(placeholder.range);
      editor.focus();
      say(added ? 'Paste your token in place of ' + PLACEHOLDER + '.' : 'An Authorization header is already set: it is kept as it is.');
    });
  });

  function whenVisible(editor, then, frames = 60) {
    if (editor.getContainerDomNode().offsetParent !== null || frames === 0) return then();
    requestAnimationFrame(() => whenVisible(editor, then, frames - 1));
  }
})();
`;
}

/** The bar above GraphiQL, and GraphiQL filling the rest of the window. */
const PAGE_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
#graphiql { flex: 1; min-height: 0; }
#graphiql .graphiql-container { height: 100%; width: 100%; }
.skillmeat-bar { display: flex; align-items: center; gap: 12px; padding: 6px 16px; font: 14px system-ui, sans-serif; background: hsl(219, 28%, 97%); border-bottom: 1px solid hsl(219, 28%, 90%); }
.skillmeat-bar button { font: inherit; padding: 3px 10px; border: 1px solid hsl(219, 28%, 75%); border-radius: 4px; background: #fff; cursor: pointer; }
.skillmeat-bar button:hover { background: hsl(219, 28%, 93%); }
#authorization-note { color: hsl(219, 10%, 35%); }
`;

function pageHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${PREFIX}favicon.ico">
<link rel="stylesheet" href="${PREFIX}graphiql.css">
<link rel="stylesheet" href="${PREFIX}page.css">
<script src="${PREFIX}environment.js"></script>
<script src="${PREFIX}graphiql.js" defer></script>
<script src="${PREFIX}start.js" defer></script>
</head>
<body>
<div class="skillmeat-bar">
<button type="button" id="add-authorization">Add Authorization header</button>
<span id="authorization-note" role="status"></span>
</div>
<div id="graphiql"><noscript>GraphiQL needs JavaScript.</noscript></div>
</body>
</html>`;
}

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

function asset(body: string | Uint8Array<ArrayBuffer>, type: string): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"` };
}

async function loadAssets(options: GraphiQLOptions): Promise<Map<string, Asset>> {
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const js = 'text/javascript; charset=utf-8';
  return new Map([
    ['graphiql.js', asset(bundle.js, js)],
    ['graphiql.css', asset(bundle.css, 'text/css; charset=utf-8')],
    [WORKERS.editorWorkerService, asset(bundle.editorWorkerService, js)],
    [WORKERS.json, asset(bundle.jsonWorker, js)],
    [WORKERS.graphql, asset(bundle.graphqlWorker, js)],
    // A data: URL in the bundle, served as a file: `img-src data:` is for the stylesheet's icons.
    ['favicon.ico', asset(Buffer.from(bundle.favicon.slice(bundle.favicon.indexOf(',') + 1), 'base64'), 'image/x-icon')],
    ['environment.js', asset(ENVIRONMENT_JS, js)],
    ['start.js', asset(startJs(options), js)],
    ['page.css', asset(PAGE_CSS, 'text/css; charset=utf-8')],
  ]);
}

/** Serves the page on GET `endpoint` (Accept: text/html) and its files on GET /graphiql/…. */
export function useGraphiQL({ title, endpoint }: { title: string; endpoint: string }): Plugin {
  const options: GraphiQLOptions = { title, endpoint, shouldPersistHeaders: true, isHeadersEditorEnabled: true };
  const html = pageHtml(title);
  let assets: Promise<Map<string, Asset>> | undefined;
  return {
    async onRequest({ request, url, endResponse }) {
      if ((url.pathname === endpoint || url.pathname === `${endpoint}/`) && shouldRenderGraphiQL(request)) {
        return endResponse(new Response(html, { headers: PAGE_HEADERS }));
      }
      if (!url.pathname.startsWith(PREFIX)) return;
      assets ??= loadAssets(options);
      const file = request.method === 'GET' ? (await assets).get(url.pathname.slice(PREFIX.length)) : undefined;
      if (!file) return endResponse(new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } }));
      // Revalidated on every load (no-cache), answered 304 while the bundle is the same.
      const headers = { 'content-type': file.type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', etag: file.etag };
      if (request.headers.get('if-none-match') === file.etag) return endResponse(new Response(null, { status: 304, headers }));
      endResponse(new Response(file.body, { headers }));
    },
  };
}
