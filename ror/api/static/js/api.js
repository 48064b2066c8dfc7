// The JSON API as the pages use it: GET with query parameters, the bearer token of this browser
// session (if any), errors as ApiError carrying the API's {code, message, field}.

const TOKEN_KEY = "ror.token";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// GET `path` with `params` (URLSearchParams or object); resolves to the parsed JSON answer.
export async function apiGet(path, params = {}, { signal } = {}) {
  const query = new URLSearchParams(params).toString();
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(query ? `${path}?${query}` : path, { headers, signal });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && body.error ? body.error : {};
    throw new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `le serveur a répondu ${response.status}`,
      error.field || null,
    );
  }
  return body;
}

// True for the error an aborted request rejects with (a newer request replaced it).
export function isAbort(error) {
  return error && error.name === "AbortError";
}
