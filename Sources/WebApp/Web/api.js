// The HTTP API from the browser: the token, JSON calls whose errors carry the problem's detail,
// uploads with progress and cancel, media URLs and the event stream.

const TOKEN = "clipgen.token";
const MEDIA_TOKEN = "clipgen.media-token";

export class APIError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  set token(value) { value ? sessionStorage.setItem(TOKEN, value) : sessionStorage.removeItem(TOKEN); },
  /** Reads media and nothing else: the one token that goes into URLs. */
  get mediaToken() { return sessionStorage.getItem(MEDIA_TOKEN); },
  set mediaToken(value) { value ? sessionStorage.setItem(MEDIA_TOKEN, value) : sessionStorage.removeItem(MEDIA_TOKEN); },
  me: null,
};

async function problem(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    const fields = (body.errors || []).map((e) => `${e.field}: ${e.message}`);
    return new APIError(response.status, fields.length ? fields.join("; ") : body.detail || body.title || text);
  } catch {
    return new APIError(response.status, `${response.status} ${response.statusText}`);
  }
}

/** A JSON call; throws APIError with the problem's words. A 401 signs out. */
// An API path with each interpolated value as one encoded segment: an id taken from a link can
// never add segments (`..`, `\`) or a query of its own.
export function path(strings, ...values) {
  return strings.reduce((out, text, index) => out + text + (index < values.length ? encodeURIComponent(String(values[index])) : ""), "");
}

// What ClipGen's ids look like (UUIDs); anything else in a link is not one.
export function isId(text) {
  return typeof text === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

export async function call(method, path, body) {
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new APIError(0, "the server could not be reached; check your connection and try again");
  }
  if (response.status === 401 && path !== "/v1/auth/token") {
    session.token = null;
    window.dispatchEvent(new Event("clipgen:signed-out"));
  }
  if (!response.ok) throw await problem(response);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export async function signIn(email, password) {
  const token = await call("POST", "/v1/auth/token", { email, password });
  session.token = token.accessToken;
  session.me = await call("GET", "/v1/me");
  await fetchMediaToken();
  return session.me;
}

export async function fetchMediaToken() {
  session.mediaToken = (await call("POST", "/v1/auth/media-token")).accessToken;
}

export function signOut() {
  session.token = null;
  session.mediaToken = null;
  session.me = null;
}

/**
 * Sends a file as the request body (the browser streams it), reporting bytes sent of the total.
 * Returns { done: Promise<upload>, cancel() }.
 */
export function upload(file, onProgress) {
  const request = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    request.open("POST", "/v1/uploads");
    request.setRequestHeader("Authorization", `Bearer ${session.token}`);
    // Header values are bytes: a name outside printable ASCII is shown with stand-ins.
    request.setRequestHeader("X-Filename", file.name.replace(/[^\x20-\x7e]/g, "_"));
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve(JSON.parse(request.responseText));
      let detail = `${request.status} ${request.statusText}`;
      try { detail = JSON.parse(request.responseText).detail || detail; } catch { /* not a problem body */ }
      reject(new APIError(request.status, detail));
    };
    request.onerror = () => reject(new APIError(0, "the upload was interrupted; try again"));
    request.onabort = () => reject(new APIError(0, "upload cancelled"));
    request.send(file);
  });
  return { done, cancel: () => request.abort() };
}

/**
 * A media URL a <video> or <img> can load: they cannot send headers, so a token rides along —
 * the media token, which can read media and do nothing else if the URL leaks.
 */
export function media(path) {
  const separator = path.includes("?") ? "&" : "?";
  return `${path}${separator}access_token=${encodeURIComponent(session.mediaToken)}`;
}

/** The organisation's job events, reconnecting after a drop; returns a function that closes it. */
export function events(onMessage) {
  let socket;
  let closed = false;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/v1/events?access_token=${encodeURIComponent(session.token)}`);
    socket.onmessage = (message) => {
      try { onMessage(JSON.parse(message.data)); } catch { /* not an event */ }
    };
    socket.onclose = () => { if (!closed && session.token) setTimeout(open, 2000); };
  };
  open();
  return () => { closed = true; socket.close(); };
}
