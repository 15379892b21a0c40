// The service's HTTP API, called as every client calls it: /v3/auth/tokens, /v3/auth/projects and
// POST /v2/{project_id}/ocr/chile-id-card. Nothing is written anywhere: tokens live in the caller's memory.

/** A failure the page explains to the user: `code` is the contract's error code (or one of the page's own). */
export class ServiceError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** True when signing in again is the cure (a missing, unparsable, invalid or expired token). */
  get needsSignIn() {
    return ["ModelArts.4101", "ModelArts.4102", "ModelArts.0203"].includes(this.code);
  }
}

async function send(path, options) {
  try {
    return await fetch(path, { cache: "no-store", credentials: "omit", ...options });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ServiceError("network", "The service could not be reached.");
  }
}

async function bodyOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** The identity service's answer to a refused request ({"error": {"code", "message"}}). */
function identityError(response, body) {
  const message = body?.error?.message || `HTTP ${response.status}`;
  return new ServiceError(`identity.${response.status}`, message, response.status);
}

/**
 * A token by the password method; scoped to `projectId` when given, else unscoped (good only to list projects).
 * Resolves to {token, expiresAt (ms), user, project}.
 */
export async function passwordToken({ user, password, domain, projectId }) {
  const auth = {
    identity: { methods: ["password"], password: { user: { name: user, password, domain: { name: domain } } } },
  };
  if (projectId) auth.scope = { project: { id: projectId } };
  const response = await send("/v3/auth/tokens", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ auth }),
  });
  const body = await bodyOf(response);
  const token = response.headers.get("X-Subject-Token");
  if (response.status !== 201 || !token || !body?.token) throw identityError(response, body);
  return {
    token,
    expiresAt: Date.parse(body.token.expires_at),
    user: body.token.user,
    project: body.token.project ?? null,
  };
}

/** The projects the token's user may use: [{id, name, domain_id, service_enabled}]. */
export async function listProjects(token) {
  const response = await send("/v3/auth/projects", { headers: { "X-Auth-Token": token } });
  const body = await bodyOf(response);
  if (!response.ok || !Array.isArray(body?.projects)) throw identityError(response, body);
  return body.projects;
}

/** The recognition API's answer ({result, details}) for a front (and back) in base64; a ServiceError otherwise. */
export async function recognize({ token, projectId, image, backImage, signal }) {
  const request = { image, details: true, crops: true };
  if (backImage) request.back_image = backImage;
  const response = await send(`/v2/${encodeURIComponent(projectId)}/ocr/chile-id-card`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Auth-Token": token },
    body: JSON.stringify(request),
    signal,
  });
  const body = await bodyOf(response);
  if (response.ok && body?.result) return body;
  if (body?.error_code) throw new ServiceError(body.error_code, body.error_msg || "", response.status);
  throw new ServiceError(`HTTP ${response.status}`, `The service answered HTTP ${response.status}.`, response.status);
}

/** A file's bytes in base64 (read in memory only). */
export function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(new ServiceError("read", `The file ${file.name} could not be read.`));
    reader.readAsDataURL(file);
  });
}
