// The capture's assessment (an original card, or a screen, photocopy or printout showing one) and the front's
// pictures cut out by the service (portrait, signature, ghost portrait), as the page shows them. The pictures
// arrive as base64 PNG and are shown through blob: URLs (the page's policy allows no data: images), forgotten
// with the result.

import { h } from "./render.js";

const KINDS = {
  original: "the card itself",
  screen: "a screen showing a card",
  photocopy: "a photocopy of a card",
  printout: "a printout of a card",
};
const PICTURES = [
  ["portrait", "Portrait"],
  ["signature", "Signature"],
  ["ghost_portrait", "Ghost portrait"],
];
let urls = [];

/** What the service says of how the image was captured; the verdict is the operator's threshold's, if set. */
export function renderCapture(container, details) {
  const capture = details.capture;
  if (!capture) {
    container.replaceChildren();
    return;
  }
  const score = `${Math.round(capture.score * 100)} %`;
  const state = capture.flagged === true ? "fail" : capture.flagged === false ? "pass" : "info";
  const verdict = capture.flagged === true ? "Flagged: this may not be the card itself."
    : capture.flagged === false ? "Under the service's threshold." : "The service sets no threshold.";
  container.replaceChildren(
    h("h3", { id: "capture-title" }, "Capture"),
    h("p", { class: `capture ${state}`, "data-kind": capture.kind, "data-score": String(capture.score) },
      h("span", { class: "kind" }, `Looks like ${KINDS[capture.kind] ?? capture.kind}`),
      `; likelihood of a recapture ${score}. `, h("span", { class: "verdict" }, verdict)),
  );
}

function pngBytes(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The pictures cut from the front; nothing when the service sent none (a back, or not asked). */
export function renderCrops(container, details) {
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  const crops = details.crops ?? {};
  const figures = PICTURES.filter(([key]) => crops[key]).map(([key, label]) => {
    const url = URL.createObjectURL(new Blob([pngBytes(crops[key])], { type: "image/png" }));
    urls.push(url);
    return h("figure", { class: "crop", "data-crop": key },
      h("img", { src: url, alt: `${label}, cut from the card` }), h("figcaption", {}, label));
  });
  container.replaceChildren(...(figures.length
    ? [h("h3", { id: "crops-title" }, "Pictures on the card"), h("div", { class: "crops" }, figures)] : []));
}
