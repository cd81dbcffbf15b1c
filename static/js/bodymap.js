// Body-map picker: a tap on the picture toggles the matching checkbox, and the picture
// follows the checkboxes (which stay the source of truth and work without this script).
// Load with <script type="module" src="/static/js/bodymap.js">; no dependencies.

const PICKER = ".bodymap-picker";
const READY = "bodymapReady";

function boxes(picker, key) {
  return Array.from(picker.querySelectorAll('input[type="checkbox"]')).filter(
    (box) => key === undefined || box.value === key,
  );
}

function paint(picker, key) {
  const on = boxes(picker, key).some((box) => box.checked);
  for (const area of picker.querySelectorAll(".bodymap__area[data-key]")) {
    if (area.dataset.key === key) area.classList.toggle("is-selected", on);
  }
}

function paintAll(picker) {
  for (const key of new Set(boxes(picker).map((box) => box.value))) paint(picker, key);
}

function onTap(event) {
  const area = event.target.closest(".bodymap__area[data-key]");
  const picker = event.currentTarget;
  if (!area || !picker.contains(area)) return;
  const matching = boxes(picker, area.dataset.key);
  if (matching.length === 0) return;
  const checked = !matching.some((box) => box.checked);
  for (const box of matching) {
    if (box.checked === checked || box.disabled) continue;
    box.checked = checked;
    // Tell listeners (htmx triggers, autosave) just as a real click on the box would.
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }
  paint(picker, area.dataset.key);
}

function onChange(event) {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.type === "checkbox") {
    paint(event.currentTarget, box.value);
  }
}

function enhance(picker) {
  if (picker.dataset[READY]) return;
  picker.dataset[READY] = "1";
  picker.classList.add("is-enhanced");
  picker.addEventListener("click", onTap);
  picker.addEventListener("change", onChange);
  const form = picker.closest("form");
  if (form) form.addEventListener("reset", () => setTimeout(() => paintAll(picker)));
  // The browser may have restored the boxes (back button), so trust them over the markup.
  paintAll(picker);
}

function init(root) {
  const scope = root && root.querySelectorAll ? root : document;
  if (scope.matches && scope.matches(PICKER)) enhance(scope);
  for (const picker of scope.querySelectorAll(PICKER)) enhance(picker);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => init(document));
} else {
  init(document);
}

// Pickers that htmx swaps in later. Listening costs nothing without htmx, and it also
// covers pages where htmx's script runs after this module.
document.addEventListener("htmx:load", (event) => init(event.detail && event.detail.elt));
