/**
 * Opening the verification page in the person's browser: `open` on macOS, `xdg-open` elsewhere
 * (rundll32 on Windows), spawned detached so it outlives nothing of ours. It reports why it
 * could not (no display, opener missing, opener failed) so the CLI can say so.
 */
import { spawn } from 'node:child_process';

export type OpenResult = { opened: true } | { opened: false; reason: string };

/** How long an opener may take to fail before we take it that it worked. */
const SETTLE_MS = 1_000;

function opener(url: string): { command: string; args: string[] } {
  if (process.platform === 'darwin') return { command: 'open', args: [url] };
  if (process.platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Tries to open `url` (http or https only) in a browser. */
export function openBrowser(url: string, hasDisplay: boolean): Promise<OpenResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ opened: false, reason: 'the server sent a verification URL that is not a URL' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.resolve({ opened: false, reason: 'the verification URL is not http(s)' });
  }
  const needsDisplay = process.platform !== 'darwin' && process.platform !== 'win32';
  if (needsDisplay && !hasDisplay) {
    // xdg-open would fall back to a text browser in this very terminal.
    return Promise.resolve({ opened: false, reason: 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)' });
  }
  const { command, args } = opener(parsed.href);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: OpenResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.unref();
      resolve(result);
    };
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    const timer = setTimeout(() => finish({ opened: true }), SETTLE_MS);
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish({ opened: false, reason: error.code === 'ENOENT' ? `${command} is not installed` : `${command} failed (${error.code ?? error.message})` }),
    );
    child.once('exit', (code) => finish(code === 0 ? { opened: true } : { opened: false, reason: `${command} exited with code ${code ?? 'unknown'}` }));
  });
}
