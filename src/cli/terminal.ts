/**
 * Talking to the person at the terminal: messages on stderr (stdout is kept for results a
 * script reads), a box around the device code, a spinner that only runs on a TTY, and reading
 * stdin (piped input, or a hidden line typed at a TTY).
 */
import { usageError } from './exit-codes.js';

/** Prints a line for a person (stderr). */
export const say = (line = ''): void => void process.stderr.write(`${line}\n`);
/** Prints a result for a script (stdout). */
export const print = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
export const warn = (line: string): void => say(`warning: ${line}`);

/** `lines` in a box, for the URL and code a person must not miss. */
export function box(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '─'.repeat(width + 4);
  return [`┌${rule}┐`, ...lines.map((l) => `│  ${l.padEnd(width)}  │`), `└${rule}┘`].join('\n');
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner on stderr; does nothing when stderr is not a terminal (CI logs stay clean). */
export class Spinner {
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private text: string | (() => string) = '';
  private readonly enabled = Boolean(process.stderr.isTTY);

  /** `text` may be a function, read on every frame (a countdown). */
  start(text: string | (() => string)): void {
    this.text = text;
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => this.render(), 80);
    this.render();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    process.stderr.write('\r\x1b[2K');
  }

  private render(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    process.stderr.write(`\r\x1b[2K${FRAMES[this.frame]} ${typeof this.text === 'function' ? this.text() : this.text}`);
  }
}

const MAX_STDIN_BYTES = 1024 * 1024;

/** All of stdin (piped or redirected), as text. */
export async function readStdin(what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw usageError(`The ${what} on stdin is larger than 1 MiB.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at the terminal without echo (a token someone pastes). */
export function readHiddenLine(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (result: string | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (result === null) reject(usageError('Cancelled.'));
      else resolve(result);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(line);
        if (char === '\u0003') return done(null);
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
