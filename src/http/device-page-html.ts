/** The HTML of the /device page: tiny templates with every dynamic value escaped. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · SkillMeat</title>
<link rel="stylesheet" href="/device/style.css">
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

function notice(text: string | undefined): string {
  return text ? `<p class="notice" role="alert" id="notice">${escapeHtml(text)}</p>` : '';
}

export function renderSignIn(view: { csrf: string; userCode: string; notice?: string | undefined }): string {
  return layout(
    'Sign in to connect a device',
    `${notice(view.notice)}
<form method="post" action="/device/login">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<label>Device code <input name="user_code" id="user_code" value="${escapeHtml(view.userCode)}" autocomplete="off" required></label>
<label>Email <input name="email" id="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
<button type="submit" id="sign-in">Sign in</button>
</form>`,
  );
}

export function renderDecision(view: { csrf: string; userCode: string; who: string; notice?: string | undefined }): string {
  return layout(
    'Connect a device',
    `${notice(view.notice)}
<p>Signed in as <strong id="who">${escapeHtml(view.who)}</strong>. Check that the code matches the one your terminal shows.</p>
<form method="post" action="/device/decision">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<label>Device code <input name="user_code" id="user_code" value="${escapeHtml(view.userCode)}" autocomplete="off" required></label>
<button type="submit" name="action" value="approve" id="approve">Approve</button>
<button type="submit" name="action" value="deny" id="deny" class="secondary">Deny</button>
</form>`,
  );
}

export function renderMessage(title: string, text: string): string {
  return layout(title, `<p id="message">${escapeHtml(text)}</p>`);
}

export const STYLESHEET = `
body { font-family: system-ui, sans-serif; background: #f6f7f9; color: #1d2430; margin: 0; }
main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
h1 { font-size: 1.3rem; margin-top: 0; }
label { display: block; margin: 0.8rem 0; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; margin-top: 0.25rem; font-size: 1rem; }
#user_code { font-family: ui-monospace, monospace; letter-spacing: 0.15em; text-transform: uppercase; }
button { padding: 0.55rem 1.2rem; font-size: 1rem; margin-right: 0.5rem; border: 0; border-radius: 4px; background: #2f6fde; color: #fff; cursor: pointer; }
button.secondary { background: #6b7280; }
.notice { background: #fff4e5; border: 1px solid #f0b45b; padding: 0.6rem; border-radius: 4px; }
`;
