/**
 * Webhook URLs often carry a secret (`?token=…`, `user:pass@`); an error message or log line that
 * repeats the URL would spread it. Everything that shows a URL we send to goes through here.
 */

const HIDDEN = '***';

/**
 * The URL with its user info, query values and fragment replaced by `***`; query names stay, so
 * `https://h.example/in?token=abc` reads `https://h.example/in?token=***`. Text that is not a URL is
 * returned with anything after `?` or `#` hidden, since it cannot be told apart.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/[?#].*$/s, `?${HIDDEN}`);
  }
  if (parsed.username || parsed.password) {
    parsed.username = HIDDEN;
    parsed.password = '';
  }
  if (parsed.search) {
    // URLSearchParams would percent-encode the stars; build the query by hand.
    const names = [...new URLSearchParams(parsed.search).keys()];
    parsed.search = '';
    const query = names.map((name) => `${encodeURIComponent(name)}=${HIDDEN}`).join('&');
    parsed.hash = parsed.hash ? HIDDEN : '';
    const text = parsed.toString();
    const hashAt = text.indexOf('#');
    const [base, hash] = hashAt < 0 ? [text, ''] : [text.slice(0, hashAt), text.slice(hashAt)];
    return `${base}?${query || HIDDEN}${hash}`;
  }
  if (parsed.hash) parsed.hash = HIDDEN;
  return parsed.toString();
}

// Anything from a scheme to the next space or quote: fetch's own errors quote the URL they refused.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** `text` with every URL in it redacted as redactUrl does: for error messages that may quote one. */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}
