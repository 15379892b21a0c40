// What the page shows of an answer: the fields with their confidence, the checks, the boxes over the image, and
// errors in plain words. Everything is built with DOM calls and textContent: no value read off a card or a QR
// code is ever parsed as HTML.

const SVG = "http://www.w3.org/2000/svg";

/** The contract's fields in the card's order, with the words a person reads. */
export const FIELDS = [
  ["surname", "Surnames"],
  ["given_name", "Given names"],
  ["nationality", "Nationality"],
  ["sex", "Sex"],
  ["birth", "Date of birth"],
  ["document_number", "Document number"],
  ["issue_date", "Date of issue"],
  ["expiry_date", "Date of expiry"],
  ["number", "RUN"],
];
const LABELS = Object.fromEntries(FIELDS);
const SOURCES = { front: "front", mrz: "MRZ (back)", qr: "QR code (back)" };

/** How far to trust a confidence: the service marks a doubt by putting a field under 0.9. */
export const TRUST = { high: 0.9, low: 0.6 };
const TRUST_WORDS = { high: "high", medium: "check it", low: "low" };

export function trustOf(confidence) {
  if (confidence >= TRUST.high) return "high";
  return confidence >= TRUST.low ? "medium" : "low";
}

/** An element: `h("p", {class: "x"}, "text", child)`; attributes with null/false values are left out. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  setAttributes(element, attributes);
  element.append(...children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
}

function shown(value) {
  return Array.isArray(value) ? value.join(" ") : String(value ?? "");
}

function percent(confidence) {
  return `${Math.round(confidence * 100)} %`;
}

// --- fields -----------------------------------------------------------------------------------------------------

/** A failed check that speaks about one field: the reason for its doubt when the service gave none. */
function failedCheck(name, checks) {
  if (name === "number" && checks.run_check_digit_valid === false) return "The RUN's check digit does not match.";
  if (name === "document_number" && checks.document_number_valid === false) return "Not a valid document number.";
  if ((name === "issue_date" || name === "expiry_date") && checks.issue_before_expiry === false) {
    return "The date of issue is not before the date of expiry.";
  }
  return "";
}

function sourcesText(fusion) {
  const names = Object.keys(fusion.sources);
  if (names.length === 0) return "";
  return `Read on: ${names.map((s) => SOURCES[s] ?? s).join(", ")}; agreeing: ${fusion.agree.map((s) => SOURCES[s] ?? s).join(", ")}.`;
}

function conflictText(fusion) {
  const said = Object.entries(fusion.sources).map(([s, v]) => `${SOURCES[s] ?? s} says ${shown(v)}`);
  const chosen = fusion.agree.map((s) => SOURCES[s] ?? s).join(" and ");
  return `Conflict: ${said.join("; ")}. The value shown is the ${chosen}'s.`;
}

function fieldItem(name, body) {
  const value = body.result[name];
  const confidence = body.result.confidence?.[name] ?? 0;
  const details = body.details ?? {};
  const detail = details.fields?.[name] ?? {};
  const fusion = details.fusion?.[name];
  const trust = trustOf(confidence);
  const checks = details.checks ?? {};
  let reason = detail.low_confidence_reason || "";
  if (!reason && trust !== "high") reason = failedCheck(name, checks) || "The service gave no reason.";
  const expired = name === "expiry_date" && checks.expired === true;
  const text = shown(value);
  const labelId = `field-${name}-label`;
  return h(
    "li",
    { class: `field trust-${trust}${fusion?.conflict ? " conflict" : ""}`, "data-field": name },
    h("span", { class: "swatch", "aria-hidden": "true" }),
    h("span", { class: "name", id: labelId }, LABELS[name], " ", h("code", {}, name)),
    h("span", { class: text ? "value" : "value empty", "data-value": text }, text || "not read"),
    h(
      "span",
      { class: "confidence" },
      h("meter", {
        min: 0, max: 1, low: TRUST.low, high: TRUST.high, optimum: 1, value: confidence,
        "aria-label": `Confidence in the ${LABELS[name].toLowerCase()}`,
      }, percent(confidence)),
      h("span", { class: "percent", "aria-hidden": "true" }, percent(confidence)),
      h("span", { class: "trust" }, TRUST_WORDS[trust]),
    ),
    reason ? h("p", { class: "reason" }, h("span", { class: "why" }, "Why: "), reason) : null,
    expired ? h("p", { class: "warning" }, "The card has expired.") : null,
    fusion?.conflict ? h("p", { class: "conflict-note" }, h("strong", {}, "⚠ "), conflictText(fusion)) : null,
    fusion && !fusion.conflict ? h("p", { class: "sources" }, sourcesText(fusion)) : null,
  );
}

export function renderFields(list, body) {
  list.replaceChildren(...FIELDS.map(([name]) => fieldItem(name, body)));
}

// --- checks -----------------------------------------------------------------------------------------------------

const MARKS = { pass: "✓", fail: "✗", info: "•", unknown: "–" };

function check(state, what, verdict, extra = null) {
  return h(
    "li",
    { class: `check ${state}`, "data-state": state },
    h("span", { class: "mark", "aria-hidden": "true" }, MARKS[state]),
    h("span", { class: "text" }, h("span", { class: "what" }, what, ": "), h("span", { class: "verdict" }, verdict), extra),
  );
}

function yesNo(value, what, yes, no, unknown = "not checked") {
  if (value === true) return check("pass", what, yes);
  if (value === false) return check("fail", what, no);
  return check("unknown", what, unknown);
}

const MRZ_DIGITS = [
  ["document_number", "document number"],
  ["birth", "date of birth"],
  ["expiry", "date of expiry"],
  ["composite", "whole line (composite)"],
];

function mrzChecks(mrz, fused) {
  if (!mrz) return [check("unknown", "MRZ (back)", "not found on the back")];
  const digits = mrz.check_digits ?? {};
  const items = MRZ_DIGITS.map(([key, words]) =>
    yesNo(digits[key], `MRZ check digit, ${words}`, "matches", "does not match"),
  );
  if (mrz.given_name_truncated) {
    const kept = fused ? " (the front's are shown)" : "";
    items.push(check("info", "MRZ given names", `cut short at the line's 30 characters${kept}`));
  }
  return items;
}

function qrCheck(qr) {
  if (!qr) return check("unknown", "QR code (back)", "not found or not readable");
  const params = qr.params ?? {};
  if (!params.RUN) {
    return check("info", "QR code (back)", "not a document-status link", h("span", { class: "payload" }, ` (${qr.payload})`));
  }
  const parts = [`RUN ${params.RUN}`, params.serial && `document ${params.serial}`, params.type].filter(Boolean);
  const qrDigits = qr.mrz_checks ? Object.values(qr.mrz_checks) : [];
  const state = qrDigits.includes(false) ? "fail" : "pass";
  const verdict = `${parts.join(", ")}${qrDigits.includes(false) ? "; its MRZ extract fails a check digit" : ""}`;
  return check(state, "Document-status link (QR)", verdict, h("span", { class: "payload" }, ` (${qr.payload})`));
}

function agreementCheck(fusion) {
  const conflicts = Object.entries(fusion).filter(([, f]) => f.conflict);
  if (conflicts.length === 0) return check("pass", "Front and back", "agree on every field both show");
  const where = conflicts.map(([name, f]) => `${LABELS[name] ?? name} (${Object.entries(f.sources)
    .map(([s, v]) => `${SOURCES[s] ?? s} ${shown(v)}`).join(" vs ")})`);
  return check("fail", "Front and back", `disagree on ${where.join("; ")}`);
}

export function renderChecks(list, details) {
  const checks = details.checks ?? {};
  const expiry = details.dates_iso?.expiry_date;
  const items = [
    yesNo(checks.run_check_digit_valid, "RUN check digit", "matches", "does not match"),
    yesNo(checks.dates_valid, "Dates", "all three are real dates", "at least one is not a real date"),
    yesNo(checks.issue_before_expiry, "Issued before expiry", "yes", "no"),
    yesNo(checks.expired === null || checks.expired === undefined ? null : !checks.expired, "Still valid",
      `yes, until ${expiry ?? "the expiry date"}`, `no, expired on ${expiry ?? "the expiry date"}`, "unknown"),
    yesNo(checks.document_number_valid, "Document number", "well formed", "not well formed"),
  ];
  const back = details.back;
  if (back) items.push(...mrzChecks(back.mrz, Boolean(details.fusion)), qrCheck(back.qr));
  if (details.fusion) items.push(agreementCheck(details.fusion));
  list.replaceChildren(...items);
}

/** The back's other lines (birthplace, profession) when it was read. */
export function renderBackText(container, details) {
  const text = details.back?.back_text ?? {};
  const rows = [["birthplace", "Birthplace"], ["profession", "Profession"]]
    .filter(([key]) => text[key]?.text)
    .map(([key, label]) => [h("dt", {}, label), h("dd", {}, text[key].text, ` (${percent(text[key].confidence)})`)]);
  container.replaceChildren(...(rows.length ? [h("h3", {}, "Also on the back"), h("dl", { class: "back-text" }, rows.flat())] : []));
}

// --- the image --------------------------------------------------------------------------------------------------

function points(quad) {
  return quad.map(([x, y]) => `${x},${y}`).join(" ");
}

/**
 * The file's own pixel grid, in which the service gives its coordinates. The service ignores EXIF orientation, and
 * the page draws images with `image-orientation: none` to match, but naturalWidth/Height still follow the EXIF
 * tag: they are swapped when the drawn image's shape says so. `image` must be laid out.
 */
function fileSize(image) {
  const { naturalWidth: w, naturalHeight: h } = image;
  const drawn = image.getBoundingClientRect();
  const aspect = drawn.width / drawn.height;
  return Math.abs(aspect - h / w) < Math.abs(aspect - w / h) ? [h, w] : [w, h];
}

/** The card's outline and each field's box over `image` (coordinates are the input file's pixels). */
export function drawOverlay(overlay, image, body) {
  const details = body.details ?? {};
  const [width, height] = fileSize(image);
  overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const shapes = [];
  if (details.card_quad) shapes.push(svg("polygon", { class: "card-outline", points: points(details.card_quad) }));
  for (const [name] of FIELDS) {
    const box = details.fields?.[name]?.box;
    if (!box) continue;
    const trust = trustOf(body.result.confidence?.[name] ?? 0);
    shapes.push(svg("polygon", { class: `field-box trust-${trust}`, "data-field": name, points: points(box) },
      svg("title", {}, `${LABELS[name]}: ${shown(body.result[name])}`)));
  }
  overlay.replaceChildren(...shapes);
  return overlay.querySelectorAll(".field-box").length;
}

/** One sentence for the live region. */
export function summary(body) {
  const details = body.details ?? {};
  const doubtful = FIELDS.filter(([name]) => trustOf(body.result.confidence?.[name] ?? 0) !== "high").length;
  const conflicts = Object.values(details.fusion ?? {}).filter((f) => f.conflict).length;
  const sides = details.sides ? "front and back" : details.side === "back" ? "back" : "front";
  const parts = [`Card read (${sides}).`, `${FIELDS.length - doubtful} of ${FIELDS.length} fields with high confidence`];
  if (doubtful) parts.push(`${doubtful} to check`);
  if (conflicts) parts.push(`${conflicts} conflict${conflicts > 1 ? "s" : ""} between front and back`);
  return `${parts[0]} ${parts.slice(1).join(", ")}.`;
}

// --- errors -----------------------------------------------------------------------------------------------------

const PLAIN = {
  "AIS.0101": "The service did not accept the request. Choose the images again and retry.",
  "AIS.0102": "This file is not an image the service can read. Use a JPG, PNG, BMP or TIFF photo or scan of the card.",
  "AIS.0103": "The image is too small or too large: each side must be between 15 and 8192 pixels.",
  "AIS.0104": "No Chilean identity card could be read in this image. Take the photo again with the whole card in view, flat, sharp and without glare.",
  "AIS.0105": "The service failed while reading the card. Try again; if it keeps failing, tell the operator.",
  "ModelArts.4101": "You are not signed in. Sign in again.",
  "ModelArts.4102": "Your sign-in is not valid any more. Sign in again.",
  "ModelArts.0203": "Your sign-in has expired or is not valid. Sign in again.",
  "ModelArts.4104": "The images are too large to send: at most about 7 MB each.",
  "ModelArts.4105": "The service could not understand the request.",
  "ModelArts.4204": "The project you signed in to does not have this service enabled. Ask the operator to enable it.",
  "APIG.0301": "The service refused the credentials.",
  "APIG.0308": "The service is busy right now. Wait a few seconds and try again.",
  network: "The service could not be reached. Check that it is running and that you are connected to it.",
  read: "The browser could not read the file. Choose it again.",
  "identity.401": "The user name, password or domain is wrong, or the user may not use this project.",
  "identity.400": "The sign-in request was refused.",
};

/** The error as shown: plain words first, then the service's own code and message. */
export function renderError(container, error, title) {
  const words = PLAIN[error.code] || "Something went wrong.";
  const fromService = error.code && !["network", "read", "page"].includes(error.code);
  container.replaceChildren(
    h("p", { class: "alert-title" }, h("strong", {}, title)),
    h("p", {}, error.code === "page" ? error.message : words),
    fromService ? h("p", { class: "service-message" }, "The service said: ", h("q", {}, error.message),
      " ", h("code", {}, error.code.startsWith("identity.") ? `HTTP ${error.status}` : error.code)) : null,
  );
}
