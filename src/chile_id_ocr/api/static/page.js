// The page's wiring: sign in, pick images, read, show, clear. State lives in this module's memory only
// (no cookies, no storage): reloading or closing the page forgets the token, the images and the results.

import { ServiceError, base64Of, listProjects, passwordToken, recognize } from "./api.js";
import { drawOverlay, h, renderBackText, renderChecks, renderError, renderFields, summary } from "./render.js";
import { renderCapture, renderCrops } from "./evidence.js";

const $ = (id) => document.getElementById(id);
const SIDES = ["front", "back"];

const state = {
  session: null, // {token, expiresAt, user, project}
  files: { front: null, back: null },
  urls: { front: null, back: null },
  reading: null, // the AbortController of the request in flight
};

function say(text) {
  $("status").textContent = text;
}

function focus(element) {
  element.focus({ preventScroll: false });
}

// --- signing in -----------------------------------------------------------------------------------------------

function credentials() {
  return { user: $("user").value.trim(), password: $("password").value, domain: $("domain").value.trim() || "default" };
}

function offerProjects(projects) {
  const select = $("project");
  const usable = projects.filter((p) => p.service_enabled);
  select.replaceChildren(
    ...projects.map((p) => {
      const option = new Option(p.service_enabled ? p.name : `${p.name} (service not enabled)`, p.id);
      option.selected = p === usable[0];
      return option;
    }),
  );
  $("project-row").hidden = false;
}

function forgetProjects() {
  $("project-row").hidden = true;
  $("project").replaceChildren();
}

async function signIn(event) {
  event.preventDefault();
  const form = credentials();
  $("sign-in-error").replaceChildren();
  say("Signing in…");
  try {
    let projectId = $("project-row").hidden ? "" : $("project").value;
    if (!projectId) {
      const unscoped = await passwordToken(form);
      const projects = await listProjects(unscoped.token);
      if (projects.length === 0) throw new ServiceError("page", "This user has no project. Ask the operator to create one.");
      if (projects.length > 1) {
        offerProjects(projects);
        say("This user may use several projects: choose one, then press Sign in.");
        focus($("project"));
        return;
      }
      projectId = projects[0].id;
    }
    state.session = await passwordToken({ ...form, projectId });
    $("password").value = "";
    forgetProjects();
    showReader();
  } catch (error) {
    say("");
    renderError($("sign-in-error"), error, "Sign-in refused");
    focus($("password"));
  }
}

function showReader() {
  const { user, project } = state.session;
  $("session-user").textContent = user.name;
  $("session-project").textContent = project.name;
  $("session").hidden = false;
  $("sign-in").hidden = true;
  $("reader").hidden = false;
  say(`Signed in as ${user.name}, project ${project.name}.`);
  focus($("reader-title"));
}

function signOut(message = "Signed out. The token is forgotten.") {
  clear(false);
  state.session = null;
  $("session").hidden = true;
  $("reader").hidden = true;
  $("sign-in").hidden = false;
  say(message);
  focus($("user").value ? $("password") : $("user"));
}

// --- choosing images ------------------------------------------------------------------------------------------

function describe(file) {
  const size = file.size >= 1024 * 1024 ? `${(file.size / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(file.size / 1024)} KB`;
  return `${file.name || "photo"}, ${size}`;
}

function choose(side, file) {
  if (state.reading) {
    state.reading.abort(); // its answer would be about the image being replaced
    state.reading = null;
    $("result").removeAttribute("aria-busy");
  }
  if (!$("result").hidden) forgetResult();
  forget(side);
  if (!file) return;
  state.files[side] = file;
  state.urls[side] = URL.createObjectURL(file);
  const thumb = $(`${side}-thumb`);
  thumb.onerror = () => {
    thumb.hidden = true; // not an image this browser draws; the service still decides
  };
  thumb.src = state.urls[side];
  thumb.hidden = false;
  $(`${side}-name`).textContent = `Chosen: ${describe(file)}.`;
  say(`${side === "front" ? "Front" : "Back"} image chosen: ${describe(file)}.`);
}

function forget(side) {
  if (state.urls[side]) URL.revokeObjectURL(state.urls[side]);
  state.files[side] = null;
  state.urls[side] = null;
  const thumb = $(`${side}-thumb`);
  thumb.removeAttribute("src");
  thumb.hidden = true;
  $(`${side}-name`).textContent = "No image yet. Drop one here or choose one.";
}

const SIDE_TITLES = { front: ["Front of the card", ""], back: ["Back of the card", "(optional)"] };

/** The picker of one side, from the page's template: ids `${side}-file`, `-camera`, `-thumb`, `-name`, `-drop`. */
function buildPicker(side) {
  const zone = $("side-template").content.firstElementChild.cloneNode(true);
  const part = (name) => zone.querySelector(`[data-part="${name}"]`);
  const [title, note] = SIDE_TITLES[side];
  part("title").append(title, note ? " " : "", note ? h("span", { class: "optional" }, note) : "");
  for (const name of ["drop", "thumb", "name", "file", "camera"]) part(name).id = `${side}-${name}`;
  for (const name of ["file", "camera"]) {
    part(name).setAttribute("aria-describedby", `${side}-name`);
    part(`${name}-label`).htmlFor = `${side}-${name}`;
  }
  for (const who of zone.querySelectorAll('[data-part="who"]')) who.textContent = `${title.split(" ")[0]}: `;
  $("sides").append(zone);
}

function wirePickers(side) {
  for (const kind of ["file", "camera"]) {
    const input = $(`${side}-${kind}`);
    input.addEventListener("change", () => {
      const file = input.files?.[0] ?? null;
      input.value = ""; // the page keeps the file; choosing the same one again still counts
      if (file) choose(side, file);
    });
  }
  const zone = $(`${side}-drop`);
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer?.files?.[0];
    if (file) choose(side, file);
  });
}

// --- reading --------------------------------------------------------------------------------------------------

async function read(event) {
  event.preventDefault();
  $("error").replaceChildren();
  if (!state.files.front) {
    renderError($("error"), new ServiceError("page", "Choose an image of the card's front first."), "Nothing to read");
    focus($("front-file"));
    return;
  }
  if (!state.session || Date.now() >= state.session.expiresAt) {
    signOut("Your sign-in has expired. Sign in again.");
    return;
  }
  state.reading?.abort();
  const reading = new AbortController();
  state.reading = reading;
  $("result").setAttribute("aria-busy", "true");
  say("Reading the card…");
  try {
    const [image, backImage] = await Promise.all(SIDES.map((s) => (state.files[s] ? base64Of(state.files[s]) : null)));
    const { token, project } = state.session;
    const body = await recognize({ token, projectId: project.id, image, backImage, signal: reading.signal });
    if (state.reading !== reading) return;
    await show(body);
  } catch (error) {
    if (error.name === "AbortError" || state.reading !== reading) return;
    if (error.needsSignIn) {
      signOut("Your sign-in is no longer valid. Sign in again.");
      renderError($("sign-in-error"), error, "Signed out");
      return;
    }
    $("result").hidden = true;
    say("");
    renderError($("error"), error, "The card could not be read");
  } finally {
    if (state.reading === reading) {
      state.reading = null;
      $("result").removeAttribute("aria-busy");
    }
  }
}

async function show(body) {
  const details = body.details ?? {};
  renderFields($("fields"), body);
  renderChecks($("checks"), details);
  renderBackText($("back-text"), details);
  renderCapture($("capture"), details);
  renderCrops($("crops"), details);
  $("json").textContent = JSON.stringify(body, null, 2);
  const sentence = summary(body);
  $("result-summary").textContent = sentence;
  const back = $("back-image");
  $("back-figure").hidden = !state.urls.back;
  if (state.urls.back) {
    back.src = state.urls.back;
    back.alt = "The back image as sent";
  }
  $("result").hidden = false; // laid out before the boxes are drawn: they follow the image's drawn shape
  const front = $("front-image");
  front.src = state.urls.front;
  front.alt = "The front image as sent";
  try {
    await front.decode();
    const boxes = drawOverlay($("overlay"), front, body);
    const what = details.side === "back" ? "The image, read as the card's back" : "The front";
    $("front-caption").textContent = boxes
      ? `${what}, with the card's outline and ${boxes} field boxes coloured by how far to trust each value.`
      : `${what}; the service gives no positions of fields on it.`;
  } catch {
    $("overlay").replaceChildren();
    $("front-caption").textContent = "This browser cannot show this image format; the values beside were read from it.";
  }
  say(sentence);
  focus($("result-title"));
}

/** The box of the field under the pointer stands out on the image. */
function highlight(name) {
  for (const box of $("overlay").querySelectorAll(".field-box")) box.classList.toggle("active", box.dataset.field === name);
}

// --- clearing and copying -------------------------------------------------------------------------------------

function forgetResult() {
  $("result").hidden = true;
  $("result").removeAttribute("aria-busy");
  for (const id of ["fields", "checks", "overlay", "back-text", "capture", "json", "result-summary"]) $(id).replaceChildren();
  renderCrops($("crops"), {});
  for (const id of ["front-image", "back-image"]) {
    $(id).removeAttribute("src");
    $(id).alt = "";
  }
  $("raw").open = false;
}

function clear(announce = true) {
  state.reading?.abort();
  state.reading = null;
  SIDES.forEach(forget);
  $("card-form").reset();
  $("error").replaceChildren();
  forgetResult();
  if (announce) {
    say("Cleared: the images and the results are forgotten.");
    focus($("front-file"));
  }
}

async function copyJson() {
  const text = $("json").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without the clipboard API (a page served over plain HTTP on another host): copy through a selection.
    const area = offscreenText(text);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  say("The JSON is copied.");
}

function offscreenText(text) {
  const area = h("textarea", { readonly: true, class: "visually-hidden", "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  return area;
}

// --- start ----------------------------------------------------------------------------------------------------

function start() {
  $("sign-in-form").addEventListener("submit", signIn);
  for (const id of ["user", "domain"]) $(id).addEventListener("input", forgetProjects);
  $("sign-out").addEventListener("click", () => signOut());
  $("card-form").addEventListener("submit", read);
  $("clear").addEventListener("click", () => clear());
  $("copy").addEventListener("click", copyJson);
  SIDES.forEach(buildPicker);
  SIDES.forEach(wirePickers);
  $("fields").addEventListener("mouseover", (event) => highlight(event.target.closest("[data-field]")?.dataset.field));
  $("fields").addEventListener("mouseleave", () => highlight(null));
  // A file dropped beside the zones must not make the browser leave the page (and forget the session).
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
  document.documentElement.dataset.ready = "true";
}

start();
